"""While Neo4j cannot be reached, every answer is the same: 503 DATABASE_UNAVAILABLE.

The app under test reaches the session's real Neo4j through `BoltProxy`, which can cut the
connection the way a killed database does (connections reset, port refusing). Nothing is
mocked; the retry budget is shortened so that the tests do not wait 5 s per request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from starlette.applications import Starlette

from core import global_id
from core.settings import Settings
from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig
from rapport.app import create_app
from tests._apps import app_client
from tests._bolt_proxy import BoltProxy
from tests.conftest import ADMIN_TOKEN, free_port

BUDGET_S = 1.0
RETRY_AFTER_S = 3
CUSTOMERS = "{ customers(first: 1) { totalCount } }"
CREATE_COMPANY = (
    'mutation { createCompany(input: {name: "Outage Ltd"}) { company { id } errors { code } } }'
)


@pytest.fixture
async def proxy(neo4j_config: LocalNeo4jConfig, graph: Graph) -> AsyncIterator[BoltProxy]:
    """A way to the session's Neo4j that a test can cut; the graph is emptied first."""
    proxy = BoltProxy(neo4j_config.port).start()
    yield proxy
    proxy.cut()


def _through(proxy: BoltProxy) -> dict[str, Any]:
    return {
        "neo4j_uri": proxy.uri,
        "neo4j_retry_budget_s": BUDGET_S,
        "neo4j_acquire_timeout_s": BUDGET_S,
        "retry_after_s": RETRY_AFTER_S,
    }


def assert_unavailable(response: httpx.Response) -> dict[str, Any]:
    """The one answer: 503, Retry-After, request id, security headers, GraphQL JSON body."""
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    request_id = response.headers["x-request-id"]
    body: dict[str, Any] = response.json()
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes and set(codes) == {"DATABASE_UNAVAILABLE"}
    assert {e["extensions"]["requestId"] for e in body["errors"]} == {request_id}
    assert "Retry after 3 s" in body["errors"][0]["message"]
    return body


async def test_an_unknown_token_during_an_outage_is_503_not_a_bare_500(
    settings: Settings, proxy: BoltProxy
) -> None:
    """Authentication looks the key up in the database, before any GraphQL runs."""
    async with app_client(settings, **_through(proxy)) as (client, _):
        proxy.cut()
        started = time.monotonic()
        response = await client.post("/graphql", json={"query": "{ apiVersion }"})
        elapsed = time.monotonic() - started
    body = assert_unavailable(response)
    assert body["code"] == "DATABASE_UNAVAILABLE"
    assert body["requestId"] == response.headers["x-request-id"]
    assert elapsed < BUDGET_S + 3, "answered within the budget, not the driver's 30 s"


async def test_a_query_of_an_authenticated_client_during_an_outage_is_503(
    settings: Settings, proxy: BoltProxy
) -> None:
    async with app_client(settings, **_through(proxy)) as (client, _):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        proxy.cut()  # the token stays in the auth cache: the resolver meets the outage
        assert_unavailable(await client.post("/graphql", json={"query": CUSTOMERS}))
        proxy.restore()
        back = await client.post("/graphql", json={"query": CUSTOMERS})
    assert back.status_code == 200, back.text
    assert back.json()["data"] == {"customers": {"totalCount": 0}}


async def test_a_mutation_during_an_outage_is_503_and_writes_nothing(
    settings: Settings, proxy: BoltProxy, graph: Graph
) -> None:
    async with app_client(settings, **_through(proxy)) as (client, _):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        proxy.cut()
        assert_unavailable(await client.post("/graphql", json={"query": CREATE_COMPANY}))
    assert await graph.read("MATCH (c:Company) RETURN count(c) AS n") == [{"n": 0}]


async def test_an_outage_logs_one_line_going_down_and_one_coming_back_and_no_traceback(
    settings: Settings, proxy: BoltProxy, caplog: pytest.LogCaptureFixture
) -> None:
    async with app_client(settings, **_through(proxy)) as (client, _):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        caplog.clear()
        with caplog.at_level(logging.INFO):
            proxy.cut()
            for _ in range(5):
                assert_unavailable(await client.post("/graphql", json={"query": CUSTOMERS}))
            proxy.restore()
            for _ in range(2):
                assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
    outage = [r.getMessage() for r in caplog.records if r.name == "rapport.db"]
    assert len(outage) == 2, outage
    assert "is unavailable" in outage[0] and "503 DATABASE_UNAVAILABLE" in outage[0]
    assert "available again" in outage[1] and "5 request(s) answered 503" in outage[1]
    assert [r.getMessage() for r in caplog.records if r.exc_info and r.name != "neo4j.io"] == []


