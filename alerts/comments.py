"""Comments on alerts: what officers write while triaging one, each a ``Comment`` node (author, text, time)
joined to its alert by ``COMMENT_ON`` (read through the API as the alert's ``comments``, ``api.nodes``).

A comment belongs to the alert's unit (not its author's), so it is seen exactly by those who see the alert:
a headquarters officer's note on a unit's alert is read by that unit. Comments are never edited: a
correction is another comment. A comment's key is time-ordered, as a ULID is: the microsecond it was
written (UTC), then a hash of the alert, the author and the text; comments of one second (the stored time
keeps seconds) are thus read in the order they were written.
"""

from __future__ import annotations

from typing import Any

from alerts.raising import AlertError, get_alert
from graph.store import GraphStore
from ingest.keys import stable_id
from tianji.core.clock import utc_now

#: the longest comment kept (a triage note, not a report: a longer text belongs in a case file)
MAX_TEXT = 4000


def add_comment(store: GraphStore, alert_id: str, author: str, text: str) -> dict[str, Any]:
    """Write ``author``'s comment on the alert and return its node; an empty or overlong text is refused."""
    text = text.strip()
    if not text:
        raise AlertError("a comment needs some text")
    if len(text) > MAX_TEXT:
        raise AlertError(f"a comment holds at most {MAX_TEXT} characters (this one has {len(text)})")
    alert = get_alert(store, alert_id)
    moment = utc_now()
    at = moment.replace(tzinfo=None).isoformat(timespec="seconds")
    comment_id = f"comment_{moment:%Y%m%d%H%M%S%f}_" + stable_id("", alert_id, author, text)[:8]
    store.merge_nodes(
        "Comment",
        [{"id": comment_id, "text": text, "author": author, "unit": alert["unit"], "commented_at": at}],
    )
    store.merge_relationships("COMMENT_ON", "Comment", "Alert", [{"start": comment_id, "end": alert_id}])
    return store.node("Comment", comment_id)  # type: ignore[return-value]
