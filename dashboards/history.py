"""Undo and redo of the analysis centre's board: the boards before the one shown (``past``), the one
shown (``present``) and those an undo stepped back from (``future``), as plain JSON for a ``dcc.Store``.

``record`` is given every board the canvas gets. A board equal to ``present`` is no new action (it is
the one ``undo`` or ``redo`` just wrote, or an action that changed nothing), so writing the board back
after an undo is never recorded as a step of its own. A new action drops the redo branch. At most
``canvas.yaml``'s ``history_depth`` earlier boards are kept.
"""

from __future__ import annotations

from typing import Any

from dashboards import board as b

History = dict[str, Any]


def start(board: b.Board | None = None) -> History:
    return {"past": [], "present": board or b.empty(), "future": []}


def depth() -> int:
    return int(b.config()["history_depth"])


def record(history: History | None, board: b.Board | None, keep: int | None = None) -> History | None:
    """``history`` with ``board`` as the step after the present one, or None when ``board`` is the
    present board (nothing to record)."""
    history = history or start()
    board = board or b.empty()
    if board == history["present"]:
        return None
    keep = depth() if keep is None else keep
    past = [*history["past"], history["present"]][-keep:] if keep > 0 else []
    return {"past": past, "present": board, "future": []}


def undo(history: History) -> History | None:
    """The history one step back (its ``present`` is the board to show), or None with nothing to undo."""
    if not history["past"]:
        return None
    return {
        "past": history["past"][:-1],
        "present": history["past"][-1],
        "future": [history["present"], *history["future"]],
    }


def redo(history: History) -> History | None:
    """The history one step forward again, or None with nothing to redo."""
    if not history["future"]:
        return None
    return {
        "past": [*history["past"], history["present"]],
        "present": history["future"][0],
        "future": history["future"][1:],
    }


def can(history: History | None) -> tuple[bool, bool]:
    """Whether there is something to undo, and to redo."""
    history = history or start()
    return bool(history["past"]), bool(history["future"])
