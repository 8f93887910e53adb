"""The demo world: generate a reproducible synthetic customs world with its ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from graph.store import GraphStore
from tianji.core.settings import Settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def generate(
    scale: str = typer.Option("small", help="small (≈2k declarations), medium (≈100k) or large (≈1M)"),
    difficulty: str = typer.Option(
        "medium",
        help="easy (template rings in a quiet background), medium or hard (business parks, brokers, "
        "families, dormant shells, sparse and hidden gangs, noise, drift decoys)",
    ),
    seed: int = typer.Option(7, help="the same scale, difficulty and seed give identical files"),
    out: Path = typer.Option(..., help="folder to write the files into"),
) -> None:
    """Write the world's CSV files, ground_truth.json and manifest.json (formats in docs/world.md)."""
    from ingest.synthetic import DIFFICULTIES, SCALES, generate_world

    if scale not in SCALES:
        raise typer.BadParameter(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    if difficulty not in DIFFICULTIES:
        raise typer.BadParameter(f"unknown difficulty {difficulty!r}; known: {', '.join(DIFFICULTIES)}")
    manifest = generate_world(scale, seed, out, difficulty=difficulty)
    typer.echo(json.dumps(manifest, ensure_ascii=False))


@app.command()
def foreign(
    out: Path = typer.Option(..., help="folder to write declarations.csv and ground_truth.json into"),
    rows: int = typer.Option(20_000, help="declarations"),
    seed: int = typer.Option(11),
) -> None:
    """Write the second synthetic export, in another administration's shape (the DATE study's layout; its
    mappings are examples/date_layout)."""
    from ingest.foreign_export import write_export

    truth = write_export(out, rows=rows, seed=seed)
    typer.echo(json.dumps({"rows": rows, "illicit": {k: len(v) for k, v in truth["illicit"].items()}}))


def seed_watches(store: GraphStore, settings: Settings, world: Path) -> dict[str, int]:
    """Watches and alerts for the demo officers, so that the alert loop is visible at first start.

    Each demo officer of a unit watches the riskiest gangs that have drift events (those with members of
    the officer's unit first) and their most central member enterprise. A gang watched before it drifted
    would have raised an alert for each drift: a new shell tied to it (``new_related_enterprise``), a
    declaration at a port it never used (``new_port``). Those alerts are raised here from the drift
    events the analysis found, with the same causes and evidence, owned by the officer and assigned to
    the first of them. Safe to run again: watches and alerts are merged on their keys."""
    from alerts.findings import Finding
    from alerts.raising import assign, raise_alert
    from alerts.watches import WatchSpec, create_watch
    from tianji.bootstrap import DEMO_USERS

    officers = [(name, unit) for name, role, unit in DEMO_USERS if unit != "*" and role != "admin"]
    drifting = store.query(
        "MATCH (d:DriftEvent)-[:DRIFT_OF]->(g:Gang) WHERE g.status = 'active' "
        "OPTIONAL MATCH (e:Enterprise)-[:MEMBER_OF]->(g) "
        "RETURN g.id AS gang, g.risk AS risk, collect(DISTINCT e.unit) AS units ORDER BY risk DESC, gang",
        read_only=True,
    )
    counts = {"watches": 0, "alerts": 0}
    for name, unit in officers:
        mine = sorted(drifting, key=lambda r: (unit not in (r["units"] or []), -(r["risk"] or 0), r["gang"]))
        for row in mine[:2]:
            watch = create_watch(
                store, WatchSpec(owner=name, unit=unit, target_label="Gang", target_id=row["gang"])
            )
            counts["watches"] += 1
            for finding in drift_findings(store, row["gang"], Finding):
                alert, _ = raise_alert(store, watch, finding, scan_id="demo-seed")
                counts["alerts"] += 1
                if alert.get("status") == "open" and counts["alerts"] % 2 == 1:
                    assign(store, alert["id"], name)
            central = store.query(
                "MATCH (e:Enterprise)-[r:MEMBER_OF]->(:Gang {id: $g}) RETURN e.id AS id "
                "ORDER BY r.pagerank DESC LIMIT 1",
                {"g": row["gang"]},
                read_only=True,
            )
            if central:
                create_watch(
                    store,
                    WatchSpec(owner=name, unit=unit, target_label="Enterprise", target_id=central[0]["id"]),
                )
                counts["watches"] += 1
    return counts


def drift_findings(store: GraphStore, gang: str, finding: Any) -> list[Any]:
    """The findings a watch on ``gang`` would have raised for its drift events."""
    out = []
    for row in store.query(
        "MATCH (d:DriftEvent)-[:DRIFT_OF]->(:Gang {id: $g}) RETURN d ORDER BY d.id",
        {"g": gang},
        read_only=True,
    ):
        event = row["d"]["properties"]
        evidence = [item.split(":", 1) for item in event.get("evidence") or [] if ":" in item]
        when = event.get("occurred_on") or ""
        if event["kind"] == "change_of_vest":
            for label, shell in evidence:
                if label != "Enterprise":
                    continue
                found = finding(
                    "new_related_enterprise",
                    f"new_related_enterprise:{shell}",
                    4,
                    f"新关联企业 New related enterprise {shell} of gang {gang} ({when})",
                )
                found.add("Enterprise", shell)
                found.add("Gang", gang)
                found.add("DriftEvent", event["id"])
                out.append(found)
        elif event.get("port"):
            found = finding(
                "new_port",
                f"new_port:{event['port']}",
                4,
                f"异地申报 Declaring at a new port {event['port']} · gang {gang} ({when})",
            )
            for label, key in evidence:
                found.add(label, key)
            found.add("Gang", gang)
            found.add("DriftEvent", event["id"])
            out.append(found)
    return out
