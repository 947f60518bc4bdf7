"""Test fixtures: one real Neo4j per test session, a clean graph per test, a live server.

The session's Neo4j runs on a free port in a temporary data directory, so it never touches a
developer's running instance. Every test starts from an empty graph (schema kept).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, stop
from graphdb.migrations import migrate
from rapport.app import create_app
from rapport.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "rapport-test-password"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNeo4jConfig]:
    """A real Neo4j Community for the whole session, stopped at the end."""
    config = LocalNeo4jConfig(
        home=tmp_path_factory.mktemp("neo4j"),
        launcher_dir=REPO_ROOT / ".rapport" / "launcher",
        port=free_port(),
        password=TEST_PASSWORD,
        heap="1g",
        pagecache="512m",
    )
    start(config)
    yield config
    stop(config)


@pytest.fixture(scope="session")
def settings(neo4j_config: LocalNeo4jConfig, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        NEO4J_URI=neo4j_config.uri,
        NEO4J_USER="neo4j",
        NEO4J_PASSWORD=TEST_PASSWORD,
        RAPPORT_DATA_DIR=tmp_path_factory.mktemp("data"),
        RAPPORT_ENV="development",
    )


@pytest.fixture(scope="session")
async def session_graph(settings: Settings) -> AsyncIterator[Graph]:
    graph = Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        settings.neo4j_database,
    )
    await migrate(graph)
    yield graph
    await graph.close()


async def wipe(graph: Graph) -> None:
    await graph.write("MATCH (n) WHERE NOT n:RapportMigration DETACH DELETE n")


@pytest.fixture
async def graph(session_graph: Graph) -> AsyncIterator[Graph]:
    """The session's database, emptied before each test."""
    await wipe(session_graph)
    yield session_graph


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread belongs to pytest
        pass


@pytest.fixture(scope="session")
def live_server_url(settings: Settings) -> Iterator[str]:
    """The full app under a real uvicorn on a free port, for HTTP, WebSocket and browser tests."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def client(live_server_url: str, graph: Graph) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client against the live server, on an emptied graph."""
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as http:
        yield http
