"""The one clock: UTC everywhere, in the text forms the graph and the side databases hold."""

from __future__ import annotations

import datetime as dt
import re

from tianji.core.clock import graph_now, utc_now, utc_now_iso, utc_today


def test_every_form_is_utc() -> None:
    assert utc_now().utcoffset() == dt.timedelta(0)
    assert utc_now_iso().endswith("+00:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", graph_now())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", graph_now("milliseconds"))
    assert utc_today() in {graph_now()[:10], utc_now().date().isoformat()}
