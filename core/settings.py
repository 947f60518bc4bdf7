"""Configuration, read once from the environment and `.env`.

Every knob of the service is here so that the README's settings table has a single source. Neo4j
settings use the `NEO4J_` names that Neo4j's own tools use; everything else is `RAPPORT_*`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_LOCAL_PASSWORD = "rapport-local-dev"  # noqa: S105 - local, loopback-only dev database
#: Passwords production refuses: ours (local dev, docker-compose) and Neo4j's factory default.
WEAK_NEO4J_PASSWORDS = frozenset(
    {DEFAULT_LOCAL_PASSWORD, "change-me-rapport", "neo4j", "password", ""}
)
MIN_HS256_SECRET_BYTES = 32


@dataclass(frozen=True)
class Budgets:
    """How long one database operation may wait, each part explicit (README: settings table).

    - `connect_s`: one TCP connect and Bolt handshake;
    - `acquire_s`: one wait for a pooled connection (connecting included);
    - `retry_s`: the whole budget of an operation that cannot reach the database (or keeps
      failing transiently): no attempt starts and no connection wait lasts past it, so such a
      request gets DATABASE_UNAVAILABLE within `retry_s` of its first attempt;
    - `tx_timeout_s`: how long one transaction may run once it has its connection (enforced by
      the server, and by the client `GRACE_S` later should the server stop answering);
    - `retry_after_s`: the `Retry-After` clients are told when the database is unavailable.
    """

    connect_s: float = 5.0
    acquire_s: float = 5.0
    retry_s: float = 5.0
    tx_timeout_s: float = 30.0
    retry_after_s: int = 5


class Settings(BaseSettings):
    """All settings; see the table in README.md."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # --- Neo4j connection ---------------------------------------------------------------------
    neo4j_uri: str | None = Field(
        default=None,
        alias="NEO4J_URI",
        description="Bolt/neo4j URI. Unset: use the local Neo4j that `rapport db start` runs.",
    )
    neo4j_user: str = Field(default="neo4j", alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(
        default=SecretStr(DEFAULT_LOCAL_PASSWORD), alias="NEO4J_PASSWORD"
    )
    neo4j_database: str = Field(default="neo4j", alias="NEO4J_DATABASE")
    neo4j_tx_timeout_s: float = Field(
        default=30.0,
        alias="RAPPORT_NEO4J_TX_TIMEOUT",
        description="Seconds one transaction may run once it has its connection (QUERY_TIMEOUT).",
    )
    neo4j_connect_timeout_s: float = Field(
        default=5.0,
        alias="RAPPORT_NEO4J_CONNECT_TIMEOUT",
        description="Seconds for one TCP connect and Bolt handshake to Neo4j.",
    )
    neo4j_acquire_timeout_s: float = Field(
        default=5.0,
        alias="RAPPORT_NEO4J_ACQUIRE_TIMEOUT",
        description="Seconds one attempt waits for a pooled connection (connecting included).",
    )
    neo4j_retry_budget_s: float = Field(
        default=5.0,
        alias="RAPPORT_NEO4J_RETRY_BUDGET",
        description="Seconds an operation may spend on attempts that cannot reach the database "
        "(or fail transiently) before it answers 503 DATABASE_UNAVAILABLE; no attempt or "
        "connection wait lasts past it.",
    )
    retry_after_s: int = Field(
        default=5,
        alias="RAPPORT_RETRY_AFTER",
        description="The Retry-After (seconds) of 503 answers: database unavailable, overload.",
    )
    analysis_tx_timeout_s: float = Field(
        default=120.0,
        alias="RAPPORT_ANALYSIS_TX_TIMEOUT",
        description="Timeout of whole-database analyses (duplicateCandidates' blocking scan), "
        "which read every record by design.",
    )

    batch_tx_timeout_s: float = Field(
        default=60.0,
        alias="RAPPORT_BATCH_TX_TIMEOUT",
        description="Timeout of one transaction of long work (rapport seed, rapport import); "
        "a batch that would take longer is split into smaller transactions.",
    )

    # --- Local Neo4j (only when NEO4J_URI is unset) ---------------------------------------------
    data_dir: Path = Field(default=Path(".rapport"), alias="RAPPORT_DATA_DIR")
    launcher_dir: Path = Field(
        default=Path(".rapport/launcher"),
        alias="RAPPORT_LAUNCHER_DIR",
        description="Where the Neo4j launcher's classpath and compiled class are cached.",
    )
    local_neo4j_port: int = Field(default=7687, alias="RAPPORT_NEO4J_PORT")
    local_neo4j_heap: str = Field(default="1g", alias="RAPPORT_NEO4J_HEAP")
    local_neo4j_pagecache: str = Field(default="1g", alias="RAPPORT_NEO4J_PAGECACHE")
    local_neo4j_start_timeout_s: float = Field(default=180.0, alias="RAPPORT_NEO4J_START_TIMEOUT")

    # --- HTTP service ---------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", alias="RAPPORT_HOST")
    port: int = Field(default=8000, alias="RAPPORT_PORT")
    env: Literal["development", "production"] = Field(default="development", alias="RAPPORT_ENV")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="RAPPORT_LOG_LEVEL"
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        alias="RAPPORT_LOG_FORMAT",
        description="json: one JSON object per line; text: readable lines; auto: json in "
        "production, text in development.",
    )
    traces: Literal["off", "otlp", "console"] = Field(
        default="off",
        alias="RAPPORT_TRACES",
        description="OpenTelemetry traces: off, otlp (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT) "
        "or console (spans printed on stdout).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        alias="RAPPORT_METRICS_TOKEN",
        description="Bearer token GET /metrics requires. Unset: /metrics is open in "
        "development and not served (404) in production.",
    )
    default_phone_region: str = Field(default="SK", alias="RAPPORT_DEFAULT_PHONE_REGION")
    max_page_size: int = Field(default=500, alias="RAPPORT_MAX_PAGE_SIZE")

    # --- Authentication (docs/security.md) ------------------------------------------------------
    auth_cache_ttl_s: float = Field(
        default=30.0,
        alias="RAPPORT_AUTH_CACHE_TTL",
        description="Seconds a verified token is trusted without a database look-up; a revoked "
        "key stops working within this time.",
    )
    key_last_used_interval_s: float = Field(
        default=60.0,
        alias="RAPPORT_KEY_LAST_USED_INTERVAL",
        description="At most one background lastUsedAt write per key per this many seconds; "
        "0 turns the bookkeeping off.",
    )
    jwt_secret: SecretStr | None = Field(
        default=None, alias="RAPPORT_JWT_SECRET", description="HS256 secret (>= 32 bytes)."
    )
    jwt_public_key: str | None = Field(
        default=None,
        alias="RAPPORT_JWT_PUBLIC_KEY",
        description="PEM public key (RSA: RS256, EC: ES256/384/512), or the path of a PEM file.",
    )
    jwt_jwks_url: str | None = Field(default=None, alias="RAPPORT_JWT_JWKS_URL")
    jwt_issuer: str | None = Field(default=None, alias="RAPPORT_JWT_ISSUER")
    jwt_audience: str | None = Field(default=None, alias="RAPPORT_JWT_AUDIENCE")
    jwt_role_claim: str = Field(default="role", alias="RAPPORT_JWT_ROLE_CLAIM")
    jwt_email_claim: str = Field(default="email", alias="RAPPORT_JWT_EMAIL_CLAIM")
    jwt_auto_provision: bool = Field(default=False, alias="RAPPORT_JWT_AUTO_PROVISION")
    jwt_leeway_s: int = Field(default=30, alias="RAPPORT_JWT_LEEWAY")

    # --- Abuse limits (docs/security.md) --------------------------------------------------------
    max_query_depth: int = Field(default=10, alias="RAPPORT_MAX_QUERY_DEPTH")
    max_aliases: int = Field(default=30, alias="RAPPORT_MAX_ALIASES")
    max_tokens: int = Field(default=2000, alias="RAPPORT_MAX_TOKENS")
    max_fields: int = Field(
        default=1000,
        alias="RAPPORT_MAX_FIELDS",
        description="Fields an operation may select once its fragments are expanded.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, alias="RAPPORT_MAX_BODY_BYTES")
    fast_path: bool = Field(
        default=True,
        alias="RAPPORT_FAST_PATH",
        description="Build compiled read results without per-field GraphQL execution, from the "
        "values as the driver decoded them.",
    )
    rate_limit_per_s: float = Field(
        default=20.0, alias="RAPPORT_RATE_LIMIT", description="Requests/s per token; 0 disables."
    )
    rate_limit_burst: int = Field(default=40, alias="RAPPORT_RATE_BURST")
    max_in_flight: int = Field(
        default=16,
        alias="RAPPORT_MAX_IN_FLIGHT",
        description="Requests in flight at once in one process (not health, readiness, the "
        "playground page); more get an "
        "immediate 503 OVERLOADED with Retry-After. 0 disables.",
    )
    max_in_flight_per_viewer: int = Field(
        default=8,
        alias="RAPPORT_MAX_IN_FLIGHT_PER_VIEWER",
        description="The same bound per API key (per user for JWTs); 0 disables.",
    )
    changes_retention_days: float = Field(
        default=30.0,
        gt=0,
        alias="RAPPORT_CHANGES_RETENTION_DAYS",
        description="How far back the change feed replays: a cursor older than this gets "
        "CURSOR_EXPIRED (the audit trail itself is kept).",
    )
    changes_poll_interval_s: float = Field(
        default=0.2,
        gt=0,
        alias="RAPPORT_CHANGES_POLL_INTERVAL",
        description="Seconds between two reads of the change log by a process's poller.",
    )
    changes_max_pending: int = Field(
        default=1000,
        gt=0,
        alias="RAPPORT_CHANGES_MAX_PENDING",
        description="Changes a subscriber may have waiting before it is dropped (close 4429).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        alias="RAPPORT_CORS_ORIGINS",
        description="Comma-separated origins allowed to call the API from a browser.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def budgets(self) -> Budgets:
        """The database wait budgets (`Budgets` above) these settings give."""
        return Budgets(
            connect_s=self.neo4j_connect_timeout_s,
            acquire_s=self.neo4j_acquire_timeout_s,
            retry_s=self.neo4j_retry_budget_s,
            tx_timeout_s=self.neo4j_tx_timeout_s,
            retry_after_s=self.retry_after_s,
        )

    @property
    def json_logs(self) -> bool:
        """Whether log lines are JSON objects (RAPPORT_LOG_FORMAT, by default per environment)."""
        if self.log_format == "auto":
            return self.env == "production"
        return self.log_format == "json"

    @property
    def admin_token_file(self) -> Path:
        """Where `rapport auth bootstrap` keeps the first admin key (mode 600)."""
        return self.data_dir / "admin-token"

    def startup_problems(self) -> list[str]:
        """Reasons the service must not start with this configuration (empty: fine)."""
        problems: list[str] = []
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else None
        if secret is not None and len(secret.encode()) < MIN_HS256_SECRET_BYTES:
            problems.append(
                f"RAPPORT_JWT_SECRET is {len(secret.encode())} bytes; HS256 needs at least "
                f"{MIN_HS256_SECRET_BYTES} (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        if self.env == "production":
            if self.neo4j_password.get_secret_value() in WEAK_NEO4J_PASSWORDS:
                problems.append(
                    "NEO4J_PASSWORD is a default password; set a strong one for production."
                )
            if self.jwt_jwks_url and not self.jwt_jwks_url.startswith("https://"):
                problems.append("RAPPORT_JWT_JWKS_URL must be an https:// URL in production.")
        return problems

    @property
    def uses_local_neo4j(self) -> bool:
        """True when Rapport should run (and may start) its own Neo4j."""
        return not self.neo4j_uri

    @property
    def effective_neo4j_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.local_neo4j_port}"

    @property
    def neo4j_home(self) -> Path:
        return self.data_dir / "neo4j"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests build their own `Settings` instead of using this."""
    return Settings()
