"""Backups of the local Neo4j and changing its password, on throwaway Neo4j instances.

One flow, to start as few DBMSs as possible: a Neo4j with records is backed up (refused while
it runs, then copied stopped), the backup is restored into a fresh data directory and a new
Neo4j started on it finds every record; there `rapport db set-password` changes the password,
after which the new one connects and the old one is refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
from typer.testing import CliRunner

from core.settings import get_settings
from graphdb.local.backup import MANIFEST, backup, restore
from graphdb.local.launcher import LocalNeo4jError
from graphdb.local.password import set_password
from graphdb.local.server import LocalNeo4jConfig, start, stop
from rapport.cli import app
from tests.conftest import REPO_ROOT, free_port

PASSWORD = "backup-test-password"
RECORDS = 250


def _records(config: LocalNeo4jConfig, password: str = PASSWORD) -> list[int]:
    with GraphDatabase.driver(config.uri, auth=("neo4j", password)) as driver:
        rows, _, _ = driver.execute_query("MATCH (r:BackupProbe) RETURN r.n AS n ORDER BY n")
    return [int(row["n"]) for row in rows]


def test_backup_restore_into_a_fresh_data_dir_then_set_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = LocalNeo4jConfig(
        home=tmp_path / "original",
        launcher_dir=REPO_ROOT / ".rapport" / "launcher",
        port=free_port(),
        password=PASSWORD,
        heap="512m",
        pagecache="128m",
    )
    start(original)
    try:
        with GraphDatabase.driver(original.uri, auth=("neo4j", PASSWORD)) as driver:
            driver.execute_query(
                "UNWIND range(1, $n) AS n CREATE (:BackupProbe {n: n})", {"n": RECORDS}
            )
        with pytest.raises(LocalNeo4jError, match="--stop"):
            backup(original, tmp_path / "backup")
        assert not (tmp_path / "backup").exists()
    finally:
        stop(original)
    copied = backup(original, tmp_path / "backup")
    assert (tmp_path / "backup" / MANIFEST).is_file() and copied.files > 0
    with pytest.raises(LocalNeo4jError, match="not empty"):
        backup(original, tmp_path / "backup")

    # A fresh data directory (no data at all). The backup's users come with it: the settings
    # must name the backup's password (`start` checks that it connects).
    fresh = dataclasses.replace(original, home=tmp_path / "fresh", port=free_port())
    restored = restore(fresh, tmp_path / "backup")
    assert restored.replaced is None
    with pytest.raises(LocalNeo4jError, match="--replace"):
        restore(fresh, tmp_path / "backup")
    with pytest.raises(LocalNeo4jError, match="not a Rapport backup"):
        restore(fresh, tmp_path)
    start(fresh)
    try:
        assert _records(fresh) == list(range(1, RECORDS + 1))

        # Refused before anything changes: a wrong current password, a too short new one.
        with pytest.raises(LocalNeo4jError, match="refused the current password"):
            asyncio.run(set_password(fresh.uri, "neo4j", "wrong-password", "long-enough-1"))
        with pytest.raises(LocalNeo4jError, match="at least 8"):
            asyncio.run(set_password(fresh.uri, "neo4j", PASSWORD, "short"))

        env_file = tmp_path / ".env"
        env_file.write_text("RAPPORT_LOG_LEVEL=INFO\nNEO4J_PASSWORD=backup-test-password\n")
        monkeypatch.setenv("NEO4J_URI", fresh.uri)
        monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
        monkeypatch.chdir(tmp_path)  # Settings read ./.env, as `rapport` does
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(
                app, ["db", "set-password", "--password", "a-new-password-42"]
            )
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert env_file.read_text().splitlines() == [
            "RAPPORT_LOG_LEVEL=INFO",
            "NEO4J_PASSWORD=a-new-password-42",
        ]
        assert _records(fresh, "a-new-password-42") == list(range(1, RECORDS + 1))
        with pytest.raises(AuthError):
            _records(fresh, PASSWORD)
    finally:
        stop(fresh)
