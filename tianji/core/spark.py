"""The one SparkSession of the batch paths, built from settings when first asked for (never at import).

``local[N]`` runs Spark inside this process's JVM with N threads: small shuffles, quiet logs and a
modest driver. A cluster URL (``spark://host:7077``, ``yarn``) keeps Spark's own defaults for the
shuffle; the Parquet paths the jobs read must then be reachable by every executor (docs/scale.md).
Splink's similarity functions (Jaro-Winkler, Damerau-Levenshtein) come from the jar it ships, put on
the session's class path here.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Literal, get_args

from tianji.core.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# where a batch path runs: in this process (DuckDB, pandas) or on Spark; every command with a --backend
Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
_lock = threading.Lock()
LOCAL_SHUFFLE_PARTITIONS = 4
# the session's conf key naming the folder jobs write their intermediate tables under (settings.spark_scratch)
SCRATCH_CONF = "spark.tianji.scratch"
# Spark's own log: errors only, to stderr (its default prints warnings about the host and native code)
QUIET_LOG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


class SparkUnavailable(RuntimeError):
    """No Java runtime to start Spark with (``make system`` installs openjdk-17-jre-headless)."""


def java_available() -> bool:
    """Whether a Java runtime is there for Spark (JAVA_HOME or ``java`` on the PATH)."""
    home = os.environ.get("JAVA_HOME")
    return bool((home and os.path.exists(os.path.join(home, "bin", "java"))) or shutil.which("java"))


def _similarity_jar() -> str:
    # lazy: Splink's Spark backend imports pyspark (heavy, needed only when a session starts)
    from splink.backends.spark import similarity_jar_location

    return similarity_jar_location()


def spark_session(settings: Settings) -> SparkSession:
    """The session for ``settings.spark_master``, created on first use and shared after (Spark allows one
    per process; a second call with another master returns the running one)."""
    if not java_available():
        raise SparkUnavailable("no Java runtime: install openjdk-17-jre-headless (make system)")
    # lazy: pyspark is heavy and needed only when a Spark backend is chosen
    from pyspark.sql import SparkSession

    # pyspark 4.3 warns on pandas 3; the paths used here are held equal to in-process by tests
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        local = settings.spark_master.startswith("local")
        folder = (settings.data_dir / "spark").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "log4j2.properties"
        log.write_text(QUIET_LOG, encoding="utf-8")
        if local:
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # Python workers (pandas UDFs) run this interpreter, with this environment's packages
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            SparkSession.builder.master(settings.spark_master)
            .appName("tianji-batch")
            .config("spark.driver.memory", settings.spark_driver_memory)
            .config("spark.jars", _similarity_jar())
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            # the track store's timestamps are written in nanoseconds: read as epoch nanoseconds
            .config("spark.sql.legacy.parquet.nanosAsLong", "true")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log.as_uri()}")
        )
        scratch = settings.spark_scratch or (str(folder / "scratch") if local else "")
        if scratch:
            builder = builder.config(SCRATCH_CONF, scratch)
        if local:
            builder = (
                builder.config("spark.sql.shuffle.partitions", str(LOCAL_SHUFFLE_PARTITIONS))
                .config("spark.default.parallelism", str(LOCAL_SHUFFLE_PARTITIONS))
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.local.dir", str(folder))
            )
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


def stop_spark() -> None:
    """Stop the running session, if any (its JVM stays for the next one)."""
    # lazy: pyspark is heavy and needed only when a Spark backend is chosen
    from pyspark.sql import SparkSession

    with _lock:
        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
