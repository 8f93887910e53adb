"""Entry point of the ``tianji`` console script; collects the command modules of ``tianji.cli``."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import tianji.cli

app = typer.Typer(
    help="Tianji: knowledge-graph investigation platform for customs risk.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(tianji.cli.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = importlib.import_module(f"tianji.cli.{info.name}")
        name = getattr(module, "NAME", info.name.replace("_", "-"))
        if isinstance(getattr(module, "app", None), typer.Typer):
            app.add_typer(module.app, name=name, help=(module.__doc__ or "").strip().splitlines()[0])
        elif callable(getattr(module, "command", None)):
            app.command(name=name)(module.command)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
