"""The check every resolver starts with: the caller holds the permission, and gets the request context."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info


def need(info: Info, permission: str) -> Any:
    info.context.user.require(permission)
    return info.context
