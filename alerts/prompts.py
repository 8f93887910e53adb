"""High-risk prompts: a new declaration by, or a newly registered enterprise tied to, a blacklisted subject.

These fire without a watch: any subject holding an open blacklist tag is watched by the rule itself.
Facts count as new when ingested after the prompts' watermark (``<data_dir>/prompts.json``).
"""

from __future__ import annotations

import json
from typing import Any

from alerts.findings import Finding
from alerts.raising import raise_alert
from alerts.watches import looking_back, now
from algorithms.ties import linking, lodged, office
from graph.store import GraphStore
from tianji.core.settings import Settings

RULE = "rule:high_risk_prompt"


def _state(settings: Settings) -> dict[str, str]:
    path = settings.data_dir / "prompts.json"
    return json.loads(path.read_text()) if path.exists() else {}


def watermark(settings: Settings) -> str | None:
    return _state(settings).get("since")


def set_watermark(settings: Settings, at: str) -> None:
    started = _state(settings).get("started", at)
    settings.path("prompts.json").write_text(json.dumps({"since": at, "started": started}))


def findings(store: GraphStore, since: str) -> list[tuple[str, Finding]]:
    """(unit, finding) pairs for new declarations and new enterprises around blacklisted enterprises."""
    found: list[tuple[str, Finding]] = []
    rows = store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(t:Tag {category: 'blacklist'}) WHERE h.ended_at IS NULL "
        f"WITH DISTINCT e, max(t.level) AS level MATCH (e)<-[:{lodged(store.ontology)}]-(d:Declaration) "
        "WHERE d.ingested_at > $since RETURN e.id AS enterprise, e.name AS name, e.unit AS unit, level, "
        "collect(d.id) AS declarations",
        {"since": since},
        read_only=True,
    )
    for row in rows:
        finding = Finding(
            "high_risk_prompt",
            f"high_risk_declaration:{row['enterprise']}",
            int(row["level"]),
            f"高风险提示 Blacklisted {row['name']} lodged {len(row['declarations'])} new declaration(s)",
        )
        finding.add("Enterprise", row["enterprise"])
        for entry in row["declarations"]:
            finding.add("Declaration", entry)
        found.append((row["unit"] or "", finding))
    rows = store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(t:Tag {category: 'blacklist'}) WHERE h.ended_at IS NULL "
        f"WITH DISTINCT e MATCH (e)-[:{linking(store.ontology)}]-(x)-[:{linking(store.ontology)}]-(n:Enterprise) "
        "WHERE n.ingested_at > $since AND n <> e "
        "RETURN n.id AS new, n.name AS name, n.unit AS unit, collect(DISTINCT e.id) AS blacklisted, "
        "collect(DISTINCT labels(x)[0] + ':' + x.id) AS via",
        {"since": since},
        read_only=True,
    )
    rows += store.query(
        "MATCH (e:Enterprise)-[h:HAS_TAG]->(t:Tag {category: 'blacklist'}) WHERE h.ended_at IS NULL "
        f"WITH DISTINCT e MATCH (e)<-[:{office(store.ontology)}]-(p:Person)-[:{office(store.ontology)}]->(n:Enterprise) "
        "WHERE n.ingested_at > $since AND n <> e RETURN n.id AS new, n.name AS name, n.unit AS unit, "
        "collect(DISTINCT e.id) AS blacklisted, collect(DISTINCT 'Person:' + p.id) AS via",
        {"since": since},
        read_only=True,
    )
    merged: dict[str, Finding] = {}
    units: dict[str, str] = {}
    for row in rows:
        finding = merged.setdefault(
            row["new"],
            Finding(
                "high_risk_prompt",
                f"high_risk_new_enterprise:{row['new']}",
                4,
                f"高风险提示 New enterprise {row['name']} is tied to a blacklisted enterprise",
            ),
        )
        units[row["new"]] = row["unit"] or ""
        finding.add("Enterprise", row["new"])
        for b in row["blacklisted"]:
            finding.add("Enterprise", b)
        for item in row["via"]:
            label, _, node_id = item.partition(":")
            finding.add(label, node_id)
    found += [(units[k], f) for k, f in merged.items()]
    return found


def raise_prompts(store: GraphStore, settings: Settings) -> list[dict[str, Any]]:
    """Raise (or update) the prompts for facts ingested since the watermark; move the watermark.
    Returns the prompts that are new or got worse."""
    scan_at = now()
    since = watermark(settings)
    if since is None:  # first run: everything already loaded is history, not news
        set_watermark(settings, scan_at)
        return []
    raised = []
    for unit, finding in findings(
        store, looking_back(since, settings.alerts_watermark_overlap_s, _state(settings).get("started"))
    ):
        alert, is_news = raise_alert(
            store, {"id": f"{RULE}:{unit}", "owner": "", "unit": unit}, finding, scan_id=scan_at
        )
        if is_news:  # the look-back window sees the last scan's facts again; they are not news
            raised.append(alert)
    set_watermark(settings, scan_at)
    return raised
