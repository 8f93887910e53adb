"""Review that protects itself: a new strong match across a reviewer's cannot-link is flagged (in the
result, the run's summary, the review queue and GraphQL), never merged; a reviewer settles it."""

from __future__ import annotations

import asyncio
from typing import Any

from api.auth import User
from api.context import Context, open_services
from api.schema import build_schema
from graph.store import GraphStore
from ingest.resolution import link, normalize, resolve
from ingest.resolution.config import person_config, vessel_config
from ingest.resolution.review import decide, decisions, flag_contradictions, items, open_review, record_action
from ingest.resolution.subjects import resolve_records
from tests.ingest.resolution.test_craft import fleet_of_vessels
from tests.ingest.resolution.test_linkage import people
from tianji.core.settings import Settings


def strongly_matching_triple() -> tuple[list[dict[str, str]], str, str, str]:
    """Generated people and one person's three records that all match one another strongly."""
    records, truth = people(200)
    free = link(records, person_config())
    strong = {(p.a, p.b) for p in free.pairs if p.score >= person_config().accept}
    for person in sorted(set(truth.values()), key=int):
        a, b, c = (f"P{person}-{i}" for i in range(3))
        if all(tuple(sorted(p)) in strong for p in ((a, b), (a, c), (b, c))):
            return records, a, b, c
    raise AssertionError("no person with three strongly matching records")


def test_a_strong_match_across_a_cannot_link_is_a_contradiction_never_a_merge() -> None:
    records, a, b, c = strongly_matching_triple()
    result = link(records, person_config(), cannot_link=[(a, b)])
    assert result.clusters[a] != result.clusters[b]  # the reviewer's decision holds
    (found,) = [x for x in result.contradictions if x["record"] == c]
    assert (found["a"], found["b"]) == (a, b)
    assert {frozenset((m["a"], m["b"])) for m in found["matches"]} == {frozenset((a, c)), frozenset((b, c))}
    refused = [p for p in result.pairs if {p.a, p.b} in ({a, c}, {b, c}) and p.decision == "review"]
    assert refused and "a reviewer said" in refused[0].explanation[-1]["level"]
    clean = link(records, person_config())
    assert clean.contradictions == []  # no decision, nothing to contradict
    both = link(records, person_config(), must_link=[(a, b)], cannot_link=[(a, b)])
    assert any(x.get("must_link_refused") for x in both.contradictions)
    assert both.clusters[a] != both.clusters[b]


def _execute(settings: Settings, store: GraphStore, query: str) -> Any:
    services = open_services(settings, store)

    async def run() -> Any:
        context = Context(services, User("analyst.chen", "analyst", "GZ"))
        return await build_schema(settings).execute(query, context_value=context)

    return asyncio.run(run())


def _graphql(settings: Settings, store: GraphStore, query: str) -> Any:
    result = _execute(settings, store, query)
    assert not result.errors, result.errors
    return result.data


def test_an_unknown_flag_is_refused_naming_the_known_ones(store: GraphStore, settings: Settings) -> None:
    result = _execute(settings, store, '{ reviewQueue(flag: "contradictions") { id } }')
    (error,) = result.errors
    assert error.extensions["code"] == "INVALID_INPUT"
    assert (
        "unknown flag 'contradictions'" in error.message and "contradiction" in error.message.split(":")[-1]
    )


