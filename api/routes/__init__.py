"""The REST routes, one router per concern; ``api.app.create_app`` includes every one of ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import health, imaging, ingest, signin

ROUTERS: tuple[APIRouter, ...] = (health.router, imaging.router, ingest.router, signin.router)
