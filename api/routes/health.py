"""Liveness (``/healthz``: the graph and the delivery channels) and readiness (``/readyz``)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from alerts.channels import check_channels
from api.deps import SettingsDep, StoreDep
from api.errors import classify
from graph.store import GraphStore

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Liveness, the graph, and the delivery channels (a misconfigured channel shows here)."""
    graph_ok = await asyncio.to_thread(store.ping)
    channels = await asyncio.to_thread(check_channels, settings)
    problems = [n for n, c in channels.items() if c["configured"] and not c["ok"]]
    return {
        "status": "ok" if graph_ok and not problems else "degraded",
        "graph": graph_ok,
        "channels": channels,
    }


def not_ready(store: GraphStore) -> str | None:
    """Why the graph cannot answer a query, or None when it can."""
    try:
        store.query("RETURN 1 AS ok", None, read_only=True)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as not ready, with its reason
        return classify(exc)[2]
    return None


@router.get("/readyz")
async def readyz(store: StoreDep) -> JSONResponse:
    """Ready when the graph answers a query."""
    reason = await asyncio.to_thread(not_ready, store)
    if reason is not None:
        return JSONResponse({"ready": False, "reason": reason}, status_code=503)
    return JSONResponse({"ready": True})