def test_the_contradiction_is_flagged_in_the_queue_and_graphql_and_a_reviewer_settles_it(
    store: GraphStore, settings: Settings
) -> None:
    records, a, b, c = strongly_matching_triple()
    rows = [{**r, "source": "case_file", "id_hash": ""} for r in records]
    engine = open_review(settings)
    record_action(engine, "person", "split", a, cannot=[(a, b)], payload={}, user="analyst.chen")
    result, summary = resolve_records(store, settings, "person", rows)
    assert result.clusters[a] != result.clusters[b]
    (warning,) = [x for x in summary["contradictions"] if x["record"] == c]
    assert warning["decision"]["decided_by"] == "analyst.chen" and warning["decision"]["status"] == "rejected"
    flagged = items(engine, "person", flag="contradiction")
    assert [(i["a"], i["b"]) for i in flagged if i["features"]["contradiction"]["record"] == c] == [(a, b)]
    data = _graphql(
        settings,
        store,
        '{ reviewQueue(kind: "person", flag: "contradiction") { id a b flag contradiction } }',
    )
    (item,) = [i for i in data["reviewQueue"] if i["contradiction"]["record"] == c]
    assert (
        item["flag"] == "contradiction" and item["contradiction"]["decision"]["decided_by"] == "analyst.chen"
    )
    assert len(item["contradiction"]["matches"]) == 2
    again, _ = resolve_records(store, settings, "person", rows)
    assert len(items(engine, "person", flag="contradiction")) == len(flagged)  # flagged once, not per run
    assert again.clusters[a] != again.clusters[b]
    decide(engine, item["id"], "confirmed", "analyst.wang")  # the new evidence wins: a and b are one
    settled, summary = resolve_records(store, settings, "person", rows)
    assert settled.clusters[a] == settled.clusters[b] == settled.clusters[c]
    assert not [x for x in summary["contradictions"] if (x["a"], x["b"]) == (a, b)]


def test_the_name_only_resolver_reports_contradictions_too() -> None:
    records = [
        {"id": "m1", "name": "GOLDEN STAR TRADING CO., LTD.", "country": "VN"},
        {"id": "m2", "name": "GOLDEN STAR TRADING COMPANY LIMITED", "country": "VN"},
        {"id": "m3", "name": "Golden Star Trading Co Ltd", "country": "VN"},
    ]
    free = resolve(records, normalise=normalize.overseas, same=["country"])
    assert len(set(free.clusters.values())) == 1 and free.contradictions == []
    held = resolve(records, normalise=normalize.overseas, same=["country"], cannot_link=[("m1", "m2")])
    assert held.clusters["m1"] != held.clusters["m2"]
    assert [(x["a"], x["b"], x["record"]) for x in held.contradictions] == [("m1", "m2", "m3")]


def _refused_must_link(store: GraphStore, settings: Settings) -> tuple[Any, list[dict[str, str]], Any, tuple]:
    """A reviewer split a off b, then confirmed c with a and with b: the second must-link is refused."""
    records, a, b, c = strongly_matching_triple()
    rows = [{**r, "source": "case_file", "id_hash": ""} for r in records]
    engine = open_review(settings)
    record_action(engine, "person", "split", a, cannot=[(a, b)], payload={}, user="analyst.chen")
    record_action(engine, "person", "merge", a, must=[(a, c), (b, c)], payload={}, user="analyst.wang")
    result, _ = resolve_records(store, settings, "person", rows)
    assert result.clusters[a] == result.clusters[c] != result.clusters[b]
    (item,) = [
        i
        for i in items(engine, "person", flag="contradiction")
        if i["features"]["contradiction"]["record"] is None
    ]
    found = item["features"]["contradiction"]
    # the item sits on the cannot-link that keeps the must-link's clusters apart, and names both decisions
    assert (item["a"], item["b"]) == (a, b) and found["must_link_refused"]
    assert found["decision"]["status"] == "rejected" and found["must_links"] == [[b, c]]
    return engine, rows, item, (a, b, c)


def _refused_items(engine: Any) -> list[dict[str, Any]]:
    return [
        i
        for i in items(engine, "person", flag="contradiction")
        if i["features"]["contradiction"]["record"] is None
    ]


def test_rejecting_a_refused_must_link_keeps_both_decisions(store: GraphStore, settings: Settings) -> None:
    engine, rows, item, (a, b, c) = _refused_must_link(store, settings)
    decide(engine, item["id"], "rejected", "analyst.li")
    must, cannot = decisions(engine, "person")
    assert (b, c) in must and (a, b) in cannot  # the confirmation stays a confirmation
    again, _ = resolve_records(store, settings, "person", rows)
    assert again.clusters[a] == again.clusters[c] != again.clusters[b]
    assert _refused_items(engine) == []  # answered, and nothing decided since: not raised again


