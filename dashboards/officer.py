"""The signed-in officer of the request a callback answers, and the header that shows who it is.

The server in front of the dashboards (``api.routes.dashboards``) signs the officer in and puts the user
and a short-lived token of the officer's own into the WSGI environ; the dashboards never hold a token
of their own, so every API call they make is the officer's, attributed to the officer in the audit.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
import flask
from dash import html

USER_KEY = "tianji.user"
TOKEN_KEY = "tianji.token"


class NotSignedIn(RuntimeError):
    """A dashboard request reached the app without a signed-in officer (it is served only behind sign-in)."""


def officer_token() -> str:
    """The bearer token of the officer whose request is being answered."""
    token = flask.request.environ.get(TOKEN_KEY) if flask.has_request_context() else None
    if not token:
        raise NotSignedIn("no signed-in officer for this request")
    return str(token)


def officer() -> Any:
    """The signed-in user (name, role, unit), or None outside a request."""
    return flask.request.environ.get(USER_KEY) if flask.has_request_context() else None


def banner() -> html.Div:
    """Who is signed in, and the sign-out button (a form posting the session's CSRF token)."""
    user = officer()
    if user is None:
        return html.Div(id="officer")
    csrf = flask.request.cookies.get("_csrf_token", "")
    return html.Div(
        id="officer",
        style={"display": "flex", "gap": "8px", "alignItems": "center"},
        children=[
            html.Span(f"{user.name} · {user.role} · {user.unit}", id="officer-name"),
            dmc.Badge(user.role, variant="light", id="officer-role"),
            html.Form(  # the button carries the token: a submit button's name and value are posted
                action="/logout",
                method="post",
                children=[
                    html.Button("退出 Sign out", id="sign-out", type="submit", name="csrf", value=csrf)
                ],
            ),
        ],
    )
