"""API users: create a user with a role and customs unit and print its API key and a JWT; set the password
an officer signs in to the dashboards with; deactivate a user."""

from __future__ import annotations

import json

import typer

from tianji.core.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def create(
    name: str = typer.Argument(..., help="user name"),
    role: str = typer.Option(..., help="investigator, analyst, admin or service"),
    unit: str = typer.Option(
        ..., help="customs unit (GZ, SZ, HP, …); '*' sees every unit's restricted cases"
    ),
) -> None:
    """Create (or replace) a user; print an API key (shown once) and a JWT valid for TIANJI_AUTH_TOKEN_HOURS."""
    from api.auth import User, create_user, issue_jwt, open_users

    settings = get_settings()
    try:
        key = create_user(open_users(settings), name, role, unit)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    token = issue_jwt(settings, User(name, role, unit))
    typer.echo(json.dumps({"user": name, "role": role, "unit": unit, "api_key": key, "jwt": token}))


@app.command()
def password(
    name: str = typer.Argument(..., help="user name"),
    new: str = typer.Option(
        ..., prompt="new password", hide_input=True, confirmation_prompt=True, help="at least 10 characters"
    ),
) -> None:
    """Set the password a user signs in to the dashboards with (stored as an argon2id hash only)."""
    from api.accounts import set_password
    from api.auth import open_users

    try:
        set_password(open_users(get_settings()), name, new)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    typer.echo(f"password of {name} set")


@app.command()
def deactivate(name: str) -> None:
    """Deactivate a user: every token and sign-in session it holds stops working."""
    from api.auth import deactivate as off
    from api.auth import open_users
    from api.sessions import end_all

    engine = open_users(get_settings())
    off(engine, name)
    end_all(engine, name)
    typer.echo(f"{name} deactivated")
