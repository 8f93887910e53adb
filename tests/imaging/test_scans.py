"""Scan images: a small model trained here from generated scans (concealment, empty boxes, controlled goods,\nthe cargo groups a scan shows against the declared one), anomaly regions, two-port comparison."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from graph.store import GraphStore
from imaging import scan_images, scans
from imaging.cargo import GROUPS, cargo, group_of_hs
from imaging.demo import run_scans
from imaging.verdicts import judge_scan
from tianji.core.settings import Settings


@pytest.fixture(scope="module")
def model() -> scans.ScanModel:
    """A scan model trained briefly on easy generated scans (every cargo group in turn)."""
    trained, _ = scans.train(n=240, epochs=6, seed=2, difficulty="easy", iterations=150)
    return trained


def test_a_briefly_trained_model_separates_concealment_and_empty_containers(
    model: scans.ScanModel, settings: Settings
) -> None:
    test = scan_images.dataset(60, 77)
    predictions = scans.predict(model, [s.image for s in test])
    loaded = [i for i, s in enumerate(test) if not s.empty]
    auc = roc_auc_score(  # what the concealment head answers: a hidden block or a silhouette
        [test[i].anomalous for i in loaded], [predictions[i]["concealment"] for i in loaded]
    )
    empty = np.mean([(p["empty"] > 0.5) == s.empty for p, s in zip(predictions, test, strict=True)])
    # a brief training over ten cargo looks; the full model's figures are the bench's (docs/imaging.md)
    assert auc > 0.7 and empty > 0.9, (auc, empty)
    folder = scans.save(model, {}, settings.data_dir / "scan-model")
    again = scans.predict(scans.load(folder), [test[0].image])[0]
    assert abs(again["concealment"] - predictions[0]["concealment"]) < 1e-5
    assert again["groups"] == predictions[0]["groups"]


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


def test_verdicts_are_written_back_and_cargo_unlike_the_declaration_is_flagged(
    world_store: GraphStore, settings: Settings, model: scans.ScanModel
) -> None:
    settings = settings.model_copy(update={"data_dir": settings.data_dir / "scans-step"})
    scans.save(model, {}, settings.data_dir / "models" / "scans")
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
    assert all(r["mv"] == "scannet-3" and r["n"] == 4 for r in rows)
    declared = world_store.query(
        "MATCH (d:Declaration) WHERE d.hs_code STARTS WITH '61' OR d.hs_code STARTS WITH '52' "
        "RETURN d.id AS id, d.hs_code AS hs ORDER BY d.id LIMIT 1"
    )[0]
    assert group_of_hs(declared["hs"]) == "textiles"
    rng = np.random.default_rng(12)
    textiles = scan_images.generate_scan(rng, group="textiles").image
    metals = scan_images.generate_scan(rng, group="metals").image
    as_declared = judge_scan(world_store, settings, declared["id"], textiles)
    unlike = judge_scan(world_store, settings, declared["id"], metals, image_id="second")
    verdict = {v["task"]: v["verdict"] for v in as_declared}["declared_cargo"]
    assert verdict == "consistent", verdict
    verdict = {v["task"]: v["verdict"] for v in unlike}["declared_cargo"]
    assert verdict == "inconsistent: looks like metals, declared textiles", verdict
    entry = world_store.query("MATCH (d:Declaration) RETURN d.id AS id LIMIT 1")[0]["id"]
    with pytest.raises(ValueError, match="1024×512"):
        judge_scan(world_store, settings, entry, np.zeros((100, 100)))
    with pytest.raises(KeyError, match="no declaration"):
        judge_scan(world_store, settings, "nope", np.zeros((512, 1024)))


def test_trucks_controlled_goods_and_every_cargo_group_are_recognised(model: scans.ScanModel) -> None:
    test = scan_images.dataset(90, 78)
    quality = scans.evaluate(model, test)
    assert quality["declared_cargo_accuracy"] > 0.85, quality
    assert quality["controlled_auc"] > 0.8, quality  # a brief training; the bench trains the full model
    assert set(quality["per_group"]) == set(GROUPS)  # every group is in the test set
    assert min(quality["per_group"].values()) >= 0.6, quality["per_group"]
    assert quality["mismatch_recall"] > 0.85 and quality["mismatch_precision"] > 0.8, quality
    assert {s.vehicle for s in test} == {"truck", "container"}


def test_hs_codes_map_to_their_cargo_groups_through_the_data() -> None:
    assert 8 <= len(GROUPS) <= 12
    assert group_of_hs("84713000") == "machinery" and group_of_hs("0306") == "foodstuffs"
    assert group_of_hs("8703.23") == "vehicles" and group_of_hs("7403") == "metals"
    assert group_of_hs("9503") == group_of_hs("6403") == "footwear_toys"
    assert group_of_hs("27090000") is None  # crude oil: no cargo look to compare with
    assert group_of_hs(None) is None and group_of_hs("") is None
    for key, group in cargo().groups.items():
        assert all(group_of_hs(f"{c:02d}01") == key for c in group.chapters)


def test_medium_and_hard_scans_hold_mixed_loads_and_partial_fills() -> None:
    easy, hard = scan_images.dataset(60, 5, "easy"), scan_images.dataset(60, 5, "hard")
    assert not any(s.partial or len(s.groups) > 1 for s in easy)
    mixed = [s for s in hard if len(s.groups) > 1]
    assert mixed and any(s.partial for s in hard)
    for s in mixed:  # the main group fills more of the length, the second at least a stretch and a half
        lengths = {g: x1 - x0 for g, x0, x1 in s.spans}
        assert lengths[s.groups[0]] >= lengths[s.groups[1]] >= 180 and s.groups[0] != s.groups[1]
    assert all(not s.groups and not s.spans for s in hard if s.empty)
    assert hard[1].difficulty == "hard" and scans.stretch_targets(hard[0]) == [scans.NONE] * 8
    with pytest.raises(ValueError, match="unknown difficulty"):
        scan_images.generate_scan(np.random.default_rng(1), difficulty="extreme")


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
