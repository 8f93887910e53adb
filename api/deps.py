"""What REST routes depend on, as ``Annotated`` aliases: the settings, the shared store, the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import User
from api.context import Services
from api.errors import Forbidden
from graph.store import GraphStore
from tianji.core.settings import Settings


def services(request: Request) -> Services:
    """What the app opened at start-up (``api.app.create_app``'s lifespan)."""
    return request.app.state.services


def settings(request: Request) -> Settings:
    return services(request).settings


def store(request: Request) -> GraphStore:
    return services(request).store


def current_user(request: Request) -> User:
    """The user the guard middleware authenticated (every REST route but health is guarded)."""
    user = getattr(request.state, "user", None)
    return user if isinstance(user, User) else User("anonymous", "none", "")


SettingsDep = Annotated[Settings, Depends(settings)]
StoreDep = Annotated[GraphStore, Depends(store)]
ServicesDep = Annotated[Services, Depends(services)]
UserDep = Annotated[User, Depends(current_user)]


def require(user: User, permission: str, action: str) -> None:
    """Refuse ``action`` (e.g. "upload certificates") unless ``user``'s role grants ``permission``."""
    if not user.can(permission):
        raise Forbidden(f"role {user.role!r} may not {action}")
