"""Scan verdicts and certificate mismatches in the risk score, on the small world (whose ground truth says
which declarations were planted risky): a suspect scan on a clean, low-scored declaration lifts its score
and its first reason names the scan; a certificate that disagrees does the same; nothing else moves; and a
missing past is said as "no history", never as a rate of -1."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from graph.store import GraphStore
from imaging.certificate_pages import render, sample_fields
from imaging.service import declaration_facts, read_certificate
from scoring import features as F
from scoring import reasons
from scoring.model import train
from scoring.service import score_frame, score_one, write_scores
from tests.scoring.builders import suspect_scan
from tianji.core.settings import Settings


@pytest.fixture(scope="module")
def frame(world_store: GraphStore) -> pd.DataFrame:
    return F.load_declarations(world_store)


@pytest.fixture(scope="module")
def trained(world_store: GraphStore, frame: pd.DataFrame):  # type: ignore[no-untyped-def]
    return train(world_store, frame, split_date="2025-04-01", iterations=60)


def _clean_and_low(frame: pd.DataFrame, scored: pd.DataFrame, world: Path) -> list[str]:
    """Declarations after the split that the ground truth calls clean and the model scores level 1 or 2,
    with a consignee (a certificate is cross-checked against it)."""
    truth = {
        r["entry_no"] for r in json.loads((world / "ground_truth.json").read_text())["risky_declarations"]
    }
    both = frame.merge(scored, on="entry_no")
    chosen = both[
        (both["date"] >= "2025-04-01")
        & both["consignee"].notna()
        & ~both["entry_no"].isin(truth)
        & (both["level"] <= 2)
    ]
    return chosen.sort_values("score")["entry_no"].head(2).tolist()


def test_a_suspect_scan_and_a_certificate_mismatch_lift_the_score_and_are_named(
    world_store: GraphStore, trained, frame: pd.DataFrame, small_world: Path, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    # no training declaration was scanned: the scan features are left out of the model, with the reason,
    # and the expert rules over them are kept (they are not the model's to learn from no case)
    assert trained.meta["omitted"]["scan_controlled"] == "no training declaration has a value"
    kept = {i["code"]: i for i in trained.meta["indicators"]}
    assert kept["IND-025"]["at_least_level"] == 5 and kept["IND-028"]["at_least_level"] == 3
    before = score_frame(world_store, trained, frame).set_index("entry_no")
    scanned, certified = _clean_and_low(frame, before.reset_index(), small_world)
    hs = frame.set_index("entry_no").loc[scanned, "hs_code"]
    suspect_scan(world_store, settings, scanned, hs, concealment=0.12, controlled=0.97)
    facts = declaration_facts(world_store, certified)
    fields = sample_fields(
        random.Random(4), "origin", {**facts, "quantity": int(facts["quantity"] or 1), "origin": "XX"}
    )
    page = io.BytesIO()
    render("origin", fields, random.Random(4)).save(page, format="PNG")
    assert read_certificate(world_store, settings, page.getvalue(), certified)["mismatches"]

    after = score_frame(world_store, trained, frame).set_index("entry_no")
    thresholds = trained.meta["levels"]
    gun = after.loc[scanned]
    assert gun["level"] == 5 and gun["score"] >= thresholds[3] > before.loc[scanned, "score"]
    first = gun["rules"][0]
    assert "IND-025" in first and "扫描图像疑似管制物品" in first and "controlled-goods silhouette" in first
    assert "= 0.97" in first and "at least level 5" in first
    paper = after.loc[certified]
    assert paper["level"] >= 3 and paper["score"] > before.loc[certified, "score"]
    assert "证书与申报不符" in paper["rules"][0] and "certificate disagrees" in paper["rules"][0]
    # nothing else moved: a rule fires only on what was read
    others = after.index.difference([scanned, certified])
    assert (after.loc[others, "score"] - before.loc[others, "score"]).abs().max() < 1e-12
    assert not any(after.loc[others, "rules"].map(len))

    write_scores(world_store, trained, after.reset_index())
    stored = world_store.query(
        "MATCH (r:RiskScore {model_version: $v})-[:SCORED]->(:Declaration {id: $d}) RETURN r.features AS f",
        {"v": trained.meta["version"], "d": scanned},
    )[0]["f"]
    assert stored[0] == first  # the officer's first reason is the scan


def test_one_declaration_with_a_suspect_scan_is_lifted_without_the_store(trained) -> None:  # type: ignore[no-untyped-def]
    declaration = {"hs_code": "84713000", "origin": "VN", "port": "5100", "value_usd": 9000.0, "quantity": 20}
    plain = score_one(trained, declaration)
    suspect = score_one(trained, {**declaration, "scan_controlled": 0.97})
    assert suspect["level"] == 5 and suspect["score"] > plain["score"]
    assert "扫描图像疑似管制物品" in suspect["reasons"][0] and "scan_controlled" in plain["missing"]
    assert not any("IND-025" in r for r in plain["reasons"])  # not scanned: the rule does not fire


def test_no_history_is_said_so_never_as_a_rate(world_store: GraphStore, trained, frame: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    history = F.history(frame)
    first = frame.groupby("consignee").head(1).index
    assert history.loc[first, "prior_hit_rate"].isna().all()  # no inspection before: no rate, not -1
    assert history.loc[first, "days_since_last"].isna().all()
    assert (
        reasons.said("agent_prior_hit_rate", float("nan"))
        == "代理人历史查获率 agent's past hit rate = 无历史 no history"
    )
    scored = score_frame(world_store, trained, frame)
    said = [r for row in scored["reasons"] for r in row]
    assert said and not any("-1.00" in r or "= nan" in r for r in said)
    # every reason in both languages: a Chinese name before the English one
    assert all(
        any("\u4e00" <= c <= "\u9fff" for c in r) and any(c.isascii() and c.isalpha() for c in r)
        for r in said
    )
