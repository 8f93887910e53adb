"""Where at sea a position is: the sea (a polygon), the coastline, anchorages and ports' waters.

Shipped as data (``tracks/data/sea.geojson``, ``coast.geojson``, ``anchorages.geojson`` and the port zones
of ``zones.geojson``); a deployment replaces them with its own coast and anchorages. Distances are
computed on an equirectangular projection around the data's latitude (good to a few metres at this size).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from tianji.core.resources import package_path
from tracks.analysis import zones

DATA = package_path("tracks", "data")
KM_PER_DEG = 111.32


def _features(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


@dataclass(frozen=True)
class Waters:
    sea: BaseGeometry
    coast: BaseGeometry
    anchorages: dict[str, BaseGeometry]
    ports: dict[str, BaseGeometry]  # port code -> its waters
    cos_lat: float
    coast_xy: BaseGeometry  # the coast and anchorages on the projection distances are measured on
    anchorages_xy: tuple[BaseGeometry, ...]

    def _points(self, lat: Any, lon: Any) -> np.ndarray:
        return shapely.points(np.asarray(lon, dtype=float) * self.cos_lat, np.asarray(lat, dtype=float))

    def at_sea(self, lat: Any, lon: Any) -> np.ndarray:
        return np.asarray(shapely.contains_xy(self.sea, np.asarray(lon, float), np.asarray(lat, float)))

    def shore_km(self, lat: Any, lon: Any) -> np.ndarray:
        """Distance to the coastline, km."""
        return np.asarray(shapely.distance(self.coast_xy, self._points(lat, lon))) * KM_PER_DEG

    def anchorage_km(self, lat: Any, lon: Any) -> np.ndarray:
        """Distance to the nearest anchorage (0 inside one), km; infinite where none is known."""
        points = self._points(lat, lon)
        out = np.full(len(points), np.inf)
        for area in self.anchorages_xy:
            out = np.minimum(out, np.asarray(shapely.distance(area, points)) * KM_PER_DEG)
        return out

    def port(self, lat: Any, lon: Any) -> np.ndarray:
        """The code of the port whose waters hold each position, or empty."""
        lat, lon = np.asarray(lat, float), np.asarray(lon, float)
        out = np.full(len(lat), "", dtype=object)
        for code, area in self.ports.items():
            out[(out == "") & shapely.contains_xy(area, lon, lat)] = code
        return out

    def offshore(self, lat: Any, lon: Any, *, shore_km: float, anchorage_km: float) -> np.ndarray:
        """At sea, at least ``shore_km`` from the coast and ``anchorage_km`` from an anchorage, in no port."""
        return (
            self.at_sea(lat, lon)
            & (self.shore_km(lat, lon) >= shore_km)
            & (self.anchorage_km(lat, lon) >= anchorage_km)
            & (self.port(lat, lon) == "")
        )


@lru_cache(maxsize=4)
def waters(folder: Path = DATA) -> Waters:
    sea = shapely.union_all([shape(f["geometry"]) for f in _features(folder / "sea.geojson")])
    coast = shapely.union_all([shape(f["geometry"]) for f in _features(folder / "coast.geojson")])
    anchorages = {
        f["properties"]["id"]: shape(f["geometry"]) for f in _features(folder / "anchorages.geojson")
    }
    ports = {z["port"]: z["geometry"] for z in zones().values() if z["kind"] == "port" and z.get("port")}
    cos_lat = float(np.cos(np.radians(sea.centroid.y)))

    def project(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda c: c * np.array([cos_lat, 1.0]))

    return Waters(
        sea, coast, anchorages, ports, cos_lat, project(coast), tuple(project(a) for a in anchorages.values())
    )
