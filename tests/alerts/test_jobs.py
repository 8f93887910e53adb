"""The re-scoring job scores what the promoted model has not scored yet, and nothing twice; the monitor
sees the score distribution drift."""

from __future__ import annotations

import time

from alerts import jobs
from alerts.scheduler import job_definitions
from graph.embedded import EmbeddedServer
from graph.store import GraphStore
from scoring import features as F
from scoring.model import promote, save, train
from scoring.monitor import score_drift
from tests.conftest import settings_for
from tianji.core.clock import graph_now


def test_rescore_scores_new_declarations_once(world_store: GraphStore, graph_server: EmbeddedServer) -> None:
    settings = settings_for(graph_server, world_store.settings.graph_name)
    frame = F.load_declarations(world_store)
    trained = train(world_store, frame, split_date="2025-04-01", iterations=30)
    save(settings, trained)
    promote(settings, trained.meta["version"])
    assert jobs.rescore(settings) == len(frame)
    assert jobs.rescore(settings) == 0  # nothing new
    # a declaration arrives for a known consignee
    model = world_store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) RETURN properties(d) AS p, e.id AS e LIMIT 1"
    )[0]
    fresh = {**model["p"], "id": "NEW-0001", "entry_no": "NEW-0001", "date": "2025-12-31"}
    world_store.merge_nodes("Declaration", [fresh])
    world_store.merge_relationships(
        "CONSIGNEE", "Declaration", "Enterprise", [{"start": "NEW-0001", "end": model["e"]}]
    )
    assert jobs.rescore(settings) == 1
    level = world_store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(:Declaration {id: 'NEW-0001'}) RETURN r.level AS l",
        {"v": trained.meta["version"]},
    )
    assert len(level) == 1 and 1 <= level[0]["l"] <= 5
    assert jobs.rescore(settings) == 0
    # a scan read after the score: its controlled-goods verdict is scored on the next tick
    time.sleep(1.1)  # times are to the second: the verdict after the score's
    world_store.merge_nodes(
        "ImageVerdict",
        [
            {
                "id": "v-new",
                "task": "controlled_goods",
                "verdict": "suspect",
                "confidence": 0.97,
                "computed_at": graph_now(),
            }
        ],
    )
    world_store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Declaration", [{"start": "v-new", "end": "NEW-0001"}]
    )
    assert jobs.rescore(settings) == 1
    lifted = world_store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(:Declaration {id: 'NEW-0001'}) "
        "RETURN r.level AS l, r.features AS f",
        {"v": trained.meta["version"]},
    )[0]
    assert lifted["l"] == 5 and "IND-025" in lifted["f"][0]
    time.sleep(1.1)
    jobs.rescore(settings)  # once more at most, when the verdict was read in the score's second
    assert jobs.rescore(settings) == 0
    # the monitor: the model's own scores of the last quarter look like its training period's…
    calm = score_drift(world_store, trained, days=90).as_dict()
    assert calm["recent"] > 200 and calm["psi"] is not None and calm["drifted"] is False, calm
    # …until the recent population's scores all climb
    world_store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(d:Declaration) WHERE d.date > $since "
        "SET r.score = 0.999",
        {"v": trained.meta["version"], "since": calm["window_from"]},
    )
    drifted = jobs.score_monitor(settings)
    assert drifted["drifted"] is True and drifted["psi"] > 1, drifted
    assert {d["id"] for d in job_definitions(settings)} == set(jobs.JOBS)
