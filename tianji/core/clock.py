"""The one clock: every timestamp the platform writes is UTC, taken here.

Graph properties hold naive ISO strings in UTC (FalkorDB's ``localdatetime``); side databases and logs
keep the offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

Timespec = Literal["seconds", "milliseconds"]


def utc_now() -> dt.datetime:
    """Now, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def utc_now_iso(timespec: Timespec = "seconds") -> str:
    """Now in UTC as ISO text with its offset (``2026-12-01T22:13:08+00:00``)."""
    return utc_now().isoformat(timespec=timespec)


def graph_now(timespec: Timespec = "seconds") -> str:
    """Now in UTC as the naive ISO text graph properties hold (``2026-12-01T22:13:08``)."""
    return utc_now().replace(tzinfo=None).isoformat(timespec=timespec)


def utc_today() -> str:
    """Today's date in UTC as ISO text (``2026-12-01``), as date properties hold it."""
    return utc_now().date().isoformat()
