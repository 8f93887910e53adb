"""What ``make run`` does: start the graph, load the demo world when the graph is empty, run the
analysis steps over it once, then serve the API and dashboards.

Each capability adds its step to ``STEPS`` as ``"module:function"``; the function takes
``(store, settings, world_dir)``. A step that completed for this world is not run again on the next
start (the record lives in ``<data_dir>/bootstrap.json``); ``tianji run --redo`` runs them all again.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from graph.open import open_store
from graph.store import GraphStore
from tianji.core.settings import Settings

STEPS: list[str] = [
    "tianji.bootstrap:demo_users",
    "ingest.resolution.overseas:run_resolution",
    "imaging.demo:run_imaging",
    "imaging.demo:run_documents",
    "imaging.demo:run_scans",
    "tagging.service:run_tagging",  # after imaging: scan verdicts can trigger tags
    "algorithms.service:run_gangs",
    "algorithms.service:run_drift",
    "scoring.service:run_scoring",  # after tags, gangs and verdicts: they are features
    "tracks.service:run_tracks",
    "tianji.cli.demo:seed_watches",  # after drift: the demo officers' watches and the alerts they raised
    "tianji.bootstrap:start_prompts",
]

console = Console()


def resolve_step(spec: str) -> Callable[[GraphStore, Settings, Path], Any]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def demo_world(settings: Settings) -> Path:
    """Generate the demo world (scale and seed from settings) unless it is already on disk."""
    from ingest.synthetic import generate_world

    out = settings.data_dir / "demo" / f"{settings.demo_scale}-{settings.demo_seed}"
    if not (out / "manifest.json").exists():
        console.print(
            f"[bold]generating the {settings.demo_scale} demo world[/] (seed {settings.demo_seed}) in {out}"
        )
        generate_world(settings.demo_scale, settings.demo_seed, out)
    return out


def load_demo(store: GraphStore, settings: Settings) -> Path:
    from ingest.loader import Loader

    world = demo_world(settings)
    if store.count("Declaration") == 0:
        console.print("[bold]loading the demo world into the graph[/]")
        run = Loader(store, settings).load_dir(world)
        console.print(f"read {run.read:,} rows, loaded {run.loaded:,}, quarantined {run.quarantined:,}")
    return world


@contextmanager
def heartbeat(what: str, every_s: float = 20.0) -> Iterator[None]:
    """A line every ``every_s`` seconds while ``what`` runs, so that a long quiet step shows it is alive
    (a thread, not a live display: a step may show its own progress bar)."""
    stop = threading.Event()
    started = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every_s):
            console.print(f"  … {what} still running ({time.perf_counter() - started:.0f}s)")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_steps(store: GraphStore, settings: Settings, world: Path, *, redo: bool = False) -> dict[str, float]:
    record_file = settings.path("bootstrap.json")
    record: dict[str, Any] = json.loads(record_file.read_text()) if record_file.exists() else {}
    done = set(record.get(str(world), [])) if not redo else set()
    timings: dict[str, float] = {}
    for spec in STEPS:
        if spec in done:
            continue
        console.print(f"[bold]step {len(done) + 1}/{len(STEPS)}[/] {spec}")
        started = time.perf_counter()
        with heartbeat(spec):
            resolve_step(spec)(store, settings, world)
        timings[spec] = round(time.perf_counter() - started, 2)
        done.add(spec)
        record[str(world)] = sorted(done)
        record_file.write_text(json.dumps(record, indent=2))
        console.print(f"  done in {timings[spec]:.1f}s")
    return timings


#: the demo's users: sign-in name, role, customs unit (two units, so that unit isolation can be seen)
DEMO_USERS = (
    ("demo_investigator", "investigator", "GZ"),
    ("demo_investigator_tj", "investigator", "TJ"),
    ("demo_analyst", "analyst", "GZ"),
    ("demo_admin", "admin", "*"),
)


def demo_users(store: GraphStore, settings: Settings, world: Path) -> None:
    """One user per role for the demo (and a second unit's investigator), their tokens written to
    <data_dir>/demo-tokens.json; in development they also get generated passwords for the sign-in page,
    written to <data_dir>/demo-officers.json (and printed when the server starts)."""
    import secrets

    from api.accounts import set_password
    from api.auth import User, create_user, issue_jwt, open_users

    engine = open_users(settings)
    officers_file = settings.path("demo-officers.json")
    known = json.loads(officers_file.read_text()) if officers_file.exists() else {}
    tokens, officers = {}, {}
    for name, role, unit in DEMO_USERS:
        key = create_user(engine, name, role, unit)
        tokens[name] = {
            "role": role,
            "unit": unit,
            "api_key": key,
            "jwt": issue_jwt(settings, User(name, role, unit), hours=24 * 30),
        }
        if settings.environment == "development":
            password = known.get(name, {}).get("password") or secrets.token_urlsafe(12)
            set_password(engine, name, password)
            officers[name] = {"role": role, "unit": unit, "password": password}
    settings.path("demo-tokens.json").write_text(json.dumps(tokens, indent=2))
    if officers:
        officers_file.write_text(json.dumps(officers, indent=2))
        officers_file.chmod(0o600)


def start_prompts(store: GraphStore, settings: Settings, world: Path) -> None:
    """High-risk prompts start from now: what the demo world already holds is history."""
    from alerts.prompts import raise_prompts

    raise_prompts(store, settings)


def prepare(settings: Settings, *, redo: bool = False) -> Path:
    """Everything before serving: graph up, schema applied, demo world loaded, steps run."""
    with open_store(settings=settings) as store:
        store.apply_schema()
        world = load_demo(store, settings)
        run_steps(store, settings, world, redo=redo)
        store.compact()
    return world