async def test_requests_after_the_outage_is_known_fail_fast_without_retrying(
    settings: Settings, proxy: BoltProxy
) -> None:
    """The first request spends the retry budget finding out; later ones try once."""
    async with app_client(settings, **_through(proxy)) as (client, app):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        proxy.cut()
        assert_unavailable(await client.post("/graphql", json={"query": CUSTOMERS}))
        app_graph: Graph = app.state.graph_holder["graph"]
        app_graph.budgets = replace(app_graph.budgets, retry_s=60)
        started = time.monotonic()
        assert_unavailable(await client.post("/graphql", json={"query": CUSTOMERS}))
        assert time.monotonic() - started < 10, "one attempt, not another retry budget"


async def test_readyz_says_unavailable_with_retry_after_while_neo4j_is_down(
    settings: Settings, proxy: BoltProxy
) -> None:
    async with app_client(settings, token=None, **_through(proxy)) as (client, app):
        assert (await client.get("/readyz")).status_code == 200
        proxy.cut()
        app.state.readiness = (float("-inf"), 200, {})  # forget the cached answer
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)


async def test_readyz_reuses_its_answer_for_a_second(settings: Settings, proxy: BoltProxy) -> None:
    """A probe flood costs at most one database check per second."""
    async with app_client(settings, token=None, **_through(proxy)) as (client, app):
        assert (await client.get("/readyz")).status_code == 200
        checked_at = app.state.readiness[0]
        for _ in range(20):
            assert (await client.get("/readyz")).status_code == 200
            if time.monotonic() - checked_at >= 1.0:
                break
            assert app.state.readiness[0] == checked_at


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_a_websocket_during_an_outage_is_closed_with_try_again_later(
    settings: Settings, proxy: BoltProxy
) -> None:
    app = create_app(settings.model_copy(update=_through(proxy)))
    with served(app) as url:
        proxy.cut()
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"authToken": ADMIN_TOKEN}}
            await ws.send(json.dumps(init))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013


async def test_a_commit_whose_answer_is_lost_is_commit_unknown_not_internal_error(
    settings: Settings, proxy: BoltProxy, graph: Graph
) -> None:
    async with app_client(settings, **_through(proxy)) as (client, _):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        proxy.lose_next_commit()
        response = await client.post("/graphql", json={"query": CREATE_COMPANY})
    assert proxy.commits_lost == 1
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "COMMIT_UNKNOWN"
    assert "same idempotencyKey" in error["message"]
    # The outcome really was unknown to the API: Neo4j did commit.
    assert await asyncio.to_thread(proxy.lost_commit_answered.wait, 30)
    assert await graph.read("MATCH (c:Company) RETURN count(c) AS n") == [{"n": 1}]


async def test_after_commit_unknown_a_retry_with_the_same_key_returns_the_saved_record_once(
    settings: Settings, proxy: BoltProxy, graph: Graph
) -> None:
    keyed = (
        'mutation { createCompany(input: {name: "Outage Ltd", idempotencyKey: "k-42"}) '
        "{ company { id } errors { code } } }"
    )
    async with app_client(settings, **_through(proxy)) as (client, _):
        assert (await client.post("/graphql", json={"query": CUSTOMERS})).status_code == 200
        proxy.lose_next_commit()
        lost = await client.post("/graphql", json={"query": keyed})
        retried = await client.post("/graphql", json={"query": keyed})
    assert lost.json()["errors"][0]["extensions"]["code"] == "COMMIT_UNKNOWN"
    payload = retried.json()["data"]["createCompany"]
    assert payload["errors"] == []
    rows = await graph.read("MATCH (c:Company) RETURN c.id AS id")
    assert len(rows) == 1
    assert rows[0]["id"] == global_id.decode(payload["company"]["id"])[1]


def test_the_cli_exits_69_with_one_clear_line_when_neo4j_is_unreachable(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",  # nothing listens there
        "RAPPORT_DATA_DIR": str(tmp_path),
        "RAPPORT_NEO4J_RETRY_BUDGET": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "rapport.cli", "token", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 69
    assert "DATABASE_UNAVAILABLE" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
