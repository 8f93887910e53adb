"""The GraphQL schema as SDL: print it, or write it to api/schema.graphql (the file tests compare with);
the allow-list of persisted queries from the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tianji.core.resources import package_path
from tianji.core.settings import Settings, get_settings

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


@app.command()
def allowlist(
    out: Path = typer.Argument(..., help="manifest to write (TIANJI_API_ALLOWLIST)"),
) -> None:
    """Write a persisted-query manifest of every document that ran without error here (the audit log)."""
    from api.audit import open_audit
    from api.persisted import audited_documents, manifest

    documents = audited_documents(open_audit(get_settings()))
    out.write_text(json.dumps(manifest(documents), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {len(documents)} documents to {out}")
