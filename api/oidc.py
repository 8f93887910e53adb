"""Sign-in through an OpenID Connect identity provider (Authlib's Starlette client).

The authorization-code flow with PKCE (S256): ``/login/oidc`` sends the browser to the provider with a
state, a nonce and a code challenge (kept in a short-lived signed cookie); ``/login/oidc/callback`` trades
the code and the verifier for tokens, and Authlib checks the id_token's signature against the provider's
JWKS, its issuer, audience, expiry and nonce. The officer's name, role and unit come from claims named in
the settings (``TIANJI_OIDC_*``); a role claim may be a list of groups mapped by ``TIANJI_OIDC_ROLE_MAP``.
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError, StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from api.accounts import external_user
from api.auth import ROLES, User
from api.errors import Unauthenticated, Unavailable
from tianji.core.settings import Settings

#: the signed cookie that carries state, nonce and PKCE verifier between the two legs (10 minutes)
FLOW_COOKIE = "tianji_oidc"
FLOW_SECONDS = 600


def provider(settings: Settings) -> StarletteOAuth2App:
    """The registered provider; its discovery document and keys are read on first use."""
    oauth = OAuth()
    oauth.register(
        "idp",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    return oauth.create_client("idp")


async def begin(idp: StarletteOAuth2App, request: Request, settings: Settings) -> Response:
    """Redirect the browser to the provider's authorization endpoint."""
    try:
        return await idp.authorize_redirect(request, settings.oidc_redirect_uri)
    except httpx.HTTPError:
        raise Unavailable(
            "the identity provider cannot be reached; try again or sign in with a password"
        ) from None


async def finish(idp: StarletteOAuth2App, request: Request, settings: Settings, users: Any) -> User:
    """The local user for the provider's answer at the callback, or ``Unauthenticated`` saying why not."""
    try:
        token = await idp.authorize_access_token(
            request, claims_options={"iss": {"essential": True, "values": [settings.oidc_issuer]}}
        )
    except OAuthError as exc:
        raise Unauthenticated(f"the identity provider's answer was refused ({exc.error})") from None
    except JoseError as exc:  # signature, issuer, audience, expiry or nonce of the id_token
        raise Unauthenticated(f"the identity provider's id_token was refused ({exc.error})") from None
    except httpx.HTTPError:
        raise Unavailable(
            "the identity provider cannot be reached; try again or sign in with a password"
        ) from None
    claims = token.get("userinfo")
    if not claims:
        raise Unauthenticated("the identity provider sent no id_token")
    return external_user(users, *officer(settings, dict(claims)))


def officer(settings: Settings, claims: dict[str, Any]) -> tuple[str, str, str]:
    """Sign-in name, role and unit from id_token claims, as the settings name them."""
    name = str(claims.get(settings.oidc_name_claim) or "")
    unit = str(claims.get(settings.oidc_unit_claim) or "")
    value = claims.get(settings.oidc_role_claim)
    candidates = value if isinstance(value, list) else [value]
    mapping = settings.oidc_role_map  # with a map, only mapped values grant a role
    roles = [mapping.get(str(c), "") if mapping else str(c) for c in candidates if c]
    role = next((r for r in roles if r in ROLES), "")
    return name, role or str(value), unit
