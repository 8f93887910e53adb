"""What the commands with a ``--backend`` share: Spark's failures (no Java, no pyspark, a folder Spark cannot
read) said as the command's usage error, naming what is missing, rather than as a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from tianji.core.settings import Settings
from tianji.core.spark import SparkUnavailable, spark_session

SPARK_PACKAGES = ("pyspark", "py4j")


def _analysis_errors() -> tuple[type[BaseException], ...]:
    """Spark's error for a query it cannot analyse (a missing path or column), when pyspark is there."""
    try:
        from pyspark.errors import AnalysisException
    except ModuleNotFoundError:
        return ()
    return (AnalysisException,)


@contextmanager
def spark_errors(reading: str = "") -> Iterator[None]:
    """Inside the block, Spark's failures become ``typer.BadParameter``: no Java runtime and no pyspark as a
    bad ``--backend``; a path or column Spark cannot find as a bad ``reading`` (the option named)."""
    try:
        yield
    except SparkUnavailable as exc:
        raise typer.BadParameter(f"spark cannot start: {exc}", param_hint="--backend") from None
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in SPARK_PACKAGES:
            raise
        raise typer.BadParameter(
            f"spark needs the {exc.name} package, not installed here (pip install 'tianji[spark]')",
            param_hint="--backend",
        ) from None
    except _analysis_errors() as exc:
        said = str(exc).strip().splitlines()[0]
        raise typer.BadParameter(f"spark could not read it: {said}", param_hint=reading or None) from None


def session(settings: Settings) -> Any:
    """The Spark session, started now so that a missing Java or pyspark is said before any work."""
    with spark_errors():
        return spark_session(settings)
