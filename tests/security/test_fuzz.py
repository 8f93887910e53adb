"""Fuzzing the GraphQL schema with schemathesis: a few hundred generated operations against the real server
on the small world, signed in, and none may answer 500 or an INTERNAL error.

Every query and mutation field of the exported SDL gets ``EXAMPLES`` generated documents (arguments of
every shape the schema allows: empty and odd strings, huge and negative numbers, unknown enum-like
values, lists at their bounds), sent as an administrator (who may call every field) over real HTTP.
"""

from __future__ import annotations

from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from tests.api.conftest import ApiServer
from tests.security.small_api import small_api
from tianji.core.resources import package_path

__all__ = ["small_api"]

EXAMPLES = 6


def json_values() -> st.SearchStrategy[graphql.ValueNode]:
    """GraphQL literals of JSON values: strings, numbers, booleans, and flat objects of them."""
    leaf = st.one_of(
        st.text(max_size=20).map(nodes.String),
        st.integers(-(2**40), 2**40).map(nodes.Int),
        st.booleans().map(nodes.Boolean),
    )
    field = st.tuples(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), leaf).map(
        lambda kv: graphql.ObjectFieldNode(name=graphql.NameNode(value=kv[0]), value=kv[1])
    )
    return st.one_of(leaf, st.lists(field, max_size=4, unique_by=lambda f: f.name.value).map(nodes.Object))


schemathesis.graphql.scalar("JSON", json_values())
SCHEMA = schemathesis.graphql.from_path(package_path("api", "schema.graphql"))


def operations() -> list[Any]:
    return [result.ok() for result in SCHEMA.get_all_operations()]  # type: ignore[union-attr]


def internal(body: Any) -> list[dict[str, Any]]:
    """The errors of an answer that are the server's fault."""
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [e for e in errors if (e.get("extensions") or {}).get("code") in (None, "INTERNAL")]


def test_the_schema_has_operations_to_fuzz() -> None:
    labels = {op.label for op in operations()}
    assert len(labels) > 50 and {"Query.node", "Mutation.createWatch"} <= labels


@pytest.mark.timeout(300)
def test_generated_operations_never_fail_inside(small_api: ApiServer) -> None:
    client = httpx.Client(
        base_url=small_api.url,
        timeout=60,
        headers={"Authorization": f"Bearer {small_api.tokens['admin_hq']}"},
    )
    failures: list[str] = []
    sent = 0

    for operation in operations():

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            nonlocal sent
            sent += 1
            response = client.post("/graphql", json={"query": case.body})
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            if response.status_code >= 500 or internal(body):
                failures.append(
                    f"{case.operation.label} {response.status_code} {case.body!r} -> {response.text[:300]}"
                )

        fuzz()
    client.close()
    assert sent >= 250
    assert failures == []
