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
        description="embedded://DIR (FalkorDB started by the platform), redis://host:port, "
        "sentinel://host:port[,host:port…]/MASTER (FalkorDB with replicas behind Sentinel), neo4j://, neo4j+s://, "
        "bolt://",
    )
    graph_name: str = Field("tianji", description="name of the graph inside the database")
    graph_port: int = Field(0, description="port of the embedded server; 0 picks a free port")
    graph_appendfsync: Literal["always", "everysec", "no"] = Field(
        "everysec", description="AOF fsync policy of the embedded server"
    )
    graph_timeout_ms: int = Field(
        30_000,
        description="default query timeout (FalkorDB TIMEOUT_DEFAULT; applied once the saved graphs are replayed)",
    )
    graph_timeout_max_ms: int = Field(120_000, description="longest query timeout any caller may ask for")
    graph_query_mem_mb: int = Field(4096, description="memory cap per query (FalkorDB QUERY_MEM_CAPACITY)")
    graph_batch_size: int = Field(5000, description="rows per UNWIND batch in bulk writes")
    ingest_worker_rows: int = Field(
        20_000, ge=0, description="files of this many lines or more are planned in a worker process"
    )
    ingest_bulk: bool = Field(
        True, description="a load into an empty graph creates new nodes instead of merging them"
    )
    graph_min_replicas: int = Field(
        0,
        ge=0,
        description="replicas that must hold a write before it is acknowledged (WAIT after every write batch; "
        "the local replicated graph also refuses writes with fewer replicas connected)",
    )
    graph_replica_wait_ms: int = Field(
        5000, ge=1, description="how long a write waits for graph_min_replicas replicas before it fails"
    )
    graph_stale_reads: bool = Field(
        False,
        description="read-only queries go to a replica unless the caller asks for the primary (reads may lag "
        "the last writes by the replication delay)",
    )
    graph_failover_wait_s: float = Field(
        30.0,
        ge=0,
        description="with Sentinel: how long a query keeps retrying while a new primary is elected",
    )
    graph_sentinel_down_after_ms: int = Field(
        3000, ge=100, description="local replicated graph: a primary silent this long is considered down"
    )
    graph_sentinel_failover_timeout_ms: int = Field(
        10_000, ge=1000, description="local replicated graph: Sentinel's failover-timeout"
    )
    neo4j_user: str = Field("neo4j", description="user for neo4j:// and bolt:// URIs")
    neo4j_password: str = Field("", description="password for neo4j:// and bolt:// URIs")

    data_dir: Path = Field(
        Path("./var"), description="working data: quarantine files, models, tracks, job store"
    )
    demo_scale: Literal["small", "medium", "large"] = Field(
        "medium", description="demo world size for make run"
    )
    demo_seed: int = Field(7, description="seed of the demo world")
    spark_master: str = Field(
        "local[2]",
        description="Spark master of the batch paths (local[N] in one process, spark://host:7077 or yarn on "
        "a cluster)",
    )
    spark_driver_memory: str = Field("1g", description="memory of the Spark driver (local: of the whole job)")
    spark_scratch: str = Field(
        "",
        description="folder where Spark jobs write their intermediate tables (a cluster: one every executor "
        "reaches, hdfs://… or s3a://…); empty: <data_dir>/spark/scratch on local[N], kept in Spark's cache "
        "on a cluster",
    )

    smtp_host: str = Field("", description="SMTP server for alert e-mail; empty turns the e-mail channel off")
    smtp_port: int = Field(25, description="SMTP port")
    smtp_sender: str = Field("tianji-alerts@localhost", description="From address of alert e-mail")
    smtp_user: str = Field("", description="SMTP login, if the server needs one")
    smtp_password: str = Field("", description="SMTP password")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    sms_gateway_url: str = Field("", description="HTTP endpoint of the SMS gateway; empty turns SMS off")
    sms_payload: str = Field(
        '{"to": "{phone}", "text": "{text}", "id": "{key}"}',
        description="JSON body sent to the SMS gateway; {phone}, {text} and {key} are filled in",
    )
    sms_token: str = Field("", description="bearer token sent to the SMS gateway")
    delivery_max_attempts: int = Field(
        8, description="attempts per alert and channel before it is marked failed"
    )
    delivery_backoff_s: float = Field(
        5.0, description="first retry delay; doubles with each attempt (capped at 1 h)"
    )
    alerts_watermark_overlap_s: int = Field(
        120,
        ge=0,
        description="each watch scan looks this far back before its watermark, for facts written while the"
        " previous scan ran (repeats are de-duplicated)",
    )
    digest_threshold: int = Field(
        5, description="more alerts than this for one user in one scan go out as one digest"
    )
    jobs_store: str = Field(
        "", description="SQLAlchemy URL of the scheduler's job store; default sqlite in data_dir"
    )
    jobs_misfire_grace_s: int = Field(
        300, description="a job that missed its time by less than this still runs"
    )
    jobs_scan_interval_s: int = Field(60, description="seconds between watch and drift scans")
    jobs_delivery_interval_s: int = Field(
        10, description="seconds between delivery attempts of pending alerts"
    )
    jobs_digest_hour: int = Field(8, description="hour of the daily digest (local time)")

    auth_secret: str = Field(
        "dev-only-secret-change-me-0123456789abcdef",
        description="HMAC secret that signs JWT bearer tokens (at least 32 characters; required in production)",
    )
    hash_secret: str = Field(
        "dev-only-hash-secret-change-me-0123456789",
        description="HMAC secret that keys the hashes of ID numbers, bank accounts and phone numbers (at least "
        "32 characters; required in production; changing it changes every such key, so re-ingest)",
    )
    audit_secret: str = Field(
        "",
        description="HMAC secret that keys the audit log's hash chain; empty: derived from the token secret "
        "(set it to rotate the token secret without re-keying the chain)",
    )
    signin_max_failures: int = Field(
        5,
        ge=1,
        description="failed sign-ins of one account within signin_window_s before it is refused a while",
    )
    signin_max_failures_per_address: int = Field(
        30,
        ge=1,
        description="failed sign-ins from one client address within signin_window_s before it is refused",
    )
    signin_window_s: float = Field(
        900.0,
        gt=0,
        description="window (seconds) over which failed sign-ins are counted, and the longest refusal",
    )
    auth_token_hours: int = Field(12, description="lifetime of issued JWT tokens")
    auth_modes: str = Field("jwt,apikey", description="accepted bearer token kinds: jwt, apikey or both")
    api_max_depth: int = Field(8, description="deepest GraphQL selection accepted")
    api_max_aliases: int = Field(15, description="most aliases in one GraphQL document")
    api_max_tokens: int = Field(2000, description="most tokens in one GraphQL document")
    api_max_complexity: int = Field(5000, description="highest estimated cost of one GraphQL request")
    ocr_engine: Literal["rapidocr", "paddleocr"] = Field(
        "rapidocr", description="OCR engine: PP-OCRv4 through rapidocr-onnxruntime, or PaddleOCR itself"
    )
    paddleocr_models: Path | None = Field(
        None, description="folder with PaddleOCR inference models (det/, rec/) when ocr_engine is paddleocr"
    )
    api_max_body_bytes: int = Field(200_000, description="largest accepted request body (GraphQL and others)")
    api_max_dashboard_body_bytes: int = Field(
        20_000_000,
        description="largest accepted dashboard callback body (a callback carries the canvas's board, about "
        "300 bytes a node, and its history)",
    )
    api_max_upload_bytes: int = Field(
        25_000_000, description="largest accepted upload (certificate and document images, ingest files)"
    )
    api_timeout_s: float = Field(20.0, description="longest time one request may take")
    api_max_concurrent_per_user: int = Field(
        4, ge=1, description="most GraphQL operations one user may have running at once; more are refused"
    )
    api_introspection: bool | None = Field(
        None, description="allow schema introspection; default: on except in production"
    )
    api_max_nodes: int = Field(
        2000, description="most nodes a neighbourhood returns before it says truncated"
    )

    session_hours: float = Field(
        8.0, gt=0, description="lifetime of a dashboard sign-in session; the officer signs in again after it"
    )
    oidc_issuer: str = Field(
        "", description="OpenID Connect issuer URL (its discovery document is read); empty turns OIDC off"
    )
    oidc_client_id: str = Field("", description="client id registered with the identity provider")
    oidc_client_secret: str = Field("", description="client secret registered with the identity provider")
    oidc_redirect_uri: str = Field(
        "",
        description="this server's callback as registered, e.g. https://tianji.example/login/oidc/callback",
    )
    oidc_scopes: str = Field("openid profile email", description="scopes asked of the identity provider")
    oidc_name_claim: str = Field("preferred_username", description="id_token claim holding the sign-in name")
    oidc_role_claim: str = Field(
        "tianji_role",
        description="claim holding the role, or a list of groups mapped by TIANJI_OIDC_ROLE_MAP",
    )
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description='JSON map from a claim value (group) to a role, e.g. {"risk-analysts": "analyst"}; '
        "without it the claim must name a role",
    )
    oidc_unit_claim: str = Field("tianji_unit", description="claim holding the officer's customs unit")

    api_host: str = Field("127.0.0.1", description="address the API and dashboards bind to")
    api_port: int = Field(8000, description="port of the API and dashboards")
    api_workers: int = Field(
        0, ge=0, description="API worker processes sharing the graph server; 0: one per CPU core"
    )
    api_persisted_queries: Literal["auto", "allowlist", "off"] = Field(
        "auto",
        description="auto: clients may register queries by sha256 hash (automatic persisted queries); "
        "allowlist: only the documents of TIANJI_API_ALLOWLIST run; off: hashes are not accepted",
    )
    api_allowlist: Path | None = Field(
        None, description="persisted-query manifest (JSON) whose documents alone run in allowlist mode"
    )
    graph_pool_size: int = Field(
        0,
        ge=0,
        description="graph connections per process; 0: four per core shared out between the API workers, "
        "at least 4",
    )

    @field_validator("graph_uri")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        schemes = (
            "embedded://",
            "redis://",
            "rediss://",
            "sentinel://",
            "neo4j://",
            "neo4j+s://",
            "bolt://",
            "bolt+s://",
        )
        if not value.startswith(schemes):
            raise ValueError(f"graph_uri must start with one of {', '.join(schemes)}; got {value!r}")
        return value

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.environment == "production" and (
            len(self.auth_secret) < 32 or self.auth_secret.startswith("dev-only")
        ):
            raise ValueError("production needs TIANJI_AUTH_SECRET: a random secret of at least 32 characters")
        if (
            self.environment == "production"
            and self.graph_uri.startswith(("neo4j", "bolt"))
            and not self.neo4j_password
        ):
            raise ValueError("production with a Neo4j graph needs TIANJI_NEO4J_PASSWORD")
        if self.environment == "production" and (
            len(self.hash_secret) < 32 or self.hash_secret.startswith("dev-only")
        ):
            raise ValueError("production needs TIANJI_HASH_SECRET: a random secret of at least 32 characters")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_redirect_uri):
            raise ValueError("TIANJI_OIDC_ISSUER needs TIANJI_OIDC_CLIENT_ID and TIANJI_OIDC_REDIRECT_URI")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Session cookies are sent over HTTPS only, except in development."""
        return self.environment != "development"

    @property
    def introspection(self) -> bool:
        return (
            self.api_introspection if self.api_introspection is not None else self.environment != "production"
        )

    def path(self, *parts: str) -> Path:
        """A path under the data directory, created on demand."""
        target = self.data_dir.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment on first use."""
    return Settings()
