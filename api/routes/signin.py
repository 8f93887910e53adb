"""Sign-in and sign-out for the dashboards: a local name and password, or the identity provider (OIDC).

``GET /login`` shows the form (and the identity provider's button when ``TIANJI_OIDC_ISSUER`` is set);
``POST /login`` checks the password and starts a session; ``POST /logout`` ends it. Both forms carry a
CSRF token: before sign-in a random one, double-submitted as cookie and form field; at sign-out the
session's own. After sign-in the browser goes back to the page it asked for (local paths only).

Every attempt is audited as ``sign_in`` (the name tried, never the password) or ``sign_out``, under the
officer it signed in or out; too many failures refuse an account or an address a while (``api.throttle``).
"""

from __future__ import annotations

import asyncio
import html
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import sessions, throttle
from api.accounts import check_password
from api.auth import User, active_user
from api.deps import PageUserDep, ServicesDep
from api.errors import Forbidden, NotFound, Unauthenticated
from api.oidc import begin, finish
from api.trail import Trail, trail_of

router = APIRouter(tags=["sign-in"], include_in_schema=False)

HOME = "/dash/"

PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>天机 Tianji · 登录 Sign in</title>
<style>body{{font-family:'Noto Sans CJK SC',sans-serif;max-width:26em;margin:8em auto}}
label,input,button{{display:block;width:100%;margin:.4em 0}}input{{padding:.4em}}
.error{{color:#b00}}.note{{color:#555}}</style></head>
<body><h2>天机 Tianji · 登录 Sign in</h2>{message}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">用户名 Sign-in name</label><input id="username" name="username" autocomplete="username">
<label for="password">密码 Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button id="sign-in" type="submit">登录 Sign in</button></form>{oidc}</body></html>"""


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this server, else the dashboards (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def page(request: Request, *, error: str = "", status: int = 200, next_path: str = HOME) -> HTMLResponse:
    settings = request.app.state.services.settings
    csrf = secrets.token_urlsafe(24)
    notice = ""
    if error:
        notice = f'<p class="error" id="sign-in-error">{html.escape(error)}</p>'
    elif "signed_out" in request.query_params:
        notice = '<p class="note" id="signed-out">已退出 Signed out.</p>'
    oidc = (
        '<p><a id="sign-in-oidc" href="/login/oidc">使用统一身份认证登录 Sign in with your identity provider</a></p>'
        if settings.oidc_issuer
        else ""
    )
    response = HTMLResponse(
        PAGE.format(message=notice, csrf=csrf, next=html.escape(local_path(next_path)), oidc=oidc),
        status_code=status,
    )
    response.set_cookie(
        sessions.CSRF_COOKIE, csrf, max_age=3600, samesite="lax", secure=settings.secure_cookies, path="/"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def signed_in_response(request: Request, user: User, via: str, target: str) -> Response:
    svc = request.app.state.services
    session_id = sessions.start(svc.users, svc.settings, user.name, via)
    response = RedirectResponse(local_path(target), status_code=303)
    sessions.set_cookies(response, svc.settings, session_id)
    return response


@router.get("/login")
async def login_page(request: Request, user: PageUserDep, next: str = HOME) -> Response:  # noqa: A002
    if user is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return page(request, next_path=next)


def audited(request: Request, operation: str, arguments: dict[str, Any]) -> Trail:
    """This request's audit trail, named (a request outside the audit middleware gets a loose one)."""
    trail = trail_of(request.scope) or Trail()
    trail.name(operation, f"{request.method} {request.url.path}", arguments)
    return trail


@router.post("/login")
async def login(
    request: Request,
    svc: ServicesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,  # noqa: A002
) -> Response:
    name = username.strip()
    trail = audited(request, "sign_in", {"username": name, "via": "password"})
    if not sessions.csrf_matches(request.cookies.get(sessions.CSRF_COOKIE), csrf):
        trail.codes.append("FORBIDDEN")
        return page(
            request, error="表单已过期 The form expired; please sign in again", status=403, next_path=next
        )
    address = request.client.host if request.client else None
    wait = await asyncio.to_thread(throttle.retry_after, svc.users, svc.settings, name, address)
    if wait is not None:
        trail.codes.append("RATE_LIMITED")
        response = page(
            request,
            error=f"尝试次数过多 Too many failed sign-ins; try again in {wait} s",
            status=429,
            next_path=next,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        user = await asyncio.to_thread(check_password, svc.users, name, password)
    except Unauthenticated as exc:
        trail.codes.append(exc.code)
        await asyncio.to_thread(throttle.failed, svc.users, svc.settings, name, address)
        return page(request, error=exc.message, status=401, next_path=next)
    trail.user = user
    await asyncio.to_thread(throttle.succeeded, svc.users, user.name)
    return signed_in_response(request, user, "password", next)


@router.post("/logout")
async def logout(request: Request, svc: ServicesDep, csrf: Annotated[str, Form()] = "") -> Response:
    trail = audited(request, "sign_out", {})
    session_id = request.cookies.get(sessions.SESSION_COOKIE)
    if session_id:
        name = await asyncio.to_thread(sessions.user_of, svc.users, session_id)
        if name is not None:
            trail.user = await asyncio.to_thread(session_user, svc.users, name)
        if not sessions.csrf_matches(sessions.csrf_token(svc.settings, session_id), csrf):
            raise Forbidden("missing or wrong CSRF token; sign out from the dashboards' button")
        await asyncio.to_thread(sessions.end, svc.users, session_id)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    sessions.clear_cookies(response, svc.settings)
    return response


def session_user(engine: Any, name: str) -> User:
    """Who a session belongs to, for the audit (a deactivated user keeps their name, without a role)."""
    try:
        return active_user(engine, name)
    except Unauthenticated:
        return User(name, "none", "")


@router.get("/login/oidc")
async def login_oidc(request: Request, svc: ServicesDep) -> Response:
    audited(request, "sign_in", {"via": "oidc", "step": "redirect"})
    idp = getattr(request.app.state, "oidc", None)
    if idp is None:
        raise NotFound("no identity provider is configured (TIANJI_OIDC_ISSUER)")
    return await begin(idp, request, svc.settings)


@router.get("/login/oidc/callback")
async def login_oidc_callback(request: Request, svc: ServicesDep) -> Response:
    trail = audited(request, "sign_in", {"via": "oidc", "step": "callback"})
    idp = getattr(request.app.state, "oidc", None)
    if idp is None:
        raise NotFound("no identity provider is configured (TIANJI_OIDC_ISSUER)")
    try:
        user = await finish(idp, request, svc.settings, svc.users)
    except Unauthenticated as exc:
        trail.codes.append(exc.code)
        return page(request, error=exc.message, status=401)
    trail.user = user
    return signed_in_response(request, user, "oidc", HOME)
