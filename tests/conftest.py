"""Test fixtures: one real Neo4j per test session, a clean graph per test, a live server.

The session's Neo4j runs on a free port in a temporary data directory, so it never touches a
developer's running instance. Every test starts from an empty graph (schema kept) except for the
suite's own principal: one ADMIN User (ADMIN_EMAIL) owning one ApiKey (ADMIN_TOKEN), which the
`client` fixture sends as `Authorization: Bearer …`. `make_token(role)` gives other roles a key.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.settings import Settings, get_settings
from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, stop
from graphdb.migrations import migrate
from rapport.app import create_app
from rapport.auth import keys

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "rapport-test-password"

# The suite's admin: fixed for the session so the server's auth cache stays valid across tests.
ADMIN_TOKEN, ADMIN_KEY_PREFIX, _ = keys.generate_token()
ADMIN_EMAIL = "admin@rapport.test"
ADMIN_USER_ID = "00000000-0000-4000-8000-00000000ad01"
JWT_SECRET = "test-only-hs256-secret-0123456789abcdef-0123456789"
JWT_ISSUER = "https://idp.rapport.test/"
JWT_AUDIENCE = "rapport-api"


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
def jwt_rsa_private_key() -> rsa.RSAPrivateKey:
    """The identity provider's signing key; the live server trusts its public half (RS256)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="session")
def settings(
    neo4j_config: LocalNeo4jConfig,
    tmp_path_factory: pytest.TempPathFactory,
    jwt_rsa_private_key: rsa.RSAPrivateKey,
) -> Settings:
    return Settings(
        NEO4J_URI=neo4j_config.uri,
        NEO4J_USER="neo4j",
        NEO4J_PASSWORD=TEST_PASSWORD,
        RAPPORT_DATA_DIR=tmp_path_factory.mktemp("data"),
        RAPPORT_ENV="development",
        RAPPORT_JWT_SECRET=JWT_SECRET,
        RAPPORT_JWT_PUBLIC_KEY=public_pem(jwt_rsa_private_key),
        RAPPORT_JWT_ISSUER=JWT_ISSUER,
        RAPPORT_JWT_AUDIENCE=JWT_AUDIENCE,
        # Tests fire requests far faster than any client; tests/test_limits.py checks the limit
        # on an app of its own. lastUsedAt bookkeeping is off so that graph snapshots taken
        # around a request never see a background write (test_auth checks it separately).
        RAPPORT_RATE_LIMIT=100_000,
        # Strawberry counts every level with a selection set, so Relay's `edges { node { … } }`
        # costs two levels per hop: tests/test_read_nesting.py's 4-hop query has depth 11. The
        # default (10) is checked on an app of its own in tests/test_limits.py.
        RAPPORT_MAX_QUERY_DEPTH=15,
        RAPPORT_RATE_BURST=100_000,
        RAPPORT_KEY_LAST_USED_INTERVAL=0,
        # Race tests send dozens of concurrent requests with one token; admission control is
        # checked on apps of its own in tests/test_admission.py.
        RAPPORT_MAX_IN_FLIGHT=0,
        RAPPORT_MAX_IN_FLIGHT_PER_VIEWER=0,
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
    """Delete everything but the migration records and the suite's admin, then repair the admin
    (a test may have changed or deleted it) so that ADMIN_TOKEN is a valid ADMIN key again."""
    await graph.write(
        "MATCH (n) WHERE NOT n:RapportMigration "
        "AND NOT (n:User AND n.email = $email) AND NOT (n:ApiKey AND n.prefix = $prefix) "
        "DETACH DELETE n",
        {"email": ADMIN_EMAIL, "prefix": ADMIN_KEY_PREFIX},
    )
    await keys.ensure_api_key(
        graph,
        token=ADMIN_TOKEN,
        email=ADMIN_EMAIL,
        role="ADMIN",
        name="test suite",
        user_id=ADMIN_USER_ID,
    )


@pytest.fixture
async def graph(session_graph: Graph) -> AsyncIterator[Graph]:
    """The session's database, emptied before each test (but for the suite's admin)."""
    await wipe(session_graph)
    yield session_graph


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the main thread belongs to pytest
        pass


#: The app behind each live server URL (tests that must reach into the server, e.g. its cache).
LIVE_APPS: dict[str, Any] = {}


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` under a real uvicorn on a free port, in a thread, until the block ends; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    LIVE_APPS[url] = app
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = _ThreadedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # start-up migrates a fresh database: slow on a busy machine
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server_url(settings: Settings) -> Iterator[str]:
    """The full app under a real uvicorn on a free port, for HTTP, WebSocket and browser tests."""
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def client(live_server_url: str, graph: Graph) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client against the live server, on an emptied graph, authenticated as ADMIN.

    It asks for the statement listing (`X-Rapport-Debug: 1`), which only an ADMIN gets, so
    tests can count statements per root field.
    """
    async with httpx.AsyncClient(
        base_url=live_server_url,
        timeout=30,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Rapport-Debug": "1"},
    ) as http:
        yield http


@pytest.fixture
async def anonymous_client(live_server_url: str, graph: Graph) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client against the live server that sends no credentials."""
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as http:
        yield http


MakeToken = Callable[..., Awaitable[str]]


@pytest.fixture
def make_token(graph: Graph) -> MakeToken:
    """`await make_token("SALES")` -> a fresh API key of a new user with that role.

    `email=` picks the user (an existing one keeps its role, which must match), so a test can
    create the user first, e.g. with MANAGES relationships. Keys and users go with the next wipe.
    """

    async def make(role: str, *, email: str | None = None, name: str = "test") -> str:
        email = email or f"{role.lower()}-{uuid.uuid4().hex[:8]}@rapport.test"
        return (await keys.create_api_key(graph, email=email, role=role, name=name)).token

    return make


@pytest.fixture
def cli_env(
    settings: Settings, graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The `rapport` CLI pointed at the test database, with its data dir in tmp_path."""
    monkeypatch.setenv("NEO4J_URI", settings.effective_neo4j_uri)
    monkeypatch.setenv("NEO4J_USER", settings.neo4j_user)
    monkeypatch.setenv("NEO4J_PASSWORD", settings.neo4j_password.get_secret_value())
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
