"""Features of a declaration: declared fields, deviations from norms, the subject's past, the graph.

Every feature is computed from the declaration and what happened strictly before it: history counts
use only earlier declarations and inspections; a case counts only once it was opened. Graph features
(gang membership and risk, ties to blacklisted enterprises, degree) come from the knowledge graph and
are zero when the analyses that produce them have not run; so are the imaging features (scan verdicts,
document flags and certificate mismatches of the declaration itself).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from algorithms.ties import alternation, linking
from graph.store import GraphStore
from scoring import mapped

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
FEW_CONSIGNEES = 2_000  # up to this many, graph features look the consignees up one by one
GRAPH = [
    "in_gang",
    "gang_risk",
    "gang_size",
    "tie_to_case_enterprise",
    "case_before",
    "ties",
    "shared_address_count",
    "blacklist_level",
    "scan_suspect",
    "cargo_inconsistent",
    "document_flags",
    "certificate_mismatches",
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
    out["prior_hit_rate"] = (out["prior_hits"] / out["prior_inspections"].replace(0, np.nan)).fillna(-1)
    previous = by["date"].shift(1)
    out["days_since_last"] = (frame["date"] - previous).dt.days.fillna(-1)
    out["enterprise_age_days"] = (frame["date"] - pd.to_datetime(frame["registered_on"])).dt.days.fillna(-1)
    agent = frame["agent"].fillna("self")
    agent_hits = frame["hit"].groupby(agent).cumsum() - frame["hit"]
    agent_insp = inspected.groupby(agent).cumsum() - inspected
    out["agent_prior_hit_rate"] = (agent_hits / agent_insp.replace(0, np.nan)).fillna(-1)
    return out


def graph_features(store: GraphStore, frame: pd.DataFrame) -> pd.DataFrame:
    """What only the knowledge graph knows about the consignee, as of each declaration where time matters."""
    out = pd.DataFrame(index=frame.index)
    # a few consignees (the scheduler re-scoring new declarations): look up only them; many: scan once
    ids = frame["consignee"].dropna().astype(str).unique().tolist()
    few = len(ids) <= FEW_CONSIGNEES
    scope = "UNWIND $ids AS cid MATCH (e:Enterprise {id: cid}) " if few else "MATCH (e:Enterprise) "
    params = {"ids": ids} if few else {}
    gang = pd.DataFrame(
        store.query(
            scope + "MATCH (e)-[:MEMBER_OF]->(g:Gang {status: 'active'}) RETURN e.id AS consignee, "
            "g.risk AS gang_risk, g.size AS gang_size",
            params,
            read_only=True,
        ),
        columns=["consignee", "gang_risk", "gang_size"],
    ).drop_duplicates("consignee")
    merged = frame[["consignee"]].merge(gang, on="consignee", how="left")
    out["in_gang"] = merged["gang_risk"].notna().astype(int).to_numpy()
    out["gang_risk"] = merged["gang_risk"].fillna(0).to_numpy()
    out["gang_size"] = merged["gang_size"].fillna(0).to_numpy()
    ties = pd.DataFrame(
        store.query(
            scope + f"MATCH (e)-[r:{alternation(store.ontology.ties('office', 'shared', 'trade'))}]-() "
            "RETURN e.id AS consignee, count(r) AS ties",
            params,
            read_only=True,
        ),
        columns=["consignee", "ties"],
    )
    out["ties"] = frame[["consignee"]].merge(ties, on="consignee", how="left")["ties"].fillna(0).to_numpy()
    shared = pd.DataFrame(
        store.query(
            scope + "MATCH (e)-[:LOCATED_AT]->(a:Address)<-[:LOCATED_AT]-(o:Enterprise) "
            "RETURN e.id AS consignee, count(DISTINCT o) AS n",
            params,
            read_only=True,
        ),
        columns=["consignee", "n"],
    )
    out["shared_address_count"] = (
        frame[["consignee"]].merge(shared, on="consignee", how="left")["n"].fillna(0).to_numpy()
    )
    # cases count only from the day they were opened
    own = pd.DataFrame(
        store.query(
            scope + "MATCH (e)-[:INVOLVED_IN]->(c:Case) RETURN e.id AS consignee, min(c.opened_on) AS opened",
            params,
            read_only=True,
        ),
        columns=["consignee", "opened"],
    )
    # from the few case enterprises outward (starting from every enterprise took seconds)
    near = pd.DataFrame(
        store.query(
            "MATCH (c:Case)<-[:INVOLVED_IN]-(o:Enterprise) WITH o, min(c.opened_on) AS opened "
            f"MATCH (o)-[:{linking(store.ontology)}]-(x)-[:{linking(store.ontology)}]-(e:Enterprise) "
            "WHERE o <> e RETURN e.id AS consignee, min(opened) AS opened",
            read_only=True,
        ),
        columns=["consignee", "opened"],
    )
    own_opened = pd.to_datetime(
        frame[["consignee"]].merge(own, on="consignee", how="left")["opened"]
    ).to_numpy()
    near_opened = pd.to_datetime(
        frame[["consignee"]].merge(near, on="consignee", how="left")["opened"]
    ).to_numpy()
    dates = frame["date"].to_numpy()
    out["case_before"] = (own_opened < dates).astype(int)
    out["tie_to_case_enterprise"] = (near_opened < dates).astype(int)
    level = pd.DataFrame(
        store.query(
            scope + "MATCH (e)-[h:HAS_TAG]->(t:Tag {category: 'blacklist'}) WHERE h.ended_at IS NULL "
            "RETURN e.id AS consignee, max(t.level) AS level",
            params,
            read_only=True,
        ),
        columns=["consignee", "level"],
    )
    # a blacklist tag stands on a case: it counts from the case's opening, like the case itself
    raw_level = frame[["consignee"]].merge(level, on="consignee", how="left")["level"].fillna(0).to_numpy()
    out["blacklist_level"] = np.where(out["case_before"] | out["tie_to_case_enterprise"], raw_level, 0)
    return out.join(imaging_features(store, frame))


def imaging_features(store: GraphStore, frame: pd.DataFrame) -> pd.DataFrame:
    """What the declaration's own images and papers say: the highest suspect confidence of its scan verdicts
    (concealment, controlled goods), cargo unlike the declared goods, flags on its trade documents,
    mismatches on its certificates. Zero where nothing was imaged."""
    rows = store.query(
        "MATCH (v:ImageVerdict)-[:VERDICT_ON]->(d:Declaration) RETURN d.id AS entry_no, "
        "max(CASE WHEN v.verdict = 'suspect' THEN v.confidence ELSE 0.0 END) AS scan_suspect, "
        "max(CASE WHEN v.verdict STARTS WITH 'inconsistent' THEN 1 ELSE 0 END) AS cargo_inconsistent",
        read_only=True,
    )
    documents = store.query(
        "MATCH (x:Document)-[:DOCUMENT_OF]->(d:Declaration) RETURN d.id AS entry_no, "
        "sum(size(coalesce(x.flags, []))) AS document_flags",
        read_only=True,
    )
    certificates = store.query(
        "MATCH (x:Certificate)-[:CERTIFIES]->(d:Declaration) RETURN d.id AS entry_no, "
        "sum(size(coalesce(x.mismatches, []))) AS certificate_mismatches",
        read_only=True,
    )
    columns = ["scan_suspect", "cargo_inconsistent", "document_flags", "certificate_mismatches"]
    found = (
        pd.DataFrame(rows, columns=["entry_no", "scan_suspect", "cargo_inconsistent"])
        .merge(pd.DataFrame(documents, columns=["entry_no", "document_flags"]), on="entry_no", how="outer")
        .merge(
            pd.DataFrame(certificates, columns=["entry_no", "certificate_mismatches"]),
            on="entry_no",
            how="outer",
        )
    )
    merged = frame[["entry_no"]].merge(found, on="entry_no", how="left")
    return pd.DataFrame({c: merged[c].fillna(0).astype(float).to_numpy() for c in columns}, index=frame.index)


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
