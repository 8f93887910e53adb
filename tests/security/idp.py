"""A tiny OpenID Connect provider on 127.0.0.1 for the tests: discovery, JWKS, authorize and token endpoints.

It approves every authorization request at once (as if the officer had signed in at the provider), keeps
the PKCE challenge with the code, checks the verifier and the client's secret at the token endpoint, and
signs the id_token with an RSA key generated for the test. ``claims`` are the officer's claims;
``tamper`` changes the id_token (another audience, another nonce, another key) to see it refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.api.conftest import free_port

CLIENT_ID = "tianji-test"
CLIENT_SECRET = "test-client-secret-0123456789"


@dataclass
class Provider:
    issuer: str
    claims: dict[str, Any] = field(default_factory=dict)
    tamper: str = ""  # "", "audience", "nonce" or "key"
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    verified_pkce: list[str] = field(default_factory=list)

    def id_token(self, grant: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "sub-" + str(self.claims.get("preferred_username", "x")),
            "aud": "someone-else" if self.tamper == "audience" else CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "another-nonce" if self.tamper == "nonce" else grant["nonce"],
            **self.claims,
        }
        key = RSAKey.generate_key(2048, parameters={"kid": "test-key"}) if self.tamper == "key" else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)


def provider_app(idp: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, Any]:
        return {
            "issuer": idp.issuer,
            "authorization_endpoint": f"{idp.issuer}/authorize",
            "token_endpoint": f"{idp.issuer}/token",
            "jwks_uri": f"{idp.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [idp.key.as_dict(private=False)]}

    @app.get("/authorize")
    def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            raise HTTPException(400, "unknown client or response type")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise HTTPException(400, "PKCE with S256 is required")
        code = secrets.token_urlsafe(16)
        idp.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce", ""),
            "redirect_uri": q["redirect_uri"],
        }
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    @app.post("/token")
    def token(
        grant_type: str = Form(),
        code: str = Form(),
        redirect_uri: str = Form(),
        code_verifier: str = Form(""),
        authorization: str = Header(""),
    ) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = idp.codes.pop(code, None)
        if grant_type != "authorization_code" or grant is None or grant["redirect_uri"] != redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
        )
        if digest != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
        idp.verified_pkce.append(code)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": idp.id_token(grant),
            }
        )

    return app


@contextmanager
def running_provider() -> Iterator[Provider]:
    port = free_port()
    idp = Provider(issuer=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(provider_app(idp), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield idp
    finally:
        server.should_exit = True
        thread.join(timeout=10)
