"""Check and read the audit log: ``tianji audit verify`` walks its hash chain, ``tianji audit tail`` shows
the newest rows."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from api.audit import entries, open_audit
from api.audit_chain import chain_key, verify
from tianji.core.settings import Settings, get_settings

app = typer.Typer(no_args_is_help=True)
err = Console(stderr=True)


@app.command("verify")
def verify_command(
    expect_head: str = typer.Option(
        "",
        help="ID:HASH of a head printed by an earlier run: also refuse a log whose newest rows were removed",
    ),
    progress: bool = typer.Option(True, help="show the count of checked rows as they are checked"),
) -> None:
    """Check every row's hash and its link to the row before; exit 1 naming the first broken row."""
    settings = get_settings()

    def shown(rows: int) -> None:
        if progress:
            err.print(f"checked {rows:,} rows", end="\r")

    verdict = verify(open_audit(settings), chain_key(settings), shown)
    if verdict.ok and expect_head:
        head_id, _, head_hash = expect_head.partition(":")
        if not head_id.isdigit() or not _holds(settings, int(head_id), head_hash):
            verdict.broken_id = int(head_id) if head_id.isdigit() else 0
            verdict.reason = "the expected head is not in the log (newer rows were removed or rewritten)"
    typer.echo(json.dumps(verdict.as_dict(), ensure_ascii=False))
    if not verdict.ok:
        err.print(f"[red]audit log broken at row {verdict.broken_id}: {verdict.reason}[/red]")
        raise typer.Exit(1)
    err.print(f"audit log intact: {verdict.rows:,} rows, head {verdict.head_id}:{verdict.head_hash}")


def _holds(settings: Settings, head_id: int, head_hash: str) -> bool:
    rows = entries(open_audit(settings), after_id=head_id - 1, limit=1)
    return bool(rows) and rows[0]["id"] == head_id and rows[0]["row_hash"] == head_hash


@app.command("tail")
def tail(
    lines: int = typer.Option(20, "-n", "--lines", min=1, max=10_000, help="how many of the newest rows"),
    user: str = typer.Option("", help="only this user's rows"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per row instead of a table"),
) -> None:
    """The newest rows of the audit log, oldest first."""
    rows = entries(open_audit(get_settings()), user=user or None, limit=lines, newest=True)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    table = Table("id", "at", "user", "unit", "operation", "outcome", "codes", "ms")
    for row in rows:
        operation = " ".join(str(p) for p in (row["operation_type"], row["operation_name"] or "") if p)
        table.add_row(
            str(row["id"]),
            row["at"],
            row["user"],
            row["unit"],
            operation[:60],
            row["outcome"],
            row["error_codes"] or "",
            f"{row['duration_ms']:.1f}",
        )
    Console().print(table)
