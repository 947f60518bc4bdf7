# ruff: noqa: E501 - tables of GraphQL documents and WebSocket messages read better unwrapped
"""The request edge: GraphQL over HTTP, the one body decoder, cost limits, cursors, sockets.

Each test states one rule of docs/security.md ("Request edge") and checks it against the live
server and its real database.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import typer
import uvicorn
import websockets

from core.settings import Settings
from graphdb.driver import Graph
from rapport.app import create_app
from rapport.auth import keys
from tests._apps import app_client
from tests._factories import new_customer
from tests._graph_counts import snapshot
from tests.conftest import ADMIN_TOKEN, MakeToken, _ThreadedServer, free_port

GQL_RESPONSE = "application/graphql-response+json"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def assert_graphql_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(("application/json", GQL_RESPONSE))
    body: dict[str, Any] = response.json()
    assert codes(body) == [code], body
    error = body["errors"][0]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    return body


# --- the one request-body decoder ---------------------------------------------------------------

BAD_BODIES = {
    "null": (b"null", "BAD_REQUEST"),
    "a number": (b"42", "BAD_REQUEST"),
    "a string": (b'"{ apiVersion }"', "BAD_REQUEST"),
    "a batch": (b'[{"query": "{ apiVersion }"}]', "BATCHING_NOT_SUPPORTED"),
    "no query": (b"{}", "NO_QUERY"),
    "query not a string": (b'{"query": 5}', "BAD_REQUEST"),
    "variables an array": (b'{"query": "{ apiVersion }", "variables": []}', "BAD_REQUEST"),
    "invalid UTF-8": (b'{"query": "{ apiVersion }", "x": "\xff\xfe"}', "INVALID_JSON"),
    "lone surrogate in a variable": (
        b'{"query": "query($t: String!) { search(text: $t) { score } }", '
        b'"variables": {"t": "\\ud800"}}',
        "INVALID_JSON",
    ),
    "100k nested arrays": (b"[" * 100_000 + b"]" * 100_000, "JSON_TOO_DEEP"),
    "50k nested objects": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "JSON_TOO_DEEP"),
    "65 levels in variables": (
        b'{"query": "{ apiVersion }", "variables": {"v": ' + b"[" * 63 + b"]" * 63 + b"}}",
        "JSON_TOO_DEEP",
    ),
    "5,000-digit integer": (
        b'{"query": "{ apiVersion }", "variables": {"n": ' + b"9" * 5000 + b"}}",
        "INVALID_JSON",
    ),
    "not JSON": (b"{query: apiVersion}", "INVALID_JSON"),
}


@pytest.mark.parametrize("accept", ["application/json", GQL_RESPONSE])
@pytest.mark.parametrize(("raw", "code"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_a_body_that_is_not_one_graphql_request_is_a_400_with_json_errors(
    client: httpx.AsyncClient, graph: Graph, raw: bytes, code: str, accept: str
) -> None:
    before = await snapshot(graph)
    response = await client.post(
        "/graphql", content=raw, headers={"content-type": "application/json", "accept": accept}
    )
    body = assert_graphql_error(response, 400, code)
    assert "data" not in body
    assert response.headers["content-type"].startswith(accept)
    assert await snapshot(graph) == before


async def test_a_body_that_is_not_json_by_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", content="{ apiVersion }", headers={"content-type": "text/plain"}
    )
    assert_graphql_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


# --- GraphQL over HTTP --------------------------------------------------------------------------


async def test_graphql_response_json_is_answered_in_kind(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ apiVersion }"}, headers={"accept": GQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GQL_RESPONSE)
    assert response.json()["data"] == {"apiVersion": "0.1.0"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ apiVersion", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { customers(first: $n) { totalCount } }", "BAD_USER_INPUT"),
    ],
    ids=["parse", "validation", "variables"],
)
async def test_a_request_error_is_400_without_data_for_graphql_response_json_and_200_for_json(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    strict = await client.post(
        "/graphql", json={"query": query, "variables": {"n": "x"}}, headers={"accept": GQL_RESPONSE}
    )
    body = assert_graphql_error(strict, 400, code)
    assert "data" not in body
    legacy = await client.post("/graphql", json={"query": query, "variables": {"n": "x"}})
    assert_graphql_error(legacy, 200, code)


async def test_an_unacceptable_accept_header_is_406(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ apiVersion }"}, headers={"accept": "text/csv"}
    )
    assert_graphql_error(response, 406, "NOT_ACCEPTABLE")


async def test_a_mutation_over_get_is_405_with_allow_post(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    response = await client.get("/graphql", params={"query": "mutation { noop }"})
    assert_graphql_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"


async def test_a_query_over_get_runs(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { customers(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"customers": {"totalCount": 0}}


async def test_a_subscription_over_http_says_it_needs_a_websocket(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "subscription { heartbeat }"})
    body = assert_graphql_error(response, 400, "SUBSCRIPTION_NEEDS_WEBSOCKET")
    assert "WebSocket" in body["errors"][0]["message"]


async def test_two_operations_without_operation_name_is_the_specs_error(
    client: httpx.AsyncClient,
) -> None:
    body = (
        await client.post("/graphql", json={"query": "query A { apiVersion } mutation B { noop }"})
    ).json()
    assert body["data"] is None and codes(body) == ["OPERATION_NAME_REQUIRED"]
    named = (
        await client.post(
            "/graphql",
            json={"query": "query A { apiVersion } mutation B { noop }", "operationName": "B"},
        )
    ).json()
    assert named["data"] == {"noop": True}
    # The same document again without a name: its checks are remembered per operation name.
    again = (
        await client.post("/graphql", json={"query": "query A { apiVersion } mutation B { noop }"})
    ).json()
    assert again["data"] is None and codes(again) == ["OPERATION_NAME_REQUIRED"]


async def test_an_alias_starting_with_two_underscores_is_refused(
    client: httpx.AsyncClient,
) -> None:
    await new_customer(client, "ALIAS-1", name="Secret Name")
    response = await client.post(
        "/graphql", json={"query": '{ search(text: "Secret") { __typename: score } }'}
    )
    assert codes(response.json()) == ["RESERVED_ALIAS"]
    assert "Secret Name" not in response.text


async def test_authentication_errors_carry_graphql_errors_too(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post("/graphql", json={"query": "{ apiVersion }"})
    assert_graphql_error(response, 401, "UNAUTHENTICATED")


# --- cost limits ----------------------------------------------------------------------------------


def doubling_fragments(levels: int) -> str:
    parts = ["fragment F0 on Customer { name }"]
    parts += [
        f"fragment F{i} on Customer {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return (
        "\n".join(parts)
        + f"\nquery Q{levels} {{ customers(first: 1) {{ edges {{ node {{ ...F{levels} }} }} }} }}"
    )


async def test_fragments_that_double_20_times_are_refused_before_validation(
    client: httpx.AsyncClient,
) -> None:
    query = doubling_fragments(20)
    assert len(query) < 1200
    body = (await client.post("/graphql", json={"query": query})).json()
    assert codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["extensions"]["statementCount"] == 0


async def test_fragments_that_expand_to_few_fields_still_run(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": doubling_fragments(5)})).json()
    assert not body.get("errors"), body


async def count_customers(client: httpx.AsyncClient, flt: dict[str, Any]) -> dict[str, Any]:
    """The whole response to `customers(filter: flt) { totalCount }`."""
    response = await client.post(
        "/graphql",
        json={
            "query": "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }",
            "variables": {"f": flt},
        },
    )
    return dict(response.json())


@pytest.mark.parametrize(
    "flt",
    [
        {"or": [{"name": {"eq": f"n{i}"}} for i in range(20_000)]},
        {"or": [{"name": {"eq": f"n{i}"}} for i in range(51)]},
        {"and": [{"not": {"name": {"eq": "x"}}}] * 30},
    ],
    ids=["20000 or branches", "51 or branches", "30 not"],
)
async def test_a_filter_over_the_size_limit_is_refused_before_any_statement(
    client: httpx.AsyncClient, flt: dict[str, Any]
) -> None:
    body = await count_customers(client, flt)
    assert codes(body) == ["FILTER_TOO_COMPLEX"]
    assert body["extensions"]["statementCount"] == 0


async def test_a_filter_nested_too_deep_is_refused(client: httpx.AsyncClient) -> None:
    flt: dict[str, Any] = {"name": {"eq": "x"}}
    for _ in range(12):
        flt = {"not": flt}
    body = await count_customers(client, flt)
    assert codes(body) == ["FILTER_TOO_COMPLEX"]


async def test_a_filter_of_50_conditions_runs(client: httpx.AsyncClient) -> None:
    flt = {"name": {"in": [f"n{i}" for i in range(400)]}, "or": [{"name": {"eq": "a"}}] * 10}
    body = await count_customers(client, flt)
    assert body["data"] == {"customers": {"totalCount": 0}}, body


# --- cursors --------------------------------------------------------------------------------------


def forged(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


async def _real_cursor(client: httpx.AsyncClient) -> dict[str, Any]:
    await new_customer(client, "CUR-1")
    await new_customer(client, "CUR-2")
    body = (
        await client.post(
            "/graphql",
            json={
                "query": "{ customers(first: 1, orderBy: [{field: CREATED_AT}]) { edges { cursor } } }"
            },
        )
    ).json()
    cursor = body["data"]["customers"]["edges"][0]["cursor"]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(cursor + "=="))
    return decoded


async def test_every_mangled_cursor_is_invalid_cursor(client: httpx.AsyncClient) -> None:
    real = await _real_cursor(client)
    sig, (at, key) = real["s"], real["v"]
    mangled = [
        {"s": sig, "v": ["2020-01-01", key]},  # a string where a date-time belongs
        {"s": sig, "v": [{"dt": 5}, key]},
        {"s": sig, "v": [{"dt": "9999-12-31T23:59:59-14:00"}, key]},
        {"s": sig, "v": [{"dt": "0001-01-01T00:00:00+14:00"}, key]},
        {"s": sig, "v": [{"dt": "2020-01-01T00:00:00"}, key]},
        {"s": sig, "v": [{"d": "2020-01-01"}, key]},
        {"s": sig, "v": [None, key]},  # createdAt is never null
        {"s": sig, "v": [at, 5]},
        {"s": sig, "v": [at, None]},
        {"s": sig, "v": [at, key], "x": 1},
        {"s": 5, "v": [at, key]},
        {"v": [at, key]},
        [at, key],
        "cursor",
    ]
    for payload in mangled:
        body = (
            await client.post(
                "/graphql",
                json={
                    "query": "query($a: String) { customers(first: 1, after: $a, "
                    "orderBy: [{field: CREATED_AT}]) { totalCount } }",
                    "variables": {"a": forged(payload)},
                },
            )
        ).json()
        assert codes(body) == ["INVALID_CURSOR"], (payload, body)


# --- scalars ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_a_date_time_beyond_the_calendar_in_utc_is_bad_user_input(
    client: httpx.AsyncClient, as_of: str
) -> None:
    for query in (
        f'{{ atRiskCustomers(asOf: "{as_of}") {{ customer {{ name }} }} }}',
        f'{{ customers(first: 1) {{ edges {{ node {{ churnRisk(asOf: "{as_of}") {{ atRisk }} }} }} }} }}',
    ):
        body = (await client.post("/graphql", json={"query": query})).json()
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert "outside the years 0001-9999" in body["errors"][0]["message"]


async def test_heartbeat_with_a_negative_count_is_a_clear_error(live_server_url: str) -> None:
    messages = await _socket(
        live_server_url,
        [
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { heartbeat(count: -1) }"},
            }
        ],
        until=lambda m: m["type"] in ("complete", "error") or "errors" in m.get("payload", {}),
    )
    payload = messages[-1]["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    assert errors[0]["extensions"]["code"] == "INVALID_ARGUMENT"


# --- WebSockets go through the same gate ------------------------------------------------------------


async def _socket(
    url: str,
    messages: list[dict[str, Any]],
    *,
    until: Any,
    token: str = ADMIN_TOKEN,
    count: int = 1,
) -> list[dict[str, Any]]:
    """Send connection_init then `messages`; collect replies until `until` held `count` times."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    received: list[dict[str, Any]] = []
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        for message in messages:
            await ws.send(json.dumps(message))
        seen = 0
        while seen < count:
            received.append(json.loads(await ws.recv()))
            if until(received[-1]):
                seen += 1
    return received


