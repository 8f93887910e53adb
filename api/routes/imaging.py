"""Pages and images: upload a certificate or a trade document for a declaration, fetch a stored image."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
from fastapi import APIRouter, Response, UploadFile
from fastapi.responses import JSONResponse
from PIL import Image

from api.deps import SettingsDep, StoreDep, UserDep, require
from api.errors import NotFound
from imaging.service import read_certificate, read_document

router = APIRouter(tags=["imaging"])


@router.post("/certificates/{entry_no}")
async def certificate(
    entry_no: str, file: UploadFile, user: UserDep, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Read an uploaded certificate image for a declaration; returns the extracted, cross-checked record."""
    require(user, "read", "upload certificates")
    record = await asyncio.to_thread(read_certificate, store, settings, await file.read(), entry_no)
    return JSONResponse(record)


@router.post("/documents/{entry_no}")
async def document(
    entry_no: str, file: UploadFile, user: UserDep, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Read an uploaded invoice, packing list or contract for a declaration; returns the parties it names,
    resolved against the graph, and what disagrees with the declaration."""
    require(user, "read", "upload documents")
    record = await asyncio.to_thread(read_document, store, settings, await file.read(), entry_no)
    return JSONResponse(record)


@router.get("/images/{image_id}")
async def image(image_id: str, user: UserDep, store: StoreDep) -> Response:
    """An image of the graph as PNG: a certificate or document page as read, or a scan (attenuation as grey)."""
    require(user, "read", "read images")
    node = await asyncio.to_thread(store.node, "Image", image_id)
    if node is None or not node["properties"].get("path"):
        raise NotFound(f"no image {image_id!r}")
    return Response(await asyncio.to_thread(png, Path(node["properties"]["path"])), media_type="image/png")


def png(path: Path) -> bytes:
    """PNG bytes of a stored image; scans (.npy attenuation 0-1) are drawn dark where dense, as on a scanner."""
    if path.suffix == ".npy":
        picture = Image.fromarray((255 * (1 - np.clip(np.load(path), 0, 1))).astype("uint8"))
    else:
        picture = Image.open(path)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
