"""Set up and run the whole platform on the embedded graph with the demo world."""

from __future__ import annotations

import typer
from rich.console import Console

from tianji.bootstrap import prepare
from tianji.cli.assets import AssetError, fetch
from tianji.cli.mapdata import MapDataError, fetch_provinces
from tianji.core.settings import Settings, get_settings

console = Console()


def local_assets(settings: Settings) -> None:
    """GraphiQL's files in the data folder (once): GraphiQL then works with no network."""
    console.print("[bold]GraphiQL assets[/] (served locally, fetched once)")
    try:
        written = fetch(settings)
    except AssetError as exc:
        console.print(f"  [yellow]not fetched[/]: {exc}; GraphiQL will load its files from the CDN")
    else:
        console.print(f"  in place ({len(written)} fetched now)")
    console.print("[bold]Map province borders[/] (for the trajectory view, derived once)")
    try:
        made = fetch_provinces(settings)
    except MapDataError as exc:
        console.print(f"  [yellow]not made[/]: {exc}; the map shows coasts and country borders only")
        return
    console.print("  made now" if made else "  in place")


def command(
    redo: bool = typer.Option(False, help="run the analysis steps again even if they ran for this world"),
    prepare_only: bool = typer.Option(
        False, "--prepare-only", help="load and analyse, then exit without serving"
    ),
) -> None:
    """Start the graph, load the demo world if the graph is empty, run the analysis steps, then serve."""
    settings = get_settings()
    local_assets(settings)
    prepare(settings, redo=redo)
    if prepare_only:
        return
    from tianji.serving import serve

    serve(settings, with_scheduler=True)
