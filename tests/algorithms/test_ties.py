"""The ties each analysis follows, and the projection's default weights, come from the ontology."""

from __future__ import annotations

import pytest

from algorithms import ties
from algorithms.projection import ProjectionConfig, default_weights
from algorithms.rings import Pattern
from ontology import get_ontology


def test_named_ties() -> None:
    onto = get_ontology()
    assert ties.office(onto) == "LEGAL_REP_OF|MANAGER_OF|SHAREHOLDER_OF"
    assert ties.lodged(onto) == "CONSIGNEE|DECLARING_AGENT"
    assert set(ties.linking(onto).split("|")) == set(ties.office(onto).split("|")) | {
        "HAS_ACCOUNT",
        "HAS_PHONE",
        "LOCATED_AT",
        "USES_VEHICLE",
    }
    assert ties.shared_ties(onto)["Person"] == ["LEGAL_REP_OF", "MANAGER_OF", "SHAREHOLDER_OF"]
    assert ties.shared_ties(onto)["Address"] == ["LOCATED_AT"]
    assert ties.main_tie(onto, "Person") == "LEGAL_REP_OF" and ties.trade(onto) == "TRADES_WITH"
    with pytest.raises(ValueError, match="no relationship types"):
        ties.alternation([])


def test_projection_weights_default_to_the_ontology() -> None:
    weights = default_weights(get_ontology())
    assert weights == {
        "Address": 2.0,
        "BankAccount": 3.0,
        "Person": 3.0,
        "Phone": 2.0,
        "Vehicle": 2.0,
        "SHAREHOLDER_OF": 2.0,
        "TRADES_WITH": 1.0,
        "PAYS": 2.0,
        "TRAVELLED_WITH": 1.0,
    }
    assert ties.identifiers(get_ontology()) == ["Address", "BankAccount", "Phone", "Vehicle"]
    assert ties.flows(get_ontology()) == {"BankAccount": ["PAYS"], "Vehicle": ["TRAVELLED_WITH"]}
    assert ProjectionConfig().weights == weights


def test_a_drawn_ring_shares_only_what_the_ontology_lets_subjects_share() -> None:
    graph = Pattern(enterprises=3, shared={"Phone": 1}, trade_loop=True).graph()
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds == {"HAS_PHONE", "TRADES_WITH"}
    with pytest.raises(ValueError, match="cannot share 'Port'"):
        Pattern(enterprises=3, shared={"Port": 1}).graph()
