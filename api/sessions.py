"""Browser sessions: a random session id in an HttpOnly cookie, kept server-side with its expiry.

The cookie holds only the id; the server keeps its SHA-256 hash, the user and the expiry
(``TIANJI_SESSION_HOURS``) in the users database (``api.auth.open_users``; migration ``users_0002``), so signing out or deactivating the user ends the session at once. Requests
that change state and are authenticated by the cookie must also send ``X-CSRFToken`` equal to the
``_csrf_token`` cookie (double submit; the Dash renderer sends it on every callback). That token is an
HMAC of the session id, so a token planted from elsewhere never matches a real session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import Engine, delete, insert, select
from starlette.responses import Response

from api.auth import sessions
from tianji.core.clock import utc_now
from tianji.core.settings import Settings

SESSION_COOKIE = "tianji_session"
CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads
CSRF_HEADER = "x-csrftoken"  # the header it sends the token in
#: methods that never change state (no CSRF token needed)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(engine: Engine, settings: Settings, user: str, via: str) -> str:
    """A new session for ``user``; returns its id (for the cookie only: the store keeps its hash)."""
    session_id = secrets.token_urlsafe(32)
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now.isoformat()))
        conn.execute(
            insert(sessions).values(
                id_hash=_digest(session_id),
                user=user,
                created_at=now.isoformat(),
                expires_at=(now + dt.timedelta(hours=settings.session_hours)).isoformat(),
                via=via,
            )
        )
    return session_id


def user_of(engine: Engine, session_id: str) -> str | None:
    """The user of a live session, or None when it is unknown, ended or expired."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(sessions).where(sessions.c.id_hash == _digest(session_id))).mappings().first()
        )
    if row is None or row["expires_at"] <= utc_now().isoformat():
        return None
    return str(row["user"])


def end(engine: Engine, session_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.id_hash == _digest(session_id)))


def end_all(engine: Engine, user: str) -> None:
    """End every session of ``user`` (on deactivation)."""
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.user == user))


def csrf_token(settings: Settings, session_id: str) -> str:
    """The CSRF token that belongs to a session."""
    return hmac.new(settings.auth_secret.encode(), b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_matches(expected: str | None, sent: str | None) -> bool:
    return bool(expected) and bool(sent) and hmac.compare_digest(str(expected), str(sent))


def set_cookies(response: Response, settings: Settings, session_id: str) -> None:
    """The session cookie (HttpOnly) and its CSRF token (readable by the page's script, which sends it back)."""
    age = int(settings.session_hours * 3600)
    secure = settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=age, httponly=True, samesite="lax", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, csrf_token(settings, session_id), max_age=age, samesite="lax", secure=secure, path="/"
    )


def clear_cookies(response: Response, settings: Settings) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.secure_cookies, samesite="lax")
