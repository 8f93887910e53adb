"""Shared fixtures. Tests run against the real embedded FalkorDB server; nothing is mocked.

Named fixtures:

- ``graph_server`` (session): one embedded FalkorDB server in a temporary directory, stopped at the end.
- ``settings``: a ``Settings`` pointing at that server with a graph name unique to the test.
- ``store``: an empty ``GraphStore`` on its own graph with the ontology's schema applied; dropped after.
- ``make_store``: a factory for further stores on the same server (``make_store("name")``).
- ``spark`` (session): one local[2] SparkSession for every Spark test (skipped, saying why, without Java).

After every test the shared side-database engines are disposed (each test has its own data directory).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.embedded import EmbeddedServer
from graph.open import open_store
from graph.store import GraphStore
from tianji.core.db import dispose_engines
from tianji.core.settings import Settings
from tianji.core.spark import java_available, spark_session, stop_spark

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _dispose_side_databases() -> Iterator[None]:
    yield
    dispose_engines()


@pytest.fixture(scope="session")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("graph")


@pytest.fixture(scope="session")
def graph_server(graph_dir: Path) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(graph_dir, Settings(graph_uri=f"embedded://{graph_dir}"))
    server.start()
    yield server
    server.stop()


def settings_for(server: EmbeddedServer, graph_name: str, **overrides: object) -> Settings:
    return Settings(
        graph_uri=f"embedded://{server.directory}",
        graph_name=graph_name,
        data_dir=server.directory.parent / graph_name,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def settings(graph_server: EmbeddedServer, request: pytest.FixtureRequest) -> Settings:
    name = f"t{next(_counter)}_{request.node.name}"[:60].replace("[", "_").replace("]", "_")
    return settings_for(graph_server, name)


@pytest.fixture
def make_store(graph_server: EmbeddedServer) -> Iterator[Callable[..., GraphStore]]:
    opened: list[GraphStore] = []

    def make(graph_name: str | None = None, **overrides: object) -> GraphStore:
        name = graph_name or f"s{next(_counter)}"
        store = open_store(settings=settings_for(graph_server, name, **overrides))
        store.apply_schema()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.clear()
        store.close()


@pytest.fixture
def store(settings: Settings) -> Iterator[GraphStore]:
    st = open_store(settings=settings)
    st.clear()
    st.apply_schema()
    yield st
    st.clear()
    st.close()


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small easy synthetic world (seed 7) on disk, with its ground_truth.json; generated once per session."""
    from ingest.synthetic import generate_world

    out = tmp_path_factory.mktemp("small_world")
    generate_world("small", 7, out, difficulty="easy")
    return out


@pytest.fixture(scope="module")
def world_store(
    graph_server: EmbeddedServer, small_world: Path, request: pytest.FixtureRequest
) -> Iterator[GraphStore]:
    """The small world loaded into a graph of this test module's own (so modules may write freely)."""
    from ingest.loader import Loader

    name = "w_" + request.module.__name__.rsplit(".", 1)[-1][:40]
    settings = settings_for(graph_server, name)
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    Loader(store, settings, progress=False).load_dir(small_world)
    yield store
    store.clear()
    store.close()


def ground_truth(world: Path) -> dict[str, Any]:
    import json

    return json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not java_available():
        pytest.skip("no Java runtime for Spark: install openjdk-17-jre-headless (make system)")
    session = spark_session(Settings(spark_master="local[2]", data_dir=tmp_path_factory.mktemp("spark")))
    yield session
    stop_spark()
