"""The audit log's hash chain: editing, deleting or forging a row is found and named by ``tianji audit verify``."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text

from api.audit import AuditEntry, GroupCommit, audit, entries, open_audit, record, record_for, redact
from api.audit_chain import GENESIS, chain_key, verify
from tianji.core import db
from tianji.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def entry(n: int, **overrides: object) -> AuditEntry:
    values: dict[str, object] = {
        "user": f"officer{n % 3}",
        "role": "investigator",
        "unit": "GZ",
        "operation_type": "query",
        "operation_name": f"Op{n}",
        "document": "{ me { name } }",
        "variables": {"n": n},
        "result_size": n,
        "outcome": "ok",
        "error_codes": [],
        "duration_ms": 1.234 * n,
        **overrides,
    }
    return AuditEntry(**values)  # type: ignore[arg-type]


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path)
    record_for(settings, *(entry(n) for n in range(1, 6)))
    record_for(settings, *(entry(n) for n in range(6, 11)))
    return settings


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TIANJI_DATA_DIR": str(settings.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "tianji.cli.main", "audit", *args],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=120,
    )


def test_an_untouched_log_verifies(filled: Settings) -> None:
    rows = entries(open_audit(filled), limit=100)
    assert [r["id"] for r in rows] == list(range(1, 11))
    assert rows[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["row_hash"] for a, b in zip(rows, rows[1:], strict=False))
    verdict = verify(open_audit(filled), chain_key(filled))
    assert verdict.ok and verdict.rows == 10 and verdict.head_id == 10
    done = cli(filled, "verify", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["head_hash"] == rows[-1]["row_hash"]


@pytest.mark.parametrize(
    ("tamper", "broken", "reason"),
    [
        ("UPDATE audit SET outcome = 'ok', user = 'someone' WHERE id = 4", 4, "content does not match"),
        ("UPDATE audit SET duration_ms = duration_ms + 1 WHERE id = 7", 7, "content does not match"),
        ("DELETE FROM audit WHERE id = 5", 6, "missing"),
        ("DELETE FROM audit WHERE id = 1", 2, "link to the row before"),
        ("UPDATE audit SET row_hash = NULL, prev_hash = NULL WHERE id <= 3", 1, "no hash"),
    ],
)
def test_a_changed_or_deleted_row_is_named(filled: Settings, tamper: str, broken: int, reason: str) -> None:
    with open_audit(filled).begin() as conn:
        conn.execute(text(tamper))
    verdict = verify(open_audit(filled), chain_key(filled))
    assert verdict.broken_id == broken and reason in verdict.reason


def test_verify_exits_non_zero_naming_the_first_broken_row(filled: Settings) -> None:
    with open_audit(filled).begin() as conn:
        conn.execute(text("UPDATE audit SET outcome = 'denied' WHERE id IN (4, 8)"))
    db.dispose_engines()
    done = cli(filled, "verify", "--no-progress")
    assert done.returncode == 1
    assert "broken at row 4" in done.stderr and json.loads(done.stdout)["broken_id"] == 4


def test_a_row_rehashed_without_the_key_is_refused(filled: Settings) -> None:
    """An attacker who recomputes the chain with a key of their own does not get a verifying log."""
    forged_key = chain_key(Settings(data_dir=filled.data_dir, auth_secret="x" * 40))
    engine = open_audit(filled)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit WHERE id >= 3"))
    record(engine, forged_key, entry(99, user="intruder"))
    verdict = verify(engine, chain_key(filled))
    assert verdict.broken_id == 3 and "content does not match" in verdict.reason


def test_removed_newest_rows_are_found_against_a_known_head(filled: Settings) -> None:
    head = verify(open_audit(filled), chain_key(filled)).as_dict()
    with open_audit(filled).begin() as conn:
        conn.execute(text("DELETE FROM audit WHERE id >= 9"))
    assert verify(open_audit(filled), chain_key(filled)).ok  # a shorter chain is whole…
    db.dispose_engines()
    done = cli(filled, "verify", "--no-progress", "--expect-head", f"{head['head_id']}:{head['head_hash']}")
    assert done.returncode == 1 and "expected head" in done.stderr  # …but not the one written down


def test_writers_in_several_threads_and_processes_keep_one_chain(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    script = (
        "import sys; from pathlib import Path; from api.audit import AuditEntry, record_for; "
        "from tianji.core.settings import Settings; s = Settings(data_dir=Path(sys.argv[1])); "
        "[record_for(s, AuditEntry('p', 'investigator', 'GZ', 'query', None, '', {'i': i}, 0, 'ok', [], 1.0)) "
        "for i in range(100)]"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], env=env, cwd=ROOT) for _ in range(2)
    ]

    def write_fifty() -> None:
        for i in range(50):
            record_for(settings, entry(i))

    threads = [threading.Thread(target=write_fifty) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    verdict = verify(open_audit(settings), chain_key(settings))
    assert verdict.ok and verdict.rows == 350


def test_a_writer_waits_for_the_process_holding_the_writers_lock(tmp_path: Path) -> None:
    # every appending process takes its turn by flock on a file beside the log, woken as soon as it is free
    settings = Settings(data_dir=tmp_path)
    engine = open_audit(settings)
    holder = os.open(f"{engine.url.database}.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    writer = threading.Thread(target=record_for, args=(settings, entry(1)))
    writer.start()
    writer.join(timeout=1.0)
    assert writer.is_alive() and entries(engine) == []  # it waits for its turn
    fcntl.flock(holder, fcntl.LOCK_UN)
    os.close(holder)
    writer.join(timeout=30)
    assert not writer.is_alive() and [e["operation_name"] for e in entries(engine)] == ["Op1"]


def test_rows_from_before_the_chain_are_sealed_at_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / db.AUDIT.filename
    legacy = create_engine(f"sqlite:///{path}")
    with legacy.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at VARCHAR NOT NULL, user VARCHAR "
                "NOT NULL, role VARCHAR NOT NULL, unit VARCHAR NOT NULL, operation_type VARCHAR NOT NULL, "
                "operation_name VARCHAR, document TEXT NOT NULL, variables TEXT NOT NULL, result_size INTEGER "
                "NOT NULL, outcome VARCHAR NOT NULL, error_codes VARCHAR, duration_ms FLOAT NOT NULL)"
            )
        )
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('audit_0001')"))
    legacy.dispose()
    settings = Settings(data_dir=tmp_path)
    engine = open_audit(settings)
    with engine.begin() as conn:
        old = {k: v for k, v in vars(entry(1)).items() if k in audit.c and k != "error_codes"}
        conn.execute(insert(audit), [{**old, "variables": "{}", "error_codes": None}] * 3)
    assert not verify(engine, chain_key(settings)).ok  # rows without hashes are not yet part of the chain
    record_for(settings, entry(4))
    verdict = verify(engine, chain_key(settings))
    assert verdict.ok and verdict.rows == 4


def test_secrets_are_never_stored() -> None:
    arguments = {
        "username": "li",
        "password": "hunter2hunter2",
        "input": {"apiKey": "k", "nested": [{"token": 1}]},
    }
    assert redact(arguments) == {
        "username": "li",
        "password": "[redacted]",
        "input": {"apiKey": "[redacted]", "nested": [{"token": "[redacted]"}]},
    }


def test_requests_answered_together_are_audited_in_one_transaction_and_the_chain_holds(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path)
    engine = open_audit(settings)
    log = GroupCommit(engine, chain_key(settings))

    async def many() -> None:
        await asyncio.gather(*(log.append(entry(n), entry(n + 1000)) for n in range(1, 101)))

    asyncio.run(many())
    verdict = verify(engine, chain_key(settings))
    assert (
        verdict.broken_id is None and verdict.rows == 200
    )  # every row, once, each chained to the one before
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT operation_name FROM audit"))}
    assert names == {f"Op{n}" for n in range(1, 101)} | {f"Op{n + 1000}" for n in range(1, 101)}
    assert 1 <= log.batches < 100  # requests waiting together shared transactions

    broken = GroupCommit(create_engine(f"sqlite:///{tmp_path / 'missing' / 'audit.db'}"), chain_key(settings))
    with pytest.raises(Exception, match="unable to open database"):  # the request hears of the failure
        asyncio.run(broken.append(entry(1)))
