"""The companion and encounter scans on Spark, over the Parquet the track store writes.

The same rules as ``tracks.analysis.companions`` and ``tracks.sea.encounters`` (and held equal to them
by a test), written in Spark SQL: the store's folder (``day=YYYY-MM-DD/*.parquet``) is read as one table
partitioned by day, so a window reads only its days, and on a cluster the folder is any path every
executor reaches (``hdfs://``, ``s3a://``; docs/scale.md). Buckets are whole seconds since the epoch
(DuckDB's ``time_bucket`` for buckets that divide a day); the places of the encounters found (ports,
anchorages) are then judged in Python, as in-process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from tracks.analysis import METRES_PER_DEG, CompanionConfig
from tracks.sea import KNOT, SeaConfig, placed

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DIST = "111320 * sqrt(pow({a}lat - {b}lat, 2) + pow(({a}lon - {b}lon) * cos(radians({a}lat)), 2))"

POINTS = """
SELECT target, kind, lat, lon, {micros} AS us FROM tianji_points_raw
WHERE day BETWEEN DATE'{first}' AND DATE'{last}'
"""

#: the start of both scans: one point per target of ``kind`` and bucket (the median position), with the
#: bucket and position before it
BUCKETS = """
WITH raw AS (
  SELECT target, div(us, {bucket_us}) * {bucket} AS b, median(lat) AS lat, median(lon) AS lon
  FROM tianji_points WHERE kind = '{kind}' {where} GROUP BY target, div(us, {bucket_us})
), lagged AS (
  SELECT *, lag(b) OVER w AS pb, lag(lat) OVER w AS plat, lag(lon) OVER w AS plon
  FROM raw WINDOW w AS (PARTITION BY target ORDER BY b)
)"""

COMPANIONS = (
    BUCKETS
    + """, p AS (
  SELECT target, b, lat, lon, CAST(floor(lat * {cells}) AS BIGINT) AS gy, CAST(floor(lon * {cells} / 2) AS BIGINT) AS gx
  FROM lagged WHERE pb IS NOT NULL AND b - pb <= {lag_s}
    AND {moved} / (b - pb) * 3.6 >= {min_kmh}
), n AS (
  SELECT p.*, p.gy + dy AS ny, p.gx + dx AS nx FROM p
  LATERAL VIEW explode(array(-1, 0, 1)) ys AS dy LATERAL VIEW explode(array(-1, 0, 1)) xs AS dx
)
SELECT a.target AS a, b.target AS b, count(DISTINCT a.b) AS buckets
FROM p a JOIN n b ON a.b = b.b AND a.gy = b.ny AND a.gx = b.nx AND a.target < b.target
WHERE abs(a.lat - b.lat) * 111320 < {distance} AND abs(a.lon - b.lon) * 111320 * cos(radians(a.lat)) < {distance}
GROUP BY a.target, b.target HAVING count(DISTINCT a.b) >= {min_buckets}
"""
)

ENCOUNTERS = (
    BUCKETS
    + """, v AS (
  SELECT target, b, lat, lon,
    CASE WHEN pb IS NULL OR b - pb > 3600 THEN NULL ELSE {moved} / (b - pb) / {knot} END AS knots
  FROM lagged
), g AS (
  SELECT *, CAST(floor(lat * {cells}) AS BIGINT) AS gy, CAST(floor(lon * {cells} / 2) AS BIGINT) AS gx FROM v
), n AS (
  SELECT g.*, gy + dy AS ny, gx + dx AS nx FROM g
  LATERAL VIEW explode(array(-1, 0, 1)) ys AS dy LATERAL VIEW explode(array(-1, 0, 1)) xs AS dx
), close AS (
  SELECT a.target AS a, b.target AS b, a.b AS t, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon,
         {apart} AS d, a.knots AS ka, b.knots AS kb
  FROM g a JOIN n b ON a.b = b.b AND a.gy = b.ny AND a.gx = b.nx AND a.target < b.target
), near AS (
  SELECT *, lag(t) OVER (PARTITION BY a, b ORDER BY t) AS pt FROM close WHERE d < {distance}
), runs AS (
  SELECT *, sum(CASE WHEN pt IS NULL OR t - pt > {tolerance} THEN 1 ELSE 0 END)
            OVER (PARTITION BY a, b ORDER BY t) AS run FROM near
)
SELECT a, b, CAST(timestamp_seconds(min(t)) AS TIMESTAMP_NTZ) AS started,
       CAST(timestamp_seconds(max(t) + {bucket}) AS TIMESTAMP_NTZ) AS ended, avg(lat) AS lat, avg(lon) AS lon,
       median(d) AS distance_m, median(ka) AS knots_a, median(kb) AS knots_b
