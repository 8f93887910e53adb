"""Side databases: one shared engine per file, schemas at the newest migration, old files adopted intact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert, inspect, select

from alerts import outbox
from api import audit, auth, casefiles, customtags
from ingest.resolution import review
from tianji.core import db
from tianji.core.settings import Settings

METADATA: dict[str, MetaData] = {
    "users": auth.metadata,
    "audit": audit.metadata,
    "casefiles": casefiles.metadata,
    "customtags": customtags.metadata,
    "alerts": outbox.metadata,
    "resolution": review.metadata,
}


def test_every_side_database_has_its_tables() -> None:
    assert sorted(METADATA) == sorted(d.name for d in db.SIDE_DATABASES)


def test_one_engine_per_file_until_disposed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = auth.open_users(settings)
    assert auth.open_users(settings) is first
    assert auth.open_users(Settings(data_dir=tmp_path / "other")) is not first
    db.dispose_engines()
    assert auth.open_users(settings) is not first


@pytest.mark.parametrize("database", db.SIDE_DATABASES, ids=lambda d: d.name)
def test_migrations_build_what_the_code_declares(tmp_path: Path, database: db.SideDatabase) -> None:
    engine = db.side_engine(Settings(data_dir=tmp_path), database)
    assert db.current(engine) == db.head(database)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), METADATA[database.name])
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert diff == []
    assert mode == "wal"


def test_a_database_from_before_migrations_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / db.USERS.filename
    legacy = create_engine(f"sqlite:///{path}")
    auth.metadata.create_all(legacy)
    with legacy.begin() as conn:
        conn.execute(
            insert(auth.users).values(
                name="li", role="admin", unit="GZ", active=True, created_at="2026-01-01"
            )
        )
    legacy.dispose()
    engine = auth.open_users(Settings(data_dir=tmp_path))
    assert db.current(engine) == db.head(db.USERS)
    with engine.connect() as conn:
        assert conn.execute(select(auth.users.c.name)).scalars().all() == ["li"]


def test_a_missing_table_is_added_to_an_old_database(tmp_path: Path) -> None:
    path = tmp_path / db.REVIEW.filename
    legacy = create_engine(f"sqlite:///{path}")
    review.queue.create(legacy)
    legacy.dispose()
    engine = review.open_review(Settings(data_dir=tmp_path))
    assert {"review", "review_log", "review_action"} <= set(inspect(engine).get_table_names())


def test_two_processes_opening_a_new_file_migrate_it_once(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from tianji.core import db; "
        "e = db.sqlite_engine(Path(sys.argv[1]), db.OUTBOX); print(db.current(e))"
    )
    target = str(tmp_path / "alerts.sqlite")
    procs = [
        subprocess.Popen([sys.executable, "-c", script, target], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == [db.head(db.OUTBOX)] * 2


def test_opening_a_file_another_process_holds_waits_for_it_instead_of_failing(tmp_path: Path) -> None:
    # SQLite refuses the switch to WAL at once, busy timeout or not, while another connection holds a
    # rollback-journal file's write lock: what a second process meets when two open a new file together.
    path = tmp_path / "held.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        sqlite3.connect(path, timeout=5).execute("PRAGMA journal_mode=WAL")
    release = threading.Timer(0.5, holder.commit)
    release.start()
    started = time.monotonic()
    engine = db.sqlite_engine(path, db.OUTBOX)
    assert time.monotonic() - started >= 0.4
    assert db.current(engine) == db.head(db.OUTBOX)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    release.join()
    holder.close()
    db.dispose_engines()


def test_the_job_store_shares_the_engine(tmp_path: Path) -> None:
    from alerts.scheduler import job_store, job_store_url

    settings = Settings(data_dir=tmp_path)
    assert job_store(settings).engine is db.url_engine(job_store_url(settings))
