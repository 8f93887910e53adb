"""The synthetic customs world: subjects, relations, declarations and what is planted in them.

``generate_world(scale, seed, out, difficulty=...)`` writes the files described in ``docs/world.md``.
The same scale, difficulty and seed give identical files: the subjects and gangs are built first (``builder``, ``gangs``), then the
parties, declarations, events and records around them (``parties``, ``declarations``, ``events``,
``records``), then the files (``writer``), always in the same order from the same two seeded generators.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console

from ingest.synthetic import confounders
from ingest.synthetic.builder import WorldBuilder
from ingest.synthetic.declarations import declarations
from ingest.synthetic.difficulty import DEFAULT_DIFFICULTY, profile
from ingest.synthetic.events import background_relations, inspections_and_cases
from ingest.synthetic.gangs import plant_gang
from ingest.synthetic.model import SCALES
from ingest.synthetic.parties import overseas_parties, vessel_imo
from ingest.synthetic.records import agency_records
from ingest.synthetic.shapes import plant_varied_gang
from ingest.synthetic.writer import write_files

__all__ = ["SCALES", "generate_world"]


def generate_world(
    scale: str,
    seed: int,
    out: Path,
    *,
    difficulty: str = DEFAULT_DIFFICULTY,
    console: Console | None = None,
) -> dict[str, Any]:
    """Write the world to ``out``; return the manifest."""
    console = console or Console(stderr=True)
    builder = WorldBuilder(scale, seed, profile(difficulty))
    s, d = builder.scale, builder.difficulty
    with console.status(f"building the {scale} {difficulty} world (seed {seed})"):
        nominees: list[str] = []
        for index in range(s.gangs):
            if d.varied:
                plant_varied_gang(builder, index, nominees)
            else:
                plant_gang(builder, index)
        honest = max(s.enterprises - len(builder.enterprises), 10)
        tenants = confounders.parks(builder, int(honest * d.park_share)) if d.varied else {}
        if d.varied:
            confounders.agents(builder, int(honest * d.agent_share), int(honest * d.dormant_share))
            confounders.families(builder, int(honest * d.family_share))
            confounders.decoys(builder, tenants)
        builder.background(max(s.enterprises - len(builder.enterprises), 10))
    return write_world(builder, out, console)


def write_world(b: WorldBuilder, out: Path, console: Console) -> dict[str, Any]:
    """The bulk of the world around the built subjects, written to ``out``; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    rng = b.rng
    with console.status("overseas parties, vehicles and vessels"):
        parties, owner = overseas_parties(b)
        vessels = [vessel_imo(rng) for _ in range(b.scale.vessels)]
        drivers_needed = max(b.scale.vehicles - len(b.vehicles), 10)
        background = [e for e in b.enterprises if e.gang is None]
        for _ in range(drivers_needed):
            ent = rng.choice(background)
            b.vehicles.append(
                [
                    b.new_plate(),
                    rng.choice(["tractor", "box truck", "van", "container truck"]),
                    ent.region,
                    ent.uscc,
                    rng.choice(["own", "lease", "use"]),
                    b.new_person(),
                ]
            )
        vehicles_of: dict[str, list[str]] = defaultdict(list)
        for plate, _, _, owner_uscc, _, _ in b.vehicles:
            vehicles_of[owner_uscc].append(plate)
    with console.status(f"{b.scale.declarations:,} declarations"):
        decl = declarations(b, parties, vessels, vehicles_of, [v[0] for v in b.vehicles])
    with console.status("inspections, tests, audits, cases, records"):
        events = inspections_and_cases(b, decl)
        background_relations(b)
        records = agency_records(b)
    with console.status(f"writing files to {out}"):
        write_files(b, out, parties, vessels, decl, events, records, owner)
    manifest = {
        "scale": b.scale_name,
        "difficulty": b.difficulty.name,
        "seed": b.seed,
        "date_range": ["2024-01-01", "2025-12-31"],
        "counts": {
            "declarations": len(decl),
            "enterprises": len(b.enterprises),
            "persons": len(b.persons),
            "overseas_parties": len(parties),
            "vehicles": len(b.vehicles),
            "vessels": len(vessels),
            "gangs": len(b.truth["gangs"]),
            "cases": len(b.cases),
            "risky_declarations": len(b.truth["risky_declarations"]),
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest
