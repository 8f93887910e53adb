"""Features of a declaration: declared fields, deviations from norms, the subject's past, the graph.

Every feature is computed from the declaration and what happened strictly before it: history counts
use only earlier declarations and inspections; a case counts only once it was opened. Graph features
(gang membership and risk, ties to blacklisted enterprises, degree) come from the knowledge graph and
are zero when the analyses that produce them have not run. What is not known is a missing value, never a
number that could be read as a fact: a consignee with no inspection before has no past hit rate (not -1),
a declaration never scanned has no scan features (not 0, "clean"; ``scoring.imaging_features``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.store import GraphStore
from scoring import mapped
from scoring.graph_features import graph_features
from scoring.imaging_features import IMAGING

CATEGORICAL = [
    "hs2",
    "hs4",
    "hs6",
    "hs8",
    "origin",
    "port",
    "trade_mode",
    "transport",
    "agent",
    "consignee_id",
]
DECLARED = ["log_value", "log_weight", "log_quantity", "duty_rate"]
DEVIATIONS = ["unit_price_dev", "kg_per_unit_dev", "duty_at_stake"]
HISTORY = [
    "prior_declarations",
    "prior_inspections",
    "prior_hits",
    "prior_hit_rate",
    "days_since_last",
    "enterprise_age_days",
    "agent_prior_hit_rate",
]
GRAPH = [
    "in_gang",
    "gang_risk",
    "gang_size",
    "tie_to_case_enterprise",
    "case_before",
    "ties",
    "shared_address_count",
    "blacklist_level",
    *IMAGING,
]


DECLARATION_FIELDS = [
    "date",
    "port",
    "hs_code",
    "origin",
    "trade_mode",
    "transport",
    "value_usd",
    "weight_kg",
    "quantity",
    "duty_rate",
    *mapped.CODES,
    *mapped.AMOUNTS.values(),
    "features",
]
NUMERIC_FIELDS = ["value_usd", "weight_kg", "quantity", "duty_rate", *mapped.AMOUNTS.values()]
FRAME_COLUMNS = ["entry_no", *DECLARATION_FIELDS, "consignee", "registered_on", "agent"]


def load_declarations(store: GraphStore) -> pd.DataFrame:
    """Every declaration with its consignee and declaring agent (where the source links them) and its
    inspection outcome. A source without consignee links still loads: those columns are empty."""
    returned = ", ".join(f"d.{store.prop('Declaration', name)} AS {name}" for name in DECLARATION_FIELDS)
    rows = store.query(
        "MATCH (d:Declaration) OPTIONAL MATCH (d)-[:CONSIGNEE]->(e:Enterprise) "
        "OPTIONAL MATCH (d)-[:DECLARING_AGENT]->(a:Enterprise) "
        f"RETURN d.id AS entry_no, {returned}, e.id AS consignee, e.registered_on AS registered_on, "
        "a.id AS agent",
        read_only=True,
        timeout_ms=120_000,
    )
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS).drop_duplicates("entry_no")
    for column in NUMERIC_FIELDS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    inspections = pd.DataFrame(
        store.query(
            "MATCH (i:Inspection)-[:INSPECTION_OF]->(d:Declaration) RETURN d.id AS entry_no, i.outcome AS outcome, "
            "i.recovered_duty AS recovered_duty",
            read_only=True,
            timeout_ms=120_000,
        ),
        columns=["entry_no", "outcome", "recovered_duty"],
    )
    inspections = inspections.drop_duplicates("entry_no")
    frame = frame.merge(inspections, on="entry_no", how="left")
    frame["recovered_duty"] = pd.to_numeric(frame["recovered_duty"], errors="coerce").astype(float)
    frame["inspected"] = frame["outcome"].notna()
    frame["hit"] = (frame["outcome"] == "hit").astype(int)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(["date", "entry_no"]).reset_index(drop=True)


def declared(frame: pd.DataFrame) -> pd.DataFrame:
    """HS code at 2, 4, 6 and 8 digits and the declared categories, as CatBoost native categoricals."""
    out = pd.DataFrame(index=frame.index)
    hs = frame["hs_code"].fillna("").astype(str)
    for digits in (2, 4, 6, 8):
        out[f"hs{digits}"] = hs.str[:digits]
    for column in ("origin", "port", "trade_mode", "transport"):
        out[column] = frame[column].fillna("NA").astype(str)
    out["agent"] = frame["agent"].fillna("self").astype(str)
    out["consignee_id"] = frame["consignee"].fillna("NA").astype(str)
    out["log_value"] = np.log1p(frame["value_usd"].astype(float))
    out["log_weight"] = np.log1p(frame["weight_kg"].astype(float))
    out["log_quantity"] = np.log1p(frame["quantity"].astype(float))
    out["duty_rate"] = frame["duty_rate"].astype(float)
    return out


def norms(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Median unit price and kg per unit per HS heading and origin (computed on training data only)."""
    key = frame["hs_code"].astype(str).str[:4] + "|" + frame["origin"].astype(str)
    unit_price = frame["value_usd"] / frame["quantity"].clip(lower=1)
    kg = frame["weight_kg"] / frame["quantity"].clip(lower=1)
    return {
        "unit_price": unit_price.groupby(key).median().to_dict(),
        "kg_per_unit": kg.groupby(key).median().to_dict(),
        "hs_unit_price": unit_price.groupby(frame["hs_code"].astype(str).str[:4]).median().to_dict(),
    }


