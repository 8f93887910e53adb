"""Features only the knowledge graph knows: the consignee's gang, cases, ties and tags (zero where the
analyses have not run), and what the declaration's own scans, documents and certificates say
(``scoring.imaging_features``: missing where nothing was read)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from algorithms.ties import alternation, linking
from graph.store import GraphStore
from scoring.imaging_features import imaging_features
from scoring.scope import scope

FEW_CONSIGNEES = 2_000  # up to this many, graph features look the consignees up one by one


def graph_features(store: GraphStore, frame: pd.DataFrame) -> pd.DataFrame:
    """What only the knowledge graph knows about the consignee, as of each declaration where time matters."""
    out = pd.DataFrame(index=frame.index)
    # a few consignees (the scheduler re-scoring new declarations): look up only them; many: scan once
    ids = frame["consignee"].dropna().astype(str).unique().tolist()
    consignees = scope(store, "Enterprise", ids, FEW_CONSIGNEES)
    gang = consignees.frame(
        "MATCH (n)-[:MEMBER_OF]->(g:Gang {status: 'active'}) RETURN n.id AS consignee, "
        "coalesce(g.record_risk, g.risk) AS gang_risk, g.size AS gang_size",
        ["consignee", "gang_risk", "gang_size"],
    ).drop_duplicates("consignee")
    merged = frame[["consignee"]].merge(gang, on="consignee", how="left")
    out["in_gang"] = merged["gang_risk"].notna().astype(int).to_numpy()
    out["gang_risk"] = merged["gang_risk"].fillna(0).to_numpy()
    out["gang_size"] = merged["gang_size"].fillna(0).to_numpy()
    ties = consignees.frame(
        f"MATCH (n)-[r:{alternation(store.ontology.ties('office', 'shared', 'trade'))}]-() "
        "RETURN n.id AS consignee, count(r) AS ties",
        ["consignee", "ties"],
    )
    out["ties"] = frame[["consignee"]].merge(ties, on="consignee", how="left")["ties"].fillna(0).to_numpy()
    shared = consignees.frame(
        "MATCH (n)-[:LOCATED_AT]->(a:Address)<-[:LOCATED_AT]-(o:Enterprise) "
        "RETURN n.id AS consignee, count(DISTINCT o) AS others",
        ["consignee", "others"],
    )
    out["shared_address_count"] = (
        frame[["consignee"]].merge(shared, on="consignee", how="left")["others"].fillna(0).to_numpy()
    )
    # cases count only from the day they were opened
    own = consignees.frame(
        "MATCH (n)-[:INVOLVED_IN]->(c:Case) RETURN n.id AS consignee, min(c.opened_on) AS opened",
        ["consignee", "opened"],
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
    level = consignees.frame(
        "MATCH (n)-[h:HAS_TAG]->(t:Tag {category: 'blacklist'}) WHERE h.ended_at IS NULL "
        "RETURN n.id AS consignee, max(t.level) AS level",
        ["consignee", "level"],
    )
    # a blacklist tag stands on a case: it counts from the case's opening, like the case itself
    raw_level = frame[["consignee"]].merge(level, on="consignee", how="left")["level"].fillna(0).to_numpy()
    out["blacklist_level"] = np.where(out["case_before"] | out["tie_to_case_enterprise"], raw_level, 0)
    return out.join(imaging_features(store, frame))
