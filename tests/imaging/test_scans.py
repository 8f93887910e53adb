"""Scan images: a small model trained here from generated scans, anomaly regions, two-port comparison."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from graph.store import GraphStore
from imaging import scan_images, scans
from imaging.demo import run_scans
from imaging.verdicts import judge_scan, scan_model
from tianji.core.settings import Settings


def test_a_briefly_trained_model_separates_concealment_and_empty_containers(settings: Settings) -> None:
    model, metrics = scans.train(n=160, epochs=4, seed=2)
    test = scan_images.dataset(60, 77)
    predictions = scans.predict(model, [s.image for s in test])
    loaded = [i for i, s in enumerate(test) if not s.empty]
    auc = roc_auc_score([test[i].concealed for i in loaded], [predictions[i]["concealment"] for i in loaded])
    empty = np.mean([(p["empty"] > 0.5) == s.empty for p, s in zip(predictions, test, strict=True)])
    assert auc > 0.8 and empty > 0.9, (auc, empty)
    folder = scans.save(model, metrics, settings.data_dir / "scan-model")
    again = scans.predict(scans.load(folder), [test[0].image])[0]
    assert abs(again["concealment"] - predictions[0]["concealment"]) < 1e-5


def test_regions_and_image_to_image_comparison_find_the_added_object() -> None:
    rng = np.random.default_rng(5)
    first = scan_images.generate_scan(rng)
    second = scan_images.generate_scan(rng, base=np.roll(first.image, (4, 6), axis=(0, 1)), concealed=True)
    y0, x0, y1, x1 = second.region  # type: ignore[misc]
    added = scan_images.compare(first.image, second.image)
    assert len(added) == 1
    ay0, ax0, ay1, ax1 = added[0]
    assert abs(ay0 - y0) <= 8 and abs(ax0 - x0) <= 8 and abs(ay1 - y1) <= 8 and abs(ax1 - x1) <= 8
    assert any(
        abs(b[0] - y0) <= 12 and abs(b[1] - x0) <= 12 for b in scan_images.anomaly_regions(second.image)
    )
    assert scan_images.compare(first.image, np.roll(first.image, (4, 6), axis=(0, 1))) == []


def test_verdicts_are_written_back(world_store: GraphStore, settings: Settings) -> None:
    settings = settings.model_copy(update={"data_dir": settings.data_dir / "scans-step"})
    scan_model(settings, n=80, epochs=2)
    assert run_scans(world_store, settings, count=4) == 4
    rows = world_store.query(
        "MATCH (v:ImageVerdict)-[:VERDICT_ON]->(d:Declaration) RETURN v.task AS task, "
        "v.model_version AS mv, count(*) AS n"
    )
    assert {r["task"] for r in rows} == {
        "concealment",
        "empty_container",
        "declared_cargo",
        "controlled_goods",
    }
    assert all(r["mv"] == "scannet-2" and r["n"] == 4 for r in rows)
    entry = world_store.query("MATCH (d:Declaration) RETURN d.id AS id LIMIT 1")[0]["id"]
    with pytest.raises(ValueError, match="1024×512"):
        judge_scan(world_store, settings, entry, np.zeros((100, 100)))
    with pytest.raises(KeyError, match="no declaration"):
        judge_scan(world_store, settings, "nope", np.zeros((512, 1024)))


def test_trucks_controlled_goods_and_declared_cargo_are_recognised(settings: Settings) -> None:
    model, _ = scans.train(n=240, epochs=4, seed=3)
    test = scan_images.dataset(90, 78)
    quality = scans.evaluate(model, test)
    assert quality["controlled_auc"] > 0.85 and quality["declared_cargo_accuracy"] > 0.8, quality
    assert {s.vehicle for s in test} == {"truck", "container"}
    assert (
        scan_images.category_of_hs("84713000") == "machinery"
        and scan_images.category_of_hs("0306") == "foodstuffs"
    )
    assert scan_images.category_of_hs("27090000") is None  # crude oil: no cargo look to compare with


def test_a_suspect_scan_verdict_tags_the_consignee(world_store: GraphStore) -> None:
    from tagging.engine import apply_all
    from tagging.rules import load_hierarchy

    row = world_store.query(
        "MATCH (d:Declaration)-[:CONSIGNEE]->(e:Enterprise) RETURN d.id AS d, e.id AS e ORDER BY d.id LIMIT 1"
    )[0]
    world_store.merge_nodes(
        "ImageVerdict", [{"id": "v-test", "task": "concealment", "verdict": "suspect", "confidence": 0.93}]
    )
    world_store.merge_relationships(
        "VERDICT_ON", "ImageVerdict", "Declaration", [{"start": "v-test", "end": row["d"]}]
    )
    apply_all(world_store, load_hierarchy())
    tagged = world_store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(t:Tag {id: 'IMG-CONCEAL'}) WHERE h.ended_at IS NULL RETURN e.id AS e"
    )
    suspects = world_store.query(
        "MATCH (:ImageVerdict {verdict: 'suspect'})-[:VERDICT_ON]->(:Declaration)-[:CONSIGNEE]->(e:Enterprise) "
        "RETURN DISTINCT e.id AS e"
    )
    assert row["e"] in {r["e"] for r in tagged}
    assert {r["e"] for r in tagged} == {r["e"] for r in suspects}  # exactly the consignees of suspect scans
