"""The FastAPI application: ``create_app(settings)`` with GraphQL at /graphql, health and readiness, upload."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response, UploadFile, WebSocket
from fastapi.responses import JSONResponse
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from alerts.channels import check_channels
from alerts.outbox import open_outbox
from api.audit import open_audit
from api.auth import User, authenticate, open_users
from api.context import Context, Services
from api.errors import ApiError, classify
from api.limits import BodyLimit, save_upload
from api.schema import annotate, build_schema
from graph.open import open_store
from tianji.core.settings import Settings, get_settings


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


class Router(GraphQLRouter[Context, None]):
    settings: Settings

    async def process_result(self, request: Request, result: Any) -> Any:
        for error in result.errors or []:
            annotate(error, self.settings)
        return await super().process_result(request, result)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            context.user = authenticate(context.services.settings, context.services.users, header)
        except ApiError as exc:
            raise ConnectionRejectionError({"message": exc.message, "code": exc.code}) from None
        return {"user": context.user.name}


def _png(path: Path) -> bytes:
    """PNG bytes of a stored image; scans (.npy attenuation 0-1) are drawn dark where dense, as on a scanner."""
    import io

    import numpy as np
    from PIL import Image

    if path.suffix == ".npy":
        picture = Image.fromarray((255 * (1 - np.clip(np.load(path), 0, 1))).astype("uint8"))
    else:
        picture = Image.open(path)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await asyncio.to_thread(open_store, settings=settings)
        app.state.services = Services(
            settings=settings,
            store=store,
            users=open_users(settings),
            audit=open_audit(settings),
            outbox=open_outbox(settings),
        )
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="Tianji",
        version="0.1.0",
        lifespan=lifespan,
        description="Knowledge-graph investigation platform for customs risk. GraphQL at /graphql.",
    )
    app.state.extra_urls = []

    async def context_getter(request: Request = None, websocket: WebSocket = None) -> Context:  # type: ignore[assignment]
        conn = request if request is not None else websocket
        services: Services = conn.app.state.services
        user = getattr(conn.state, "user", None) or User("anonymous", "none", "")
        return Context(services, user)

    graphql = Router(
        build_schema(settings),
        context_getter=context_getter,
        graphql_ide="graphiql",
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    graphql.settings = settings
    app.include_router(graphql, prefix="/graphql")

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        upload = request.url.path.startswith(("/certificates/", "/documents/", "/ingest/"))
        guarded = upload or request.url.path.startswith("/images/")
        limit = settings.api_max_upload_bytes if upload else settings.api_max_body_bytes
        if length and int(length) > limit:
            return _error(
                413,
                "LIMIT_EXCEEDED",
                f"request body of {length} bytes exceeds the limit of {limit} bytes"
                + (" for uploads" if upload else ""),
            )
        if request.url.path.startswith("/graphql") and request.method == "POST" or guarded:
            try:
                request.state.user = authenticate(
                    settings, request.app.state.services.users, request.headers.get("authorization")
                )
            except ApiError as exc:
                return _error(exc.status, exc.code, exc.message)
        try:
            return await asyncio.wait_for(call_next(request), timeout=settings.api_timeout_s)
        except TimeoutError:
            return _error(
                504,
                "LIMIT_EXCEEDED",
                f"request took longer than {settings.api_timeout_s:.0f}s; narrow the query",
            )

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """Liveness, the graph, and the delivery channels (a misconfigured channel shows here)."""
        services: Services = app.state.services
        graph_ok = await asyncio.to_thread(services.store.ping)
        channels = await asyncio.to_thread(check_channels, settings)
        problems = [n for n, c in channels.items() if c["configured"] and not c["ok"]]
        return {
            "status": "ok" if graph_ok and not problems else "degraded",
            "graph": graph_ok,
            "channels": channels,
        }

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Response:
        """Ready when the graph answers a query."""
        services: Services = app.state.services
        try:
            await asyncio.to_thread(services.store.query, "RETURN 1 AS ok", None, read_only=True)
        except Exception as exc:  # noqa: BLE001 - readiness reports any failure as not ready, with its reason
            code, status, message = classify(exc)
            return JSONResponse({"ready": False, "reason": message}, status_code=503)
        return JSONResponse({"ready": True})

    @app.post("/certificates/{entry_no}", tags=["imaging"])
    async def certificate(entry_no: str, file: UploadFile, request: Request) -> JSONResponse:
        """Read an uploaded certificate image for a declaration; returns the extracted, cross-checked record."""
        from imaging.certificates import CertificateError
        from imaging.service import read_certificate

        user: User = request.state.user
        if not user.can("read"):
            return _error(403, "FORBIDDEN", f"role {user.role!r} may not upload certificates")
        services: Services = app.state.services
        try:
            record = await asyncio.to_thread(
                read_certificate, services.store, settings, await file.read(), entry_no
            )
        except KeyError as exc:
            return _error(404, "NOT_FOUND", str(exc.args[0]))
        except (CertificateError, ValueError) as exc:
            return _error(400, "INVALID_INPUT", str(exc))
        return JSONResponse(record)

    @app.get("/images/{image_id}", tags=["imaging"])
    async def image(image_id: str, request: Request) -> Response:
        """An image of the graph as PNG: a certificate or document page as read, or a scan (attenuation as grey)."""
        user: User = request.state.user
        if not user.can("read"):
            return _error(403, "FORBIDDEN", f"role {user.role!r} may not read images")
        services: Services = app.state.services
        node = await asyncio.to_thread(services.store.node, "Image", image_id)
        if node is None or not node["properties"].get("path"):
            return _error(404, "NOT_FOUND", f"no image {image_id!r}")
        return Response(
            await asyncio.to_thread(_png, Path(node["properties"]["path"])), media_type="image/png"
        )

    @app.post("/documents/{entry_no}", tags=["imaging"])
    async def document(entry_no: str, file: UploadFile, request: Request) -> JSONResponse:
        """Read an uploaded invoice, packing list or contract for a declaration; returns the parties it names,
        resolved against the graph, and what disagrees with the declaration."""
        from imaging.certificates import CertificateError
        from imaging.service import read_document

        user: User = request.state.user
        if not user.can("read"):
            return _error(403, "FORBIDDEN", f"role {user.role!r} may not upload documents")
        services: Services = app.state.services
        try:
            record = await asyncio.to_thread(
                read_document, services.store, settings, await file.read(), entry_no
            )
        except KeyError as exc:
            return _error(404, "NOT_FOUND", str(exc.args[0]))
        except (CertificateError, ValueError) as exc:
            return _error(400, "INVALID_INPUT", str(exc))
        return JSONResponse(record)

    @app.post("/ingest/{kind}", tags=["ingest"])
    async def upload(kind: str, file: UploadFile, request: Request) -> JSONResponse:
        """Load one uploaded CSV or JSON-lines file through the mapping whose source is ``{kind}.csv``/``.jsonl``."""
        from ingest.loader import Loader
        from ingest.mapping import load_mappings

        user: User = request.state.user
        if not user.can("ingest"):
            return _error(403, "FORBIDDEN", f"role {user.role!r} may not ingest")
        mappings = [m for m in load_mappings() if Path(m.source).stem == kind]
        if not mappings:
            known = sorted(Path(m.source).stem for m in load_mappings())
            return _error(400, "INVALID_INPUT", f"unknown kind {kind!r}; known: {', '.join(known)}")
        folder = settings.path("uploads", user.name, "x").parent
        target = folder / mappings[0].source
        await asyncio.to_thread(save_upload, file.file, target, settings.api_max_upload_bytes)
        services: Services = app.state.services
        run = await asyncio.to_thread(
            Loader(services.store, settings, progress=False).load_dir, folder, mappings
        )
        return JSONResponse(
            {
                "run_id": run.run_id,
                "read": run.read,
                "loaded": run.loaded,
                "quarantined": run.quarantined,
                "errors": run.errors,
                "quarantine_file": run.quarantine_file if run.quarantined else None,
            }
        )

    mount_dashboards(app, settings)
    app.add_middleware(BodyLimit, settings=settings)
    return app


def mount_dashboards(app: FastAPI, settings: Settings) -> None:
    """The Dash dashboards under /dash, calling this server's GraphQL API with the signed-in user's token."""
    import json
    import warnings

    from dashboards.app import create_dash

    with (
        warnings.catch_warnings()
    ):  # Starlette's WSGI bridge still works; it only announces its future removal
        warnings.simplefilter("ignore")
        from starlette.middleware.wsgi import WSGIMiddleware

    def token(role: str = "investigator") -> str:
        tokens = settings.data_dir / "demo-tokens.json"
        if settings.environment != "production" and tokens.exists():
            return str(json.loads(tokens.read_text())[f"demo_{role}"]["jwt"])
        return settings.dashboard_token

    api_url = f"http://{settings.api_host}:{settings.api_port}/graphql"
    dash_app = create_dash(settings, api_url, token)
    app.mount("/dash", WSGIMiddleware(dash_app.server))
    app.state.extra_urls.append(("/dash/", "dashboards"))