def deviations(frame: pd.DataFrame, norm: dict[str, dict[str, float]]) -> pd.DataFrame:
    """How far unit price and weight per unit sit from the HS–origin norm (log ratio), and duty at stake."""
    key = frame["hs_code"].astype(str).str[:4] + "|" + frame["origin"].astype(str)
    unit_price = frame["value_usd"] / frame["quantity"].clip(lower=1)
    kg = frame["weight_kg"] / frame["quantity"].clip(lower=1)
    price_norm = key.map(norm["unit_price"]).fillna(
        frame["hs_code"].astype(str).str[:4].map(norm["hs_unit_price"])
    )
    out = pd.DataFrame(index=frame.index)
    out["unit_price_dev"] = np.log((unit_price + 1e-6) / (price_norm + 1e-6))
    out["kg_per_unit_dev"] = np.log((kg + 1e-6) / (key.map(norm["kg_per_unit"]) + 1e-6))
    expected_value = price_norm * frame["quantity"]
    out["duty_at_stake"] = np.log1p(
        (expected_value - frame["value_usd"]).clip(lower=0) * frame["duty_rate"].fillna(0)
    )
    return out


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: what the batch path's fillna treats as missing."""
    if isinstance(value, list | tuple | dict):
        return False
    return value is None or bool(pd.isna(value))


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def declared_row(row: dict[str, object], norm: dict[str, dict[str, float]]) -> dict[str, object]:
    """``declared`` and ``deviations`` of one declaration, on plain values: the single-declaration path,
    where building pandas frames cost more than the model. Held equal to the batch path by a test."""
    hs = "" if is_missing(row.get("hs_code")) else str(row["hs_code"])
    out: dict[str, object] = {f"hs{d}": hs[:d] for d in (2, 4, 6, 8)}
    for column in ("origin", "port", "trade_mode", "transport"):
        out[column] = "NA" if is_missing(row.get(column)) else str(row[column])
    out["agent"] = "self" if is_missing(row.get("agent")) else str(row["agent"])
    out["consignee_id"] = "NA" if is_missing(row.get("consignee")) else str(row["consignee"])
    value, weight = _float(row.get("value_usd")), _float(row.get("weight_kg"))
    quantity, duty_rate = _float(row.get("quantity")), _float(row.get("duty_rate"))
    with np.errstate(all="ignore"):
        out["log_value"] = float(np.log1p(value))
        out["log_weight"] = float(np.log1p(weight))
        out["log_quantity"] = float(np.log1p(quantity))
        out["duty_rate"] = duty_rate
        heading = "" if is_missing(row.get("hs_code")) else str(row["hs_code"])[:4]
        key = f"{heading}|{'' if is_missing(row.get('origin')) else row['origin']}"
        per_unit = quantity if np.isnan(quantity) else max(quantity, 1.0)
        unit_price, kg = value / per_unit, weight / per_unit
        price_norm = norm["unit_price"].get(key, norm["hs_unit_price"].get(heading, float("nan")))
        out["unit_price_dev"] = float(np.log((unit_price + 1e-6) / (price_norm + 1e-6)))
        out["kg_per_unit_dev"] = float(
            np.log((kg + 1e-6) / (norm["kg_per_unit"].get(key, float("nan")) + 1e-6))
        )
        short = price_norm * quantity - value
        short = short if np.isnan(short) else max(short, 0.0)
        out["duty_at_stake"] = float(np.log1p(short * (0.0 if np.isnan(duty_rate) else duty_rate)))
    return out


def history(frame: pd.DataFrame) -> pd.DataFrame:
    """The consignee's and agent's past at each declaration: counts, hits, recency. Never the future."""
    out = pd.DataFrame(index=frame.index)
    by = frame.groupby("consignee", sort=False)
    out["prior_declarations"] = by.cumcount()
    inspected = frame["inspected"].astype(int)
    out["prior_inspections"] = inspected.groupby(frame["consignee"]).cumsum() - inspected
    out["prior_hits"] = frame["hit"].groupby(frame["consignee"]).cumsum() - frame["hit"]
    # no inspection before, no earlier declaration, no registration date: missing, not a number
    out["prior_hit_rate"] = out["prior_hits"] / out["prior_inspections"].replace(0, np.nan)
    previous = by["date"].shift(1)
    out["days_since_last"] = (frame["date"] - previous).dt.days.astype(float)
    out["enterprise_age_days"] = (frame["date"] - pd.to_datetime(frame["registered_on"])).dt.days.astype(
        float
    )
    agent = frame["agent"].fillna("self")
    agent_hits = frame["hit"].groupby(agent).cumsum() - frame["hit"]
    agent_insp = inspected.groupby(agent).cumsum() - inspected
    out["agent_prior_hit_rate"] = agent_hits / agent_insp.replace(0, np.nan)
    return out


def build(
    store: GraphStore,
    frame: pd.DataFrame,
    norm: dict[str, dict[str, float]],
    *,
    graph: bool = True,
    kinds: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Every feature of every row; ``kinds``: the mapped feature columns the model reads (by default the
    ones in ``frame``)."""
    kinds = mapped.feature_columns(frame) if kinds is None else kinds
    parts = [declared(frame), mapped.batch(frame, kinds), deviations(frame, norm), history(frame)]
    if graph:
        parts.append(graph_features(store, frame))
    return pd.concat(parts, axis=1)
