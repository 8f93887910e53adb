"""Users, bearer tokens (signed JWT or API keys) and what each role may do.

Users live in SQLite under the data directory; API keys are stored as SHA-256 hashes only. A JWT
carries the user name and expires; both kinds name a user that must exist and be active, so
revoking a user revokes every token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

import jwt
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)

from api.errors import Forbidden, Unauthenticated
from tianji.core.clock import utc_now, utc_now_iso
from tianji.core.db import USERS, side_engine
from tianji.core.settings import Settings

ROLES = ("investigator", "analyst", "admin", "service")

#: what each role may do; every GraphQL field names the permission it needs
PERMISSIONS: dict[str, frozenset[str]] = {
    "investigator": frozenset({"read", "search", "watch", "alert", "case_file", "rescreen"}),
    "analyst": frozenset({"read", "search", "tag_edit", "score", "watch", "alert", "rescreen"}),
    "service": frozenset({"read", "search", "ingest", "score"}),
    "admin": frozenset(
        {
            "read",
            "search",
            "watch",
            "alert",
            "case_file",
            "tag_edit",
            "score",
            "rescreen",
            "ingest",
            "audit_read",
            "user_admin",
        }
    ),
}

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("name", String, primary_key=True),
    Column("role", String, nullable=False),
    Column("unit", String, nullable=False),
    Column("key_hash", String, unique=True),
    Column("password_hash", String),  # argon2id; empty for users who sign in through OIDC or only use tokens
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String, nullable=False),
)
#: browser sessions (``api.sessions``): the hash of the cookie's session id, whose it is, until when
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String, primary_key=True),
    Column("user", String, nullable=False, index=True),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False, index=True),
    Column("via", String, nullable=False),  # password or oidc
)

#: failed sign-ins (``api.throttle``): ``name:<account>`` or ``addr:<address>``, and when (epoch seconds)
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String, nullable=False, index=True),
    Column("at", Float, nullable=False),
)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str  # customs unit; "*" sees every unit's restricted cases

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def writes_for(self) -> str:
        """The unit whose nodes this user's writes may change: administrators and headquarters, every unit."""
        return "*" if self.role == "admin" or self.unit == "*" else self.unit

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(
                f"role {self.role!r} may not {permission.replace('_', ' ')}; "
                f"ask an administrator for a role that may"
            )


def open_users(settings: Settings) -> Engine:
    return side_engine(settings, USERS)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_user(engine: Engine, name: str, role: str, unit: str) -> str:
    """Create or replace a user; return a new API key (shown once, stored only as a hash)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if not name or not unit:
        raise ValueError("a user needs a name and a customs unit")
    key = "tjk_" + secrets.token_urlsafe(32)
    now = utc_now_iso()
    with engine.begin() as conn:
        conn.execute(users.delete().where(users.c.name == name))
        conn.execute(
            insert(users).values(
                name=name, role=role, unit=unit, key_hash=_hash(key), active=True, created_at=now
            )
        )
    return key


def deactivate(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.name == name).values(active=False))
    _CACHE.clear()


def officers(engine: Engine, unit: str, permission: str) -> list[User]:
    """The active users whose role may ``permission`` and who work for ``unit`` (those of headquarters,
    unit ``*``, included); every unit's when ``unit`` is ``*``. Sorted by name."""
    roles = sorted(role for role, allowed in PERMISSIONS.items() if permission in allowed)
    query = select(users).where(users.c.active.is_(True), users.c.role.in_(roles))
    if unit != "*":
        query = query.where(users.c.unit.in_([unit, "*"]))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(users.c.name)).mappings().all()
    return [User(r["name"], r["role"], r["unit"]) for r in rows]


def issue_jwt(settings: Settings, user: User, hours: float | None = None) -> str:
    now = utc_now()
    claims = {
        "sub": user.name,
        "role": user.role,
        "unit": user.unit,
        "iat": now,
        "exp": now + dt.timedelta(hours=hours if hours is not None else settings.auth_token_hours),
    }
    return jwt.encode(claims, settings.auth_secret, algorithm="HS256")


_CACHE: dict[tuple[int, str, str], tuple[float, User]] = {}
CACHE_SECONDS = 10.0


def _user(engine: Engine, **where: str) -> User:
    """The active user a token names; looked up at most every few seconds per token (a revoked user's
    tokens stop working within ``CACHE_SECONDS``)."""
    column, value = next(iter(where.items()))
    key = (id(engine), column, value)
    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    user = _lookup(engine, column, value)
    _CACHE[key] = (time.monotonic(), user)
    return user


def active_user(engine: Engine, name: str) -> User:
    """The active user called ``name`` (a session's user), or ``Unauthenticated``."""
    return _user(engine, name=name)


def _lookup(engine: Engine, column: str, value: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c[column] == value)).mappings().first()
    if row is None or not row["active"]:
        raise Unauthenticated("the token names no active user; ask an administrator for a new one")
    return User(row["name"], row["role"], row["unit"])


_VERIFIED: dict[tuple[str, str], tuple[str, float]] = {}  # (secret, token) -> (subject, expiry)
VERIFIED_MAX = 10_000  # tokens kept verified; the cache starts again when full


def _jwt_subject(settings: Settings, token: str) -> str:
    """The subject of a signed, unexpired JWT, or ``Unauthenticated`` saying why not. A token's signature
    is checked once; after that only its expiry, until it expires (and is checked in full again)."""
    key = (settings.auth_secret, token)
    held = _VERIFIED.get(key)
    if held is not None and time.time() < held[1]:
        return held[0]
    try:
        claims = jwt.decode(
            token, settings.auth_secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired; sign in again for a new one") from None
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"the token is not valid ({exc})") from None
    if len(_VERIFIED) >= VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = (str(claims["sub"]), float(claims["exp"]))
    return str(claims["sub"])


def authenticate(settings: Settings, engine: Engine, header: str | None) -> User:
    """The user behind an ``Authorization: Bearer …`` header, or ``Unauthenticated`` saying why not."""
    if not header:
        raise Unauthenticated("missing Authorization header: send 'Authorization: Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    token = token.strip()
    modes = {m.strip() for m in settings.auth_modes.split(",")}
    if token.count(".") == 2 and "jwt" in modes:
        return _user(engine, name=_jwt_subject(settings, token))
    if token.startswith("tjk_") and "apikey" in modes:
        return _user(engine, key_hash=_hash(token))
    raise Unauthenticated("unrecognised token; send a JWT or an API key issued by `tianji users create`")
