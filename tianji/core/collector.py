"""Python's cycle collector, made rarer while a process builds millions of short-lived objects.

The collector runs after every 700 net allocations and, every hundred of those, walks every object the
process holds. Planning a big file holds the known ids and the planner's memos (millions of objects) and
allocates a list per row and value; on the medium world's 100,000 declarations the collector took over
40% of the planning time (9.5 s planned, 5.4 s with the collector off). Raising the thresholds keeps
cycles collected, just less often, and ``freeze`` moves what the process already holds (the ids a worker
was given) out of every later walk. A serving worker does the same with what it holds once started
(its modules, the ontology, the models): with two workers at 32 clients, 2-hop expansions went from 93
to 141–161 requests/s, and an occasional 250 ms pause at 8 clients (lookup p99) went away.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (50_000, 20, 100)  # allocations before a young collection; young ones per older one
_lock = threading.Lock()
_depth = 0
_before: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections(*, freeze: bool = False) -> Iterator[None]:
    """Collect cycles less often inside the block (``freeze``: first set aside what is held now). Blocks
    may overlap (two apps started in one process): when the last one ends, the thresholds before the
    first are restored and what was frozen is returned to the collector."""
    global _depth, _before
    with _lock:
        if _depth == 0:
            _before = gc.get_threshold()
        _depth += 1
        if freeze:
            gc.freeze()
        gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                assert _before is not None
                gc.set_threshold(*_before)
                gc.unfreeze()
