"""Upload one source file and load it through its mapping."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile

from api.deps import SettingsDep, StoreDep, UserDep, require
from api.errors import InvalidInput
from api.limits import save_upload
from api.trail import trail_of
from ingest.loader import Loader
from ingest.mapping import load_mappings

router = APIRouter(tags=["ingest"])


@router.post("/ingest/{kind}")
async def upload(
    kind: str, file: UploadFile, user: UserDep, store: StoreDep, settings: SettingsDep, request: Request
) -> dict[str, Any]:
    """Load one uploaded CSV or JSON-lines file through the mapping whose source is ``{kind}.csv``/``.jsonl``;
    rows that would change another unit's nodes are refused (``denied``) and audited."""
    trail = trail_of(request.scope)
    if trail is not None:
        trail.name("ingest", f"POST /ingest/{kind}", {"kind": kind, "file": file.filename})
    require(user, "ingest", "ingest")
    mappings = [m for m in load_mappings() if Path(m.source).stem == kind]
    if not mappings:
        known = sorted(Path(m.source).stem for m in load_mappings())
        raise InvalidInput(f"unknown kind {kind!r}; known: {', '.join(known)}")
    folder = settings.path("uploads", user.name, "x").parent
    size = await asyncio.to_thread(
        save_upload, file.file, folder / mappings[0].source, settings.api_max_upload_bytes
    )
    loader = Loader(store, settings, progress=False, unit=user.writes_for)
    run = await asyncio.to_thread(loader.load_dir, folder, mappings)
    if trail is not None:  # the request's audit row names the run and every refused row
        trail.arguments = {
            "kind": kind,
            "file": file.filename,
            "bytes": size,
            "run_id": run.run_id,
            "loaded": run.loaded,
            "quarantined": run.quarantined,
            "refused": len(run.denied),
            "rows": run.denied[:100],
        }
        if run.denied:
            trail.outcome = "denied"
            trail.codes.append("FORBIDDEN")
    return {
        "run_id": run.run_id,
        "read": run.read,
        "loaded": run.loaded,
        "quarantined": run.quarantined,
        "errors": run.errors,
        "denied": len(run.denied),
        "quarantine_file": run.quarantine_file if run.quarantined else None,
    }