def test_confirming_a_refused_must_link_joins_its_clusters(store: GraphStore, settings: Settings) -> None:
    engine, rows, item, (a, b, c) = _refused_must_link(store, settings)
    decide(engine, item["id"], "confirmed", "analyst.li")
    joined, summary = resolve_records(store, settings, "person", rows)
    assert joined.clusters[a] == joined.clusters[b] == joined.clusters[c]
    assert summary["contradictions"] == []


def test_an_answered_contradiction_is_flagged_again_after_a_newer_decision_on_its_pair(
    store: GraphStore, settings: Settings
) -> None:
    records, a, b, c = strongly_matching_triple()
    rows = [{**r, "source": "case_file", "id_hash": ""} for r in records]
    engine = open_review(settings)
    record_action(engine, "person", "split", a, cannot=[(a, b)], payload={}, user="analyst.chen")
    resolve_records(store, settings, "person", rows)

    def open_items() -> list[dict[str, Any]]:
        return [
            i
            for i in items(engine, "person", flag="contradiction")
            if i["features"]["contradiction"]["record"] == c
        ]

    (item,) = open_items()
    decide(engine, item["id"], "confirmed", "analyst.wang")  # a and b are one after all
    joined, _ = resolve_records(store, settings, "person", rows)
    assert joined.clusters[a] == joined.clusters[b] and open_items() == []
    record_action(engine, "person", "split", a, cannot=[(a, b)], payload={}, user="analyst.li")  # split again
    again, _ = resolve_records(store, settings, "person", rows)
    assert again.clusters[a] != again.clusters[b]
    (raised,) = open_items()  # the new decision is contradicted again: a new open item says so
    assert (
        raised["id"] != item["id"]
        and raised["features"]["contradiction"]["decision"]["decided_by"] == "analyst.li"
    )
    decide(engine, raised["id"], "rejected", "analyst.li")
    resolve_records(store, settings, "person", rows)
    assert open_items() == []  # rejected, and nothing decided since: not raised on every run


def test_a_must_link_refused_for_different_strong_keys_is_a_warning_that_decides_nothing(
    settings: Settings,
) -> None:
    rows, _ = fleet_of_vessels(30)
    first = next(r for r in rows if r["imo"])
    second = next(r for r in rows if r["imo"] and r["imo"] != first["imo"])
    x, y = first["record_id"], second["record_id"]
    engine = open_review(settings)
    record_action(engine, "vessel", "merge", x, must=[(x, y)], payload={}, user="analyst.chen")
    must, cannot = decisions(engine, "vessel")
    result = link(rows, vessel_config(), must_link=must, cannot_link=cannot)
    assert result.clusters[x] != result.clusters[y]
    (found,) = [f for f in result.contradictions if f.get("must_link_refused")]
    assert (found["a"], found["b"]) == (x, y) and "strong keys" in found["reason"]
    (named,) = flag_contradictions(engine, "vessel", result.contradictions)
    assert named["decision"]["status"] == "confirmed"
    (item,) = items(engine, "vessel", flag="contradiction")
    decide(engine, item["id"], "rejected", "analyst.li")
    assert decisions(engine, "vessel") == ([(x, y)], [])  # the confirmation is not turned into a cannot-link


def test_a_contradicted_constraint_the_queue_does_not_hold_names_no_decision(settings: Settings) -> None:
    records, a, b, c = strongly_matching_triple()
    result = link(
        records, person_config(), cannot_link=[(a, b)]
    )  # given to the run, not decided in the queue
    found = flag_contradictions(open_review(settings), "person", result.contradictions)
    (named,) = [x for x in found if x["record"] == c]
    assert (named["a"], named["b"]) == (a, b)
    assert named["decision"] == {"item": None, "status": None, "decided_by": None, "decided_at": None}
