"""The GraphQL schema as SDL: print it, or write it to api/schema.graphql (the file tests compare with)."""

from __future__ import annotations

import typer

from tianji.core.resources import package_path
from tianji.core.settings import Settings

app = typer.Typer(no_args_is_help=True)
SDL_FILE = package_path("api", "schema.graphql")


@app.command()
def export(
    write: bool = typer.Option(False, "--write", help="write api/schema.graphql instead of printing"),
) -> None:
    """Print the SDL of the schema (or write it to api/schema.graphql)."""
    from api.schema import export_sdl

    sdl = export_sdl(Settings())
    if write:
        SDL_FILE.write_text(sdl, encoding="utf-8")
        typer.echo(f"wrote {SDL_FILE}")
    else:
        typer.echo(sdl)
