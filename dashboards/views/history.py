"""Undo and redo of the analysis centre's board, kept in the browser.

The ``history`` store holds the boards before the one shown (``past``), the one shown (``present``),
those an undo stepped back from (``future``) and how many earlier boards to keep (``keep``,
``canvas.yaml``'s ``history_depth``). It never travels to the server: twenty boards of a few hundred
nodes are megabytes that every action would carry there and back, so its three callbacks run in the
browser (``clientside_callback``), each a small function below.

``RECORD`` is given every board the canvas gets, whichever action wrote it (load, expand, gang, drift,
hide, pin, fold, clear, a case file reopened). A board equal to ``present`` is no new step: it is the
one an undo or redo just wrote (``MOVE``), or an action that changed nothing. A new step drops the redo
branch.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State

from dashboards import board as b

#: the history with ``board`` recorded as the step after its present board, or null when it is that board
RECORD = """function(history, board) {
  if (JSON.stringify(board) === JSON.stringify(history.present)) { return null; }
  const past = history.keep > 0 ? history.past.concat([history.present]).slice(-history.keep) : [];
  return {keep: history.keep, past: past, present: board, future: []};
}"""

#: the history one step back (``back``) or forward, its present the board to show; null when at an end
MOVE = """function(history, back) {
  if (back) {
    if (!history.past.length) { return null; }
    return {keep: history.keep, past: history.past.slice(0, -1), present: history.past[history.past.length - 1],
            future: [history.present].concat(history.future)};
  }
  if (!history.future.length) { return null; }
  return {keep: history.keep, past: history.past.concat([history.present]), present: history.future[0],
          future: history.future.slice(1)};
}"""

ON_BOARD = f"""function(board, history) {{
  const recorded = ({RECORD})(history, board);
  return recorded === null ? window.dash_clientside.no_update : recorded;
}}"""

ON_STEP = f"""function(u, r, history) {{
  const fired = (window.dash_clientside.callback_context.triggered || []).map(t => t.prop_id);
  const moved = ({MOVE})(history, fired.indexOf('undo.n_clicks') >= 0);
  if (moved === null) {{ return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }}
  return [moved.present, moved];
}}"""

ON_HISTORY = """function(history) { return [!history.past.length, !history.future.length]; }"""


def start() -> dict[str, Any]:
    """The history of a fresh page: the empty board, nothing to undo or redo."""
    return {"keep": int(b.config()["history_depth"]), "past": [], "present": b.empty(), "future": []}


def register(app: Dash, api: Any) -> None:
    """The three browser-side callbacks (``api`` is unused, as for every view)."""
    app.clientside_callback(
        ON_BOARD,
        Output("history", "data"),
        Input("board", "data"),
        State("history", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ON_STEP,
        Output("board", "data", allow_duplicate=True),
        Output("history", "data", allow_duplicate=True),
        Input("undo", "n_clicks"),
        Input("redo", "n_clicks"),
        State("history", "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ON_HISTORY, Output("undo", "disabled"), Output("redo", "disabled"), Input("history", "data")
    )
