"""Signing in: local passwords (argon2id, ``argon2-cffi``) and users an identity provider vouches for.

A password is stored only as its argon2id hash (salt and parameters inside the hash). When the hasher's
parameters are raised, a stored hash is re-hashed with the new ones at the officer's next sign-in.
Users from OpenID Connect get a local row (role and unit from their claims, refreshed at every sign-in)
so that deactivating them locally still revokes every session and token, as for local users.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from api.auth import ROLES, User, users
from api.errors import Unauthenticated
from tianji.core.clock import utc_now_iso

HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters

#: the one message for an unknown name, a wrong password and a user without a password (no oracle)
REFUSED = "unknown sign-in name or wrong password"
#: verified against when the name is unknown, so that a refusal takes as long either way
_DUMMY = HASHER.hash(secrets.token_urlsafe(16))


def set_password(engine: Engine, name: str, password: str) -> None:
    """Give an existing user a password (stored as an argon2id hash only)."""
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    with engine.begin() as conn:
        done = conn.execute(
            update(users).where(users.c.name == name).values(password_hash=HASHER.hash(password))
        )
    if done.rowcount == 0:
        raise ValueError(f"no user {name!r}; create it first with `tianji users create`")


def check_password(engine: Engine, name: str, password: str) -> User:
    """The active user ``name`` if ``password`` is theirs, else ``Unauthenticated`` (one message for every
    reason). A hash made with older parameters is replaced by one with the current parameters."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    stored = row["password_hash"] if row is not None else None
    try:
        HASHER.verify(stored or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated(REFUSED) from None
    if row is None or not stored or not row["active"]:
        raise Unauthenticated(REFUSED)
    if HASHER.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(
                update(users).where(users.c.name == name).values(password_hash=HASHER.hash(password))
            )
    return User(row["name"], row["role"], row["unit"])


def external_user(engine: Engine, name: str, role: str, unit: str) -> User:
    """The local user for an officer an identity provider signed in: created on first sign-in, role and
    unit taken from the claims each time; a user deactivated locally stays refused."""
    if role not in ROLES or role == "service":
        raise Unauthenticated(f"the identity provider gave no role this platform knows ({role!r})")
    if not name or not unit:
        raise Unauthenticated("the identity provider gave no sign-in name or no customs unit")
    with engine.begin() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        if row is None:
            conn.execute(
                insert(users).values(name=name, role=role, unit=unit, active=True, created_at=utc_now_iso())
            )
        elif not row["active"]:
            raise Unauthenticated(f"user {name!r} is deactivated here; ask an administrator")
        else:
            conn.execute(update(users).where(users.c.name == name).values(role=role, unit=unit))
    return User(name, role, unit)


def password_hash(engine: Engine, name: str) -> str | None:
    """The stored hash of ``name``'s password (for checks and tests; never shown to a client)."""
    with engine.connect() as conn:
        return conn.execute(select(users.c.password_hash).where(users.c.name == name)).scalar()
