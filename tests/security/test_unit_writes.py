"""Writes scoped to their unit: a unit's service token (or ``tianji ingest --unit``) cannot change another
unit's nodes; the row is refused, quarantined with its reason and audited as denied. The owning unit, and
headquarters, may change them (positive controls)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from ingest.quarantine import read_quarantine
from tests.api.conftest import ApiServer
from tests.security.small_api import ask, small_api

__all__ = ["ask", "small_api"]

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["id", "kind", "title", "opened_on", "charge", "unit", "restricted"]


def case_row(small_world: Path, case_id: str, **changes: str) -> dict[str, str]:
    with (small_world / "cases.csv").open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == case_id)
    return {**row, **changes}


def cases_csv(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(api: ApiServer, user: str, body: bytes) -> dict[str, Any]:
    response = httpx.post(
        f"{api.url}/ingest/cases",
        files={"file": ("cases.csv", body, "text/csv")},
        headers={"Authorization": f"Bearer {api.tokens[user]}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def case(api: ApiServer, case_id: str) -> dict[str, Any]:
    node = api.store.node("Case", case_id)
    assert node is not None
    return node["properties"]  # type: ignore[no-any-return]


def denials(ask: Any, user: str) -> list[dict[str, Any]]:
    _, body = ask(
        "admin_hq",
        "query($u: String!) { auditLog(user: $u, first: 500) { outcome operationType operationName variables } }",
        {"u": user},
    )
    return [e for e in body["data"]["auditLog"] if e["outcome"] == "denied"]


def test_a_unit_cannot_reingest_another_units_case(small_api: ApiServer, small_world: Path, ask: Any) -> None:
    assert case(small_api, "C00005")["restricted"] is True and case(small_api, "C00005")["unit"] == "TJ"
    flipped = case_row(small_world, "C00005", restricted="false")
    result = upload(small_api, "svc_gz", cases_csv(flipped))
    assert result["loaded"] == 0 and result["quarantined"] == 1 and result["denied"] == 1
    (entry,) = read_quarantine(Path(result["quarantine_file"]))
    assert "belongs to unit TJ" in entry["reason"] and entry["line"] == 2
    assert case(small_api, "C00005")["restricted"] is True  # unchanged
    (denied,) = denials(ask, "svc_gz")
    assert denied["operationType"] == "ingest" and denied["operationName"] == "POST /ingest/cases"
    assert denied["variables"]["rows"] == [
        {"source": "cases.csv", "line": 2, "label": "Case", "id": "C00005", "unit": "TJ"}
    ]
    # the owning unit may change its case, and GZ its own
    own = upload(small_api, "svc_tj", cases_csv(flipped))
    assert own["loaded"] == 1 and own["denied"] == 0 and case(small_api, "C00005")["restricted"] is False
    retitled = case_row(small_world, "C00007", title="广州信聚案更名")
    assert upload(small_api, "svc_gz", cases_csv(retitled))["loaded"] == 1
    assert case(small_api, "C00007")["title"] == "广州信聚案更名"
    assert denials(ask, "svc_tj") == []


def test_a_unit_cannot_create_a_case_for_another_or_hand_one_over(
    small_api: ApiServer, small_world: Path
) -> None:
    new = case_row(small_world, "C00006", id="C09999", unit="TJ")
    moved = case_row(small_world, "C00006", unit="GZX")
    result = upload(small_api, "svc_gz", cases_csv(new, moved))
    assert result["loaded"] == 0 and result["denied"] == 2
    assert small_api.store.node("Case", "C09999") is None and case(small_api, "C00006")["unit"] == "GZ"
    # headquarters may do both
    assert upload(small_api, "admin_hq", cases_csv(new))["loaded"] == 1
    assert case(small_api, "C09999")["unit"] == "TJ"


def test_a_unit_cannot_link_subjects_to_another_units_case(small_api: ApiServer) -> None:
    header = "case_id,subject_label,subject_key,role\n"
    row = "C00005,Declaration,510020240000000015,evidence\n"
    files = {"file": ("case_subjects.csv", (header + row).encode(), "text/csv")}
    response = httpx.post(
        f"{small_api.url}/ingest/case_subjects",
        files=files,
        headers={"Authorization": f"Bearer {small_api.tokens['svc_gz']}"},
        timeout=120,
    )
    body = response.json()
    assert body["loaded"] == 0 and body["denied"] == 1
    linked = small_api.store.query(
        "MATCH (:Declaration {id: $d})-[r:INVOLVED_IN]->(:Case {id: 'C00005'}) RETURN count(r) AS n",
        {"d": "510020240000000015"},
    )
    assert linked[0]["n"] == 0


def test_cli_ingest_for_a_unit_refuses_and_audits(
    small_api: ApiServer, small_world: Path, tmp_path: Path, ask: Any
) -> None:
    settings = small_api.settings
    folder = tmp_path / "load"
    folder.mkdir()
    (folder / "cases.csv").write_bytes(
        cases_csv(
            case_row(small_world, "C00006", restricted="false"),
            case_row(small_world, "C00008", title="佛山案"),
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TIANJI_GRAPH_URI": settings.graph_uri,
        "TIANJI_GRAPH_NAME": settings.graph_name,
        "TIANJI_DATA_DIR": str(settings.data_dir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tianji.cli.main", "ingest", str(folder), "--no-progress", "--unit", "TJ"],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["loaded"] == 0 and summary["denied"] == 2 and "refused 2 rows" in done.stderr
    assert case(small_api, "C00006")["restricted"] is True and case(small_api, "C00008")["title"] != "佛山案"
    _, body = ask("admin_hq", "{ auditLog(first: 500) { user outcome unit variables } }")
    cli = [e for e in body["data"]["auditLog"] if e["user"].startswith("cli:") and e["outcome"] == "denied"]
    assert (
        cli and cli[-1]["unit"] == "TJ" and {r["unit"] for r in cli[-1]["variables"]["rows"]} == {"GZ", "FS"}
    )
