"""Refusing sign-ins for a while after too many failures, for an account and for a client address.

Failures are kept in the users database (``api.auth.sign_in_failures``), so every worker process counts
the same ones. An account with ``TIANJI_SIGNIN_MAX_FAILURES`` failures within ``TIANJI_SIGNIN_WINDOW_S``
seconds, or an address with ``TIANJI_SIGNIN_MAX_FAILURES_PER_ADDRESS``, is refused (HTTP 429 with
``Retry-After``) until the oldest of those failures leaves the window; a refused attempt is not checked
and not counted. A successful sign-in clears its account's failures (not its address's).
"""

from __future__ import annotations

import math

from sqlalchemy import Engine, delete, insert, select

from api.auth import sign_in_failures
from tianji.core.clock import utc_now
from tianji.core.settings import Settings


def _keys(settings: Settings, name: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"name:{name.casefold()}", settings.signin_max_failures)]
    if address:
        keys.append((f"addr:{address}", settings.signin_max_failures_per_address))
    return keys


def retry_after(engine: Engine, settings: Settings, name: str, address: str | None) -> int | None:
    """Seconds until a sign-in as ``name`` from ``address`` is heard again, or None when it is now."""
    now = utc_now().timestamp()
    since = now - settings.signin_window_s
    waits = []
    with engine.connect() as conn:
        for key, limit in _keys(settings, name, address):
            recent = (
                conn.execute(
                    select(sign_in_failures.c.at)
                    .where(sign_in_failures.c.key == key, sign_in_failures.c.at > since)
                    .order_by(sign_in_failures.c.at.desc())
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            if len(recent) >= limit:  # refused until the limit-th newest failure leaves the window
                waits.append(recent[-1] + settings.signin_window_s - now)
    return max(1, math.ceil(max(waits))) if waits else None


def failed(engine: Engine, settings: Settings, name: str, address: str | None) -> None:
    """Count one failed sign-in (and forget failures older than the window)."""
    now = utc_now().timestamp()
    with engine.begin() as conn:
        conn.execute(delete(sign_in_failures).where(sign_in_failures.c.at <= now - settings.signin_window_s))
        conn.execute(
            insert(sign_in_failures), [{"key": k, "at": now} for k, _ in _keys(settings, name, address)]
        )


def succeeded(engine: Engine, name: str) -> None:
    """A sign-in as ``name`` succeeded: its account's failures are forgotten."""
    with engine.begin() as conn:
        conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == f"name:{name.casefold()}"))
