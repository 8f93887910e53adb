"""The one configuration surface: environment variables prefixed ``TIANJI_`` and an optional
settings file (``tianji.env`` in the working directory, or the file named by ``TIANJI_ENV_FILE``).

Every setting is documented in ``docs/settings.md``; a test keeps that table and this class in step.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIANJI_",
        env_file=os.environ.get("TIANJI_ENV_FILE", "tianji.env"),
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="production refuses insecure defaults and turns introspection off"
    )
    graph_uri: str = Field(
        "embedded://./var/graph",
        description="embedded://DIR (FalkorDB started by the platform), redis://host:port, neo4j://, neo4j+s://, bolt://",
    )
    graph_name: str = Field("tianji", description="name of the graph inside the database")
    graph_port: int = Field(0, description="port of the embedded server; 0 picks a free port")
    graph_appendfsync: Literal["always", "everysec", "no"] = Field(
        "everysec", description="AOF fsync policy of the embedded server"
    )
    graph_timeout_ms: int = Field(30_000, description="default query timeout (FalkorDB TIMEOUT_DEFAULT)")
    graph_timeout_max_ms: int = Field(120_000, description="longest query timeout any caller may ask for")
    graph_query_mem_mb: int = Field(4096, description="memory cap per query (FalkorDB QUERY_MEM_CAPACITY)")
    graph_batch_size: int = Field(5000, description="rows per UNWIND batch in bulk writes")
    neo4j_user: str = Field("neo4j", description="user for neo4j:// and bolt:// URIs")
    neo4j_password: str = Field("", description="password for neo4j:// and bolt:// URIs")

    data_dir: Path = Field(
        Path("./var"), description="working data: quarantine files, models, tracks, job store"
    )
    demo_scale: Literal["small", "medium", "large"] = Field(
        "medium", description="demo world size for make run"
    )
    demo_seed: int = Field(7, description="seed of the demo world")

    api_host: str = Field("127.0.0.1", description="address the API and dashboards bind to")
    api_port: int = Field(8000, description="port of the API and dashboards")

    @field_validator("graph_uri")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        schemes = ("embedded://", "redis://", "rediss://", "neo4j://", "neo4j+s://", "bolt://", "bolt+s://")
        if not value.startswith(schemes):
            raise ValueError(f"graph_uri must start with one of {', '.join(schemes)}; got {value!r}")
        return value

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if (
            self.environment == "production"
            and self.graph_uri.startswith(("neo4j", "bolt"))
            and not self.neo4j_password
        ):
            raise ValueError("production with a Neo4j graph needs TIANJI_NEO4J_PASSWORD")
        return self

    def path(self, *parts: str) -> Path:
        """A path under the data directory, created on demand."""
        target = self.data_dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment on first use."""
    return Settings()
