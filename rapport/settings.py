"""Configuration, read once from the environment and `.env`.

Every knob of the service is here so that the README's settings table has a single source. Neo4j
settings use the `NEO4J_` names that Neo4j's own tools use; everything else is `RAPPORT_*`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LOCAL_PASSWORD = "rapport-local-dev"  # noqa: S105 - local, loopback-only dev database


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
    neo4j_tx_timeout_s: float = Field(default=30.0, alias="RAPPORT_NEO4J_TX_TIMEOUT")

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
    default_phone_region: str = Field(default="SK", alias="RAPPORT_DEFAULT_PHONE_REGION")
    max_page_size: int = Field(default=500, alias="RAPPORT_MAX_PAGE_SIZE")

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
