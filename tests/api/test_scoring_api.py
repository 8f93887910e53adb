"""Scoring through GraphQL: one declaration scored on demand, and the score-distribution monitor."""

from __future__ import annotations

from typing import Any

from graph.store import GraphStore
from scoring import features as F
from scoring.model import promote, save, train
from tests.api.conftest import ApiServer, codes

SCORE = """mutation($d: DeclarationInput!) { scoreDeclaration(declaration: $d) { score level modelVersion
  missing reasons } }"""
DRIFT = "query($days: Int!) { scoreDrift(days: $days) { modelVersion psi drifted recent windowTo } }"


def test_scoring_needs_a_model_then_scores_and_monitors(
    api: ApiServer, gql: Any, world_store: GraphStore
) -> None:
    token = api.tokens["analyst_gz"]
    declaration = {"hsCode": "85171200", "origin": "VN", "valueUsd": 12000.0, "quantity": 300}
    _, body = gql(token, SCORE, {"d": declaration})
    assert codes(body) == ["UNAVAILABLE"] and "no model has been promoted" in body["errors"][0]["message"]
    _, body = gql(token, DRIFT, {"days": 30})
    assert codes(body) == ["UNAVAILABLE"]
    # a model trained on the small world, promoted in the API's registry
    trained = train(world_store, F.load_declarations(world_store), split_date="2025-04-01", iterations=30)
    save(api.settings, trained)
    promote(api.settings, trained.meta["version"])
    _, body = gql(token, SCORE, {"d": declaration})
    result = body["data"]["scoreDeclaration"]
    assert 0 <= result["score"] <= 1 and 1 <= result["level"] <= 5
    assert result["modelVersion"] == trained.meta["version"]
    assert {"port", "weight_kg", "in_gang"} <= set(result["missing"])
    # this graph holds no scores of the model yet: nothing to compare, and it says so
    _, body = gql(token, DRIFT, {"days": 30})
    assert body["data"]["scoreDrift"] == {
        "modelVersion": trained.meta["version"],
        "psi": None,
        "drifted": False,
        "recent": 0,
        "windowTo": None,
    }
    _, body = gql(token, DRIFT, {"days": 0})
    assert codes(body) == ["INVALID_INPUT"] and "days" in body["errors"][0]["message"]
    _, body = gql(api.tokens["inv_gz"], SCORE, {"d": declaration})
    assert codes(body) == ["FORBIDDEN"]
