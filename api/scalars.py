"""Plain values as Strawberry's opaque JSON scalar (statically a distinct type, at run time the value itself)."""

from __future__ import annotations

from typing import cast

from strawberry.scalars import JSON


def as_json(value: object) -> JSON:
    """``value`` (a dict, list or primitive) sent unchanged as a JSON scalar."""
    return cast(JSON, value)
