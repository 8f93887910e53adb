"""GraphiQL from local files: the page Strawberry serves names its scripts and styles on a public CDN,
which a customs network cannot reach. ``tianji assets fetch`` (run by ``make run`` before serving) puts
each of them under ``<data_dir>/assets/unpkg/<package>@<version>/<path>``, checked against the page's own
integrity hash; this router serves them and ``local_page`` points the page at them (the integrity
attributes stay, so the browser checks the files too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.deps import SettingsDep
from api.errors import NotFound
from tianji.core.settings import Settings

CDN = "https://unpkg.com/"
PREFIX = "/assets/unpkg/"
#: a CDN reference of the page and its integrity hash (the attributes of one tag, in either order)
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.S)
_URL = re.compile(r'(?:src|href)="https://unpkg\.com/((@[^/"]+/)?[^/@"]+)@([^/"]+)/([^"]+)"')
_INTEGRITY = re.compile(r'integrity="(sha\d+)-([^"]+)"')
_MEDIA = {".js": "text/javascript", ".css": "text/css"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    """One file the page loads: npm package, version, path inside the package, and its integrity."""

    package: str
    version: str
    path: str
    algorithm: str
    digest: str

    @property
    def local(self) -> str:
        return f"{self.package}@{self.version}/{self.path}"


def assets(page: str) -> list[Asset]:
    """The CDN files ``page`` loads, each with the integrity hash the page pins."""
    found = []
    for tag in _TAG.findall(page):
        url, integrity = _URL.search(tag), _INTEGRITY.search(tag)
        if url and integrity:
            found.append(Asset(url.group(1), url.group(3), url.group(4), *integrity.groups()))
    return found


def folder(settings: Settings) -> Path:
    return settings.data_dir / "assets" / "unpkg"


def missing(settings: Settings, page: str) -> list[Asset]:
    return [a for a in assets(page) if not (folder(settings) / a.local).is_file()]


def local_page(page: str, settings: Settings) -> str:
    """The page loading its files from this server, once they are all here (else unchanged)."""
    if missing(settings, page):
        return page
    return page.replace(CDN, PREFIX)


@router.get(PREFIX + "{path:path}")
async def asset(path: str, settings: SettingsDep) -> FileResponse:
    root = folder(settings).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFound(f"no local asset {path!r} (tianji assets fetch puts them in place)")
    return FileResponse(
        target,
        media_type=_MEDIA.get(target.suffix, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=86400"},
    )
