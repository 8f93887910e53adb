"""Serve the API (and dashboards, when present) over HTTP."""

from __future__ import annotations

from tianji.core.settings import get_settings


def command() -> None:
    """Serve the GraphQL API, health endpoints and dashboards on TIANJI_API_HOST:TIANJI_API_PORT."""
    from tianji.serving import serve

    serve(get_settings())