async def test_a_sockets_statement_log_is_per_operation(
    live_server_url: str, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await new_customer(client, "WS-1")
    query = {"query": "query PerOperation { customers(first: 1) { totalCount } }"}
    ops = [{"id": str(i), "type": "subscribe", "payload": query} for i in range(5)]
    with caplog.at_level(logging.INFO, logger="rapport.graphql"):
        await _socket(live_server_url, ops, until=lambda m: m["type"] == "complete", count=5)
    counts = [
        r.getMessage() for r in caplog.records if "operation PerOperation ran" in r.getMessage()
    ]
    assert counts == ["operation PerOperation ran 1 statement(s)"] * 5


async def test_a_revoked_key_stops_an_open_socket_at_its_next_operation(
    live_server_url: str, graph: Graph, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST")
    ws_url = live_server_url.replace("http://", "ws://") + "/graphql"
    query = {"query": "{ apiVersion }"}
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
        assert json.loads(await ws.recv())["type"] == "next"
        assert json.loads(await ws.recv())["type"] == "complete"
        revoked = await keys.revoke_api_key(graph, token)
        assert revoked is not None
        # The live server's cache keeps a key for the TTL; forget it as `revoke` does
        # in-process, so the test states the rule without waiting out the TTL.
        _live_authenticator(live_server_url).forget(revoked.key_id)
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": query}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def _live_authenticator(url: str) -> Any:
    from tests import conftest

    return conftest.LIVE_APPS[url].state.authenticator


# --- a server of its own: low rate limit, 1 s auth cache --------------------------------------------


@pytest.fixture
def strict_server(settings: Settings, graph: Graph) -> Iterator[str]:
    """A live uvicorn whose rate limit (burst 3) and auth cache TTL (1 s) are small."""
    port = free_port()
    app = create_app(
        settings.model_copy(
            update={"rate_limit_per_s": 0.01, "rate_limit_burst": 3, "auth_cache_ttl_s": 1.0}
        )
    )
    server = _ThreadedServer(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def test_the_rate_limit_applies_per_operation_on_a_socket(
    strict_server: str, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST")
    query = {"query": "{ apiVersion }"}
    ops = [{"id": str(i), "type": "subscribe", "payload": query} for i in range(4)]
    # Burst 3: connection_init takes one, two operations run, the next two are refused.
    replies = await _socket(
        strict_server, ops, token=token, until=lambda m: m["type"] in ("complete", "error"), count=4
    )
    outcome = {m["id"]: m["type"] for m in replies if m["type"] in ("complete", "error")}
    assert sorted(outcome.values()) == ["complete", "complete", "error", "error"]
    refused = [m for m in replies if m["type"] == "error"]
    assert all(m["payload"][0]["extensions"]["code"] == "RATE_LIMITED" for m in refused)


async def test_a_revoked_key_ends_a_running_subscription_within_the_ttl(
    strict_server: str, graph: Graph, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST")
    ws_url = strict_server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "subscription { heartbeat(intervalSeconds: 1) }"},
                }
            )
        )
        assert json.loads(await ws.recv())["type"] == "next"
        await keys.revoke_api_key(graph, token)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:  # heartbeats until the re-check (every TTL = 1 s) closes the socket
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "next"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_bad_credentials_from_one_address_are_rate_limited_without_a_lookup(
    settings: Settings, graph: Graph
) -> None:
    async with app_client(
        settings, token="rpk_0123456789_wrong", rate_limit_per_s=0.01, rate_limit_burst=3
    ) as (client, _):
        statuses = [
            (await client.post("/graphql", json={"query": "{ apiVersion }"})).status_code
            for _ in range(5)
        ]
        assert statuses == [401, 401, 401, 429, 429]
        limited = await client.post("/graphql", json={"query": "{ apiVersion }"})
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_anonymous_readyz_is_rate_limited_per_address(
    settings: Settings, graph: Graph
) -> None:
    async with app_client(settings, token=None, rate_limit_per_s=0.01, rate_limit_burst=2) as (
        client,
        _,
    ):
        statuses = [(await client.get("/readyz")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await client.get("/healthz")).status_code == 200  # no database, no limit


async def test_an_empty_rapport_token_refuses_the_export(
    graph: Graph, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.io.cli import _visibility

    monkeypatch.setenv("RAPPORT_TOKEN", "")
    with pytest.raises(typer.Exit):
        await _visibility(graph, settings, None)
    monkeypatch.delenv("RAPPORT_TOKEN")
    with pytest.raises(typer.Exit):
        await _visibility(graph, settings, "  ")


@pytest.mark.parametrize("query", ["query Me { }", "{ customers { edges { } } }"])
async def test_an_empty_selection_set_is_a_syntax_error(
    client: httpx.AsyncClient, query: str
) -> None:
    """graphql-core parses `{ }`; the grammar does not allow it, and the depth limit used to
    fail on it with Python's "max() arg is an empty sequence"."""
    body = (await client.post("/graphql", json={"query": query})).json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "at least one field" in error["message"]
    assert "max()" not in json.dumps(body)
