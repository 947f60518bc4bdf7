"""The project's own Neo4j: start is idempotent, stop is graceful, data survives, errors are clear.

These tests run a second, throwaway Neo4j (its own port and data directory) because they stop
and restart it; the session's shared database is never touched.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from neo4j import GraphDatabase

from core.settings import Settings
from graphdb.local.launcher import LocalNeo4jError
from graphdb.local.server import LocalNeo4jConfig, start, status, stop
from rapport.app import create_app
from tests.conftest import REPO_ROOT, free_port

PASSWORD = "lifecycle-test-password"


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4jConfig]:
    config = LocalNeo4jConfig(
        home=tmp_path_factory.mktemp("own-neo4j"),
        launcher_dir=REPO_ROOT / ".rapport" / "launcher",
        port=free_port(),
        password=PASSWORD,
        heap="512m",
        pagecache="128m",
    )
    start(config)
    yield config
    stop(config)


def _count_marker_nodes(config: LocalNeo4jConfig) -> int:
    with GraphDatabase.driver(config.uri, auth=("neo4j", PASSWORD)) as driver:
        records, _, _ = driver.execute_query("MATCH (n:LifecycleMarker) RETURN count(n) AS n")
        return int(records[0]["n"])


def test_start_is_idempotent_and_reports_the_same_process(own_neo4j: LocalNeo4jConfig) -> None:
    first = status(own_neo4j)
    again = start(own_neo4j)
    assert first.running and again.running
    assert again.pid == first.pid
    assert "already running" in again.message
    assert own_neo4j.uri in again.message


def test_data_survives_a_graceful_stop_and_restart(own_neo4j: LocalNeo4jConfig) -> None:
    with GraphDatabase.driver(own_neo4j.uri, auth=("neo4j", PASSWORD)) as driver:
        driver.execute_query("CREATE (:LifecycleMarker {at: datetime()})")
    before = _count_marker_nodes(own_neo4j)
    stopped = stop(own_neo4j)
    assert "stopped cleanly" in stopped.message
    assert not status(own_neo4j).running
    start(own_neo4j)
    assert _count_marker_nodes(own_neo4j) == before >= 1


def test_a_taken_port_is_reported_clearly(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        config = LocalNeo4jConfig(
            home=tmp_path / "neo4j", launcher_dir=REPO_ROOT / ".rapport" / "launcher", port=port
        )
        with pytest.raises(LocalNeo4jError, match=f"Port {port} is already taken"):
            start(config)


def test_a_running_database_on_another_port_is_reported_not_waited_for(
    own_neo4j: LocalNeo4jConfig,
) -> None:
    start(own_neo4j)
    elsewhere = dataclasses.replace(own_neo4j, port=free_port(), start_timeout_s=600)
    started = time.monotonic()
    with pytest.raises(LocalNeo4jError, match=f"on port {own_neo4j.port}, not {elsewhere.port}"):
        start(elsewhere)
    assert time.monotonic() - started < 10


def test_a_pid_file_naming_an_unrelated_process_is_not_a_running_database(
    tmp_path: Path,
) -> None:
    config = LocalNeo4jConfig(home=tmp_path, launcher_dir=tmp_path, port=free_port())
    config.pid_file.write_text(f"{os.getpid()} {config.port}")  # this pytest, alive
    assert not status(config).running
    assert stop(config).message == "Local Neo4j was not running."


def test_stop_when_not_running_says_so(tmp_path: Path) -> None:
    config = LocalNeo4jConfig(home=tmp_path, launcher_dir=tmp_path, port=free_port())
    assert stop(config).message == "Local Neo4j was not running."


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


def test_readyz_follows_neo4j_down_and_back_up_without_restarting_the_api(
    own_neo4j: LocalNeo4jConfig, tmp_path: Path
) -> None:
    settings = Settings(NEO4J_URI=own_neo4j.uri, NEO4J_PASSWORD=PASSWORD, RAPPORT_DATA_DIR=tmp_path)
    port = free_port()
    server = _ThreadedServer(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        assert httpx.get(url, timeout=10).status_code == 200
        stop(own_neo4j)
        down = httpx.get(url, timeout=30)
        assert down.status_code == 503
        assert down.json()["reason"] == "Neo4j unreachable"
        start(own_neo4j)
        deadline = time.monotonic() + 30
        while httpx.get(url, timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "readyz did not recover"
            time.sleep(0.5)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_plugins_directory_holds_exactly_the_configured_jars(tmp_path: Path) -> None:
    """A configured plugin jar is copied into `<home>/plugins` (and goes on the classpath); a
    jar an earlier start installed but no longer configured is removed, since the DBMS would
    fail to load it without its extensions on the classpath."""
    from graphdb.local.server import _install_plugins

    jar = tmp_path / "dist" / "apoc-core-5.26.0-core.jar"
    jar.parent.mkdir()
    jar.write_bytes(b"PK")
    home = tmp_path / "home"
    config = LocalNeo4jConfig(home=home, launcher_dir=tmp_path / "launcher", plugins=(jar,))

    installed = _install_plugins(config)

    assert installed == [(home / "plugins" / jar.name).resolve()]
    assert installed[0].read_bytes() == b"PK"
    assert _install_plugins(dataclasses.replace(config, plugins=())) == []
    assert list((home / "plugins").glob("*.jar")) == []
