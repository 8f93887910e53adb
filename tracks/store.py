"""GPS and AIS points kept columnar: Parquet files partitioned by day, queried with DuckDB.

Every ingest batch is cleaned (out-of-range coordinates, duplicates, impossible jumps dropped with a
count and reason) and written as a new Parquet file in its day's partition, so a point is queryable as
soon as its batch is written; late points simply land in their own day.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from tianji.core.settings import Settings

MAX_SPEED_KMH = {"vehicle": 160.0, "vessel": 80.0}
COLUMNS = ["target", "kind", "ts", "lat", "lon", "speed"]


@dataclass
class IngestReport:
    received: int = 0
    written: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str, count: int) -> None:
        if count:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(count)


def haversine_m(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    lat1, lon1, lat2, lon2 = (np.radians(x) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6_371_000 * 2 * np.arcsin(np.sqrt(a))


class TrackStore:
    def __init__(self, settings: Settings, folder: Path | None = None) -> None:
        self.root = folder or settings.data_dir / "tracks" / "points"
        self.root.mkdir(parents=True, exist_ok=True)
        self._database: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()

    @property
    def glob(self) -> str:
        return str(self.root / "day=*" / "*.parquet")

    def empty(self) -> bool:
        return not any(self.root.glob("day=*/*.parquet"))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A cursor on this store's one in-memory DuckDB (opening DuckDB costs more than a small query)."""
        with self._lock:
            if self._database is None:
                self._database = duckdb.connect()
                self._database.execute("SET threads TO 2")
            return self._database.cursor()

    def files(self, start: str | None = None, end: str | None = None) -> list[str]:
        """Parquet files of the days that overlap [start, end] (all days without a window)."""
        first, last = (start or "0000")[:10], (end or "9999")[:10]
        days = [d for d in self.root.glob("day=*") if first <= d.name[4:] <= last]
        return sorted(str(f) for d in days for f in d.glob("*.parquet"))

    def clean(self, frame: pd.DataFrame, report: IngestReport) -> pd.DataFrame:
        """Coerce types; drop malformed, out-of-range, duplicate and impossible points, counting each reason."""
        missing = [c for c in ("target", "ts", "lat", "lon") if c not in frame.columns]
        if missing:
            raise ValueError(f"points need columns target, ts, lat, lon; missing: {', '.join(missing)}")
        frame = frame.copy()
        report.received += len(frame)
        frame["kind"] = frame.get("kind", "vehicle")
        frame["kind"] = frame["kind"].fillna("vehicle").astype(str)
        frame["speed"] = pd.to_numeric(frame.get("speed", np.nan), errors="coerce")
        frame["ts"] = pd.to_datetime(frame["ts"], errors="coerce", utc=True, format="mixed").dt.tz_localize(
            None
        )
        frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
        frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
        bad = frame["ts"].isna() | frame["lat"].isna() | frame["lon"].isna() | frame["target"].isna()
        report.drop("malformed (time or coordinates unreadable)", bad.sum())
        frame = frame[~bad]
        out = ~frame["lat"].between(-90, 90) | ~frame["lon"].between(-180, 180)
        report.drop("coordinates out of range", out.sum())
        frame = frame[~out]
        before = len(frame)
        frame = frame.drop_duplicates(["target", "ts"])
        report.drop("duplicate (same target and time)", before - len(frame))
        frame = frame.sort_values(["target", "ts"])
        keep = np.ones(len(frame), dtype=bool)
        prev_target = frame["target"].shift()
        dt_s = (frame["ts"] - frame["ts"].shift()).dt.total_seconds()
        dist = haversine_m(frame["lat"].shift(), frame["lon"].shift(), frame["lat"], frame["lon"])
        limit = frame["kind"].map(MAX_SPEED_KMH).fillna(160.0) / 3.6
        jump = (prev_target == frame["target"]) & (dt_s > 0) & (dist / dt_s > limit)
        keep &= ~jump.to_numpy()
        report.drop("impossible jump (faster than the target can move)", jump.sum())
        return frame[keep][COLUMNS]

    def write(self, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        frame = frame.assign(day=frame["ts"].dt.strftime("%Y-%m-%d"))
        for day, part in frame.groupby("day"):
            folder = self.root / f"day={day}"
            folder.mkdir(parents=True, exist_ok=True)
            part.drop(columns=["day"]).to_parquet(folder / f"{uuid.uuid4().hex}.parquet", index=False)
        return len(frame)

    def ingest(self, frame: pd.DataFrame) -> IngestReport:
        report = IngestReport()
        report.written = self.write(self.clean(frame, report))
        return report

    def ingest_file(self, path: Path) -> IngestReport:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix in (".jsonl", ".ndjson"):
            rows, report = [], IngestReport()
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    report.drop("malformed JSON line", 1)
                    report.received += 1
            cleaned = self.clean(pd.DataFrame(rows), report)
            report.written = self.write(cleaned)
            return report
        else:
            frame = pd.read_csv(path)
        return self.ingest(frame)

    def query(
        self, sql: str, params: list[Any] | None = None, *, window: tuple[str, str] | None = None
    ) -> pd.DataFrame:
        """Run SQL where ``points`` names the stored points (target, kind, ts, lat, lon, speed); with a
        ``window`` only the days it overlaps are read."""
        files = self.files(*window) if window else self.files()
        with self.connect() as con:
            if not files:
                con.execute(
                    "CREATE OR REPLACE TEMP VIEW points AS SELECT NULL::VARCHAR AS target, NULL::VARCHAR AS kind, "
                    "NULL::TIMESTAMP AS ts, NULL::DOUBLE AS lat, NULL::DOUBLE AS lon, NULL::DOUBLE AS speed "
                    "WHERE false"
                )
            else:
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW points AS SELECT target, kind, ts, lat, lon, speed "
                    f"FROM read_parquet([{listed}])"
                )
            return con.execute(sql, params or []).df()
