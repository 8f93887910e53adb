"""A real API server on the small synthetic world, tagged, with officers of two units and a watch and an
alert of one of them.

``small_api`` (module scope) is an ``ApiServer`` (see ``tests/api/conftest.py``) with tokens for ``inv_gz``
and ``inv_tj`` (investigators of GZ and TJ), ``analyst_gz``, ``analyst_tj``, ``admin_gz`` (an administrator
of GZ), ``admin_hq`` (administrator, every unit), ``svc_gz`` and ``svc_tj`` (service tokens). GZ owns the
restricted cases C00006 and C00007, TJ the restricted case C00005. ``WORLD`` names the nodes the tests use:
``gz_suspect`` (the enterprise of GZ's restricted case), ``tj_suspect``, and the watch and alert of
``inv_gz`` on ``gz_suspect`` (the alert also names ``tj_suspect``, so the two are two hops apart through it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alerts.findings import Finding
from alerts.raising import raise_alert
from alerts.watches import WatchSpec, create_watch
from graph.embedded import EmbeddedServer
from graph.open import open_store
from ingest.loader import Loader
from tagging.service import retag_all
from tests.api.conftest import ApiServer, running_api
from tests.conftest import settings_for

USERS = {
    "inv_gz": ("investigator", "GZ"),
    "inv_tj": ("investigator", "TJ"),
    "analyst_gz": ("analyst", "GZ"),
    "analyst_tj": ("analyst", "TJ"),
    "admin_gz": ("admin", "GZ"),
    "admin_hq": ("admin", "*"),
    "svc_gz": ("service", "GZ"),
    "svc_tj": ("service", "TJ"),
}

WORLD: dict[str, str] = {}


def suspect(world: Path, case_id: str) -> str:
    with (world / "case_subjects.csv").open(encoding="utf-8") as handle:
        return next(
            r["subject_key"]
            for r in csv.DictReader(handle)
            if r["case_id"] == case_id and r["subject_label"] == "Enterprise"
        )


@pytest.fixture(scope="module")
def small_api(
    graph_server: EmbeddedServer, small_world: Path, request: pytest.FixtureRequest
) -> Iterator[ApiServer]:
    name = "sec_" + request.module.__name__.rsplit(".", 1)[-1][:40]
    settings = settings_for(graph_server, name, api_max_nodes=2000)
    store = open_store(settings=settings)
    store.clear()
    store.apply_schema()
    Loader(store, settings, progress=False).load_dir(small_world)
    retag_all(store, settings)
    WORLD["gz_suspect"] = suspect(small_world, "C00006")
    WORLD["tj_suspect"] = suspect(small_world, "C00005")
    watch = create_watch(
        store,
        WatchSpec(
            owner="inv_gz",
            unit="GZ",
            target_label="Enterprise",
            target_id=WORLD["gz_suspect"],
            channels=["inapp", "email", "sms"],
            email="officer.gz@customs.example",
            phone="13800000099",
        ),
    )
    finding = Finding(
        "new_related_enterprise",
        "related:" + WORLD["tj_suspect"],
        4,
        "新关联企业",
        {"Enterprise": {WORLD["gz_suspect"], WORLD["tj_suspect"]}, "Case": {"C00006"}},
    )
    alert, _ = raise_alert(store, watch, finding, scan_id="security-scan")
    WORLD["watch"], WORLD["alert"] = watch["id"], alert["id"]
    with running_api(store, settings, USERS) as result:
        yield result


@pytest.fixture
def ask(small_api: ApiServer) -> Iterator[Any]:
    """``ask(user, query, variables=None) -> (status, json)``: a GraphQL call as ``user`` over real HTTP."""
    client = httpx.Client(base_url=small_api.url, timeout=60)

    def call(user: str, query: str, variables: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        response = client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {small_api.tokens[user]}"},
        )
        return response.status_code, response.json()

    yield call
    client.close()


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def messages(body: dict[str, Any], *ids: str) -> list[str]:
    """The error messages with the given ids blanked, to compare their shape."""
    out = []
    for error in body.get("errors", []):
        text = error["message"]
        for node_id in ids:
            text = text.replace(node_id, "…")
        out.append(text)
    return out