FROM runs GROUP BY a, b, run
HAVING max(t) + {bucket} - min(t) >= {min_s} AND median(ka) < {knots} AND median(kb) < {knots}
ORDER BY started, a, b
"""
)


def _micros(spark: SparkSession, root: str) -> str:
    """The expression of a point's time in microseconds since the epoch: the store writes timestamps
    without a zone (read as UTC), or in nanoseconds (read as a number, spark_session's setting)."""
    kind = spark.read.parquet(root).schema["ts"].dataType.typeName()
    return "div(ts, 1000)" if kind == "long" else "unix_micros(CAST(ts AS TIMESTAMP))"


def _days(window: tuple[str, str] | None) -> tuple[str, str]:
    """The first and last day (YYYY-MM-DD) of ``window``, each end parsed as a time: what reaches the SQL
    text is the parsed value, never the text given."""
    if not window:
        return "0001-01-01", "9999-12-31"
    days = []
    for name, text in zip(("start", "end"), window, strict=True):
        try:
            days.append(pd.Timestamp(text).strftime("%Y-%m-%d"))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"the window's {name} {text!r} is not a date or time (YYYY-MM-DD[ HH:MM:SS])"
            ) from exc
    return days[0], days[1]


def register_points(spark: SparkSession, root: str, window: tuple[str, str] | None = None) -> None:
    """``tianji_points`` (target, kind, lat, lon, us) over the store at ``root``, only the days of the window."""
    first, last = _days(window)
    spark.read.parquet(root).createOrReplaceTempView("tianji_points_raw")
    spark.sql(POINTS.format(micros=_micros(spark, root), first=first, last=last)).createOrReplaceTempView(
        "tianji_points"
    )


def _between(window: tuple[str, str] | None) -> str:
    """The filter on the points' time of ``ts BETWEEN start AND end`` (both ends included)."""
    if not window:
        return ""
    lo, hi = (int(pd.Timestamp(t).value // 1000) for t in window)
    return f"AND us BETWEEN {lo} AND {hi}"


def companions(
    spark: SparkSession,
    root: str,
    config: CompanionConfig | None = None,
    day: str | None = None,
    *,
    window: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """``tracks.analysis.companions`` on Spark: pairs a, b and the buckets they spent together."""
    config = config or CompanionConfig()
    if day:
        window = (day, str(pd.Timestamp(day) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)))
    register_points(spark, root, window)
    sql = COMPANIONS.format(
        kind="vehicle",
        bucket=config.bucket_s,
        bucket_us=config.bucket_s * 1_000_000,
        cells=round(METRES_PER_DEG / config.distance_m, 3),
        distance=config.distance_m,
        min_buckets=int(config.minutes * 60 / config.bucket_s),
        where=_between(window),
        lag_s=3 * config.bucket_s,
        min_kmh=config.min_kmh,
        moved=DIST.format(a="", b="p"),
    )
    found = pd.DataFrame(spark.sql(sql).toPandas())
    return found.astype({"buckets": "int64"}).sort_values(["a", "b"]).reset_index(drop=True)


def encounters(
    spark: SparkSession, root: str, config: SeaConfig | None = None, window: tuple[str, str] | None = None
) -> pd.DataFrame:
    """``tracks.sea.encounters`` on Spark: the close, slow runs found in Spark SQL, their places judged here."""
    config = config or SeaConfig()
    register_points(spark, root, window)
    sql = ENCOUNTERS.format(
        kind="vessel",
        bucket=config.bucket_s,
        bucket_us=config.bucket_s * 1_000_000,
        where=_between(window),
        knot=KNOT,
        moved=DIST.format(a="", b="p"),
        apart=DIST.format(a="a.", b="b."),
        cells=round(111_320 / config.encounter_distance_m, 4),
        distance=config.encounter_distance_m,
        tolerance=config.tolerance_s,
        min_s=int(config.encounter_hours * 3600),
        knots=config.max_knots,
    )
    return placed(pd.DataFrame(spark.sql(sql).toPandas()), config)
