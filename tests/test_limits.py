"""Abuse limits and hardening: depth, aliases, tokens, body size, rate, masked errors with
request ids, introspection in production, CORS and security headers."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from core.settings import DEFAULT_LOCAL_PASSWORD, Settings
from graphdb.driver import Graph
from rapport.app import create_app
from tests._apps import app_client
from tests.conftest import MakeToken

MIB = 1024 * 1024


def reports_to_chain(levels: int) -> str:
    """A query whose depth is 3 (contacts, edges, node) + `levels`."""
    inner = "fullName"
    for _ in range(levels):
        inner = f"reportsTo {{ {inner} }}"
    return f"{{ contacts(first: 1) {{ edges {{ node {{ {inner} }} }} }} }}"


def messages(body: dict[str, Any]) -> list[str]:
    return [e["message"] for e in body.get("errors") or []]


@pytest.fixture
async def default_app(settings: Settings, graph: Graph) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the shipped defaults (the shared test server relaxes depth and rate)."""
    defaults = Settings.model_fields
    async with app_client(
        settings,
        max_query_depth=defaults["max_query_depth"].default,
        rate_limit_per_s=defaults["rate_limit_per_s"].default,
        rate_limit_burst=defaults["rate_limit_burst"].default,
    ) as (client, _):
        yield client


# --- query shape -------------------------------------------------------------------------------


async def test_depth_10_is_allowed_and_depth_11_refused_by_default(
    default_app: httpx.AsyncClient,
) -> None:
    ok = (await default_app.post("/graphql", json={"query": reports_to_chain(7)})).json()
    assert not ok.get("errors"), ok

    deep = (await default_app.post("/graphql", json={"query": reports_to_chain(8)})).json()
    assert deep["data"] is None
    assert messages(deep) == ["'anonymous' exceeds maximum operation depth of 10"]


async def test_a_depth_bomb_is_refused_before_touching_the_database(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": reports_to_chain(30)})
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    assert "exceeds maximum operation depth" in messages(body)[0]
    assert body["extensions"]["statementCount"] == 0


async def test_absurd_nesting_is_refused_by_the_parser(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json={"query": reports_to_chain(2000)})).json()
    assert body["data"] is None
    assert messages(body) == ["Syntax Error: Document is nested too deeply. Parsing aborted."]


async def test_an_alias_flood_is_refused(client: httpx.AsyncClient) -> None:
    allowed = " ".join(f"a{i}: __typename" for i in range(30))
    assert (
        not (await client.post("/graphql", json={"query": f"{{ {allowed} }}"})).json().get("errors")
    )

    flood = " ".join(f"a{i}: __typename" for i in range(31))
    body = (await client.post("/graphql", json={"query": f"{{ {flood} }}"})).json()
    assert body["data"] is None
    assert messages(body) == ["31 aliases found. Allowed: 30"]


async def test_a_document_with_too_many_tokens_is_refused(client: httpx.AsyncClient) -> None:
    fields = " ".join(["__typename"] * 2001)
    body = (await client.post("/graphql", json={"query": f"{{ {fields} }}"})).json()
    assert body["data"] is None
    assert "more than 2000 tokens" in messages(body)[0]


async def test_first_above_500_is_refused_with_a_code(client: httpx.AsyncClient) -> None:
    body = (
        await client.post("/graphql", json={"query": "{ customers(first: 501) { totalCount } }"})
    ).json()
    assert body["errors"][0]["extensions"]["code"]
    assert "500" in body["errors"][0]["message"]


# --- request body ------------------------------------------------------------------------------


async def test_a_body_over_1_mib_is_413_by_content_length(client: httpx.AsyncClient) -> None:
    padding = "#" * (MIB + 1)
    response = await client.post("/graphql", json={"query": f"{padding}\n{{ __typename }}"})
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == f"Request body too large: the limit is {MIB} bytes."
    assert body["requestId"] == response.headers["x-request-id"]


async def test_a_streamed_body_over_1_mib_is_413_too(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer
        yield b'{"query": "'
        for _ in range(17):
            yield b"#" * 65536
        yield b'"}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "too large" in response.json()["error"]


async def test_a_body_just_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    padding = "#" * (MIB - 100)
    response = await client.post("/graphql", json={"query": f"{padding}\n{{ __typename }}"})
    assert response.status_code == 200, response.text[:300]


# --- rate limit --------------------------------------------------------------------------------


async def test_each_token_has_its_own_bucket_and_429_says_when_to_retry(
    settings: Settings, graph: Graph, make_token: MakeToken
) -> None:
    other = await make_token("ANALYST")
    async with app_client(settings, rate_limit_per_s=0.5, rate_limit_burst=3) as (client, _):
        statuses = [
            (await client.post("/graphql", json={"query": "{ __typename }"})).status_code
            for _ in range(3)
        ]
        limited = await client.post("/graphql", json={"query": "{ __typename }"})
        others = await client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {other}"},
        )

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) in (1, 2)
    assert "Rate limit exceeded" in limited.json()["error"]
    assert others.status_code == 200


# --- errors ------------------------------------------------------------------------------------


async def test_an_unexpected_error_is_masked_and_logged_under_the_request_id(
    settings: Settings, graph: Graph, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    async def broken_ping(self: Graph) -> bool:
        raise RuntimeError("MATCH (secret:Cypher) RETURN secret at /srv/rapport/driver.py")

    async with app_client(settings) as (client, _):
        monkeypatch.setattr(Graph, "ping", broken_ping)
        with caplog.at_level(logging.ERROR, logger="rapport.graphql"):
            response = await client.post("/graphql", json={"query": "{ databaseReady }"})

    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == f"Internal error (request id {request_id})"
    assert error["extensions"] == {"code": "INTERNAL_ERROR", "requestId": request_id}
    assert "secret" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback stays in the log


async def test_deliberate_and_validation_errors_are_shown_with_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ nope }"},
        headers={"X-Request-Id": "client-chosen-id-42"},
    )
    assert response.headers["x-request-id"] == "client-chosen-id-42"
    error = response.json()["errors"][0]
    assert "Cannot query field 'nope'" in error["message"]
    assert error["extensions"]["requestId"] == "client-chosen-id-42"


async def test_an_unsafe_client_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"X-Request-Id": "evil id\twith spaces"},
    )
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


# --- production --------------------------------------------------------------------------------

INTROSPECTION = {"query": "{ __schema { queryType { name } } }"}


async def test_introspection_works_in_development(client: httpx.AsyncClient) -> None:
    body = (await client.post("/graphql", json=INTROSPECTION)).json()
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_is_off_in_production(settings: Settings, graph: Graph) -> None:
    async with app_client(settings, env="production") as (client, _):
        body = (await client.post("/graphql", json=INTROSPECTION)).json()
        typename = (await client.post("/graphql", json={"query": "{ __typename }"})).json()
    assert body["data"] is None
    assert "introspection" in messages(body)[0].lower()
    assert typename["data"] == {"__typename": "Query"}
    assert "extensions" not in typename or "cypher" not in typename["extensions"]


@pytest.mark.parametrize("password", [DEFAULT_LOCAL_PASSWORD, "neo4j"])
def test_production_refuses_a_default_neo4j_password(settings: Settings, password: str) -> None:
    bad = settings.model_copy(update={"env": "production"})
    bad.neo4j_password = type(settings.neo4j_password)(password)
    with pytest.raises(RuntimeError, match="NEO4J_PASSWORD is a default password"):
        create_app(bad)


def test_a_short_hs256_secret_is_refused_in_any_environment(settings: Settings) -> None:
    short = Settings(RAPPORT_JWT_SECRET="too-short", NEO4J_PASSWORD="a-strong-password")
    with pytest.raises(RuntimeError, match="HS256 needs at least 32"):
        create_app(short)


def test_production_without_any_jwt_configuration_starts(settings: Settings) -> None:
    keys_only = settings.model_copy(
        update={"env": "production", "jwt_secret": None, "jwt_public_key": None}
    )
    assert create_app(keys_only) is not None


# --- CORS and headers ----------------------------------------------------------------------------

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization",
}


async def test_cors_preflight_from_an_allowed_origin_succeeds(
    settings: Settings, graph: Graph
) -> None:
    async with app_client(settings, token=None, cors_origins=["https://crm.example"]) as (c, _):
        response = await c.options(
            "/graphql", headers={"Origin": "https://crm.example", **PREFLIGHT}
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://crm.example"
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_cors_preflight_from_another_origin_is_refused(
    settings: Settings, graph: Graph
) -> None:
    async with app_client(settings, token=None, cors_origins=["https://crm.example"]) as (c, _):
        response = await c.options(
            "/graphql", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_by_default_no_origin_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/graphql", headers={"Origin": "https://crm.example", **PREFLIGHT}
    )
    assert response.status_code == 400


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


async def test_security_headers_are_on_every_kind_of_response(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    responses = [
        await client.post("/graphql", json={"query": "{ __typename }"}),
        await anonymous_client.post("/graphql", json={"query": "{ __typename }"}),  # 401
        await anonymous_client.get("/healthz"),
        await anonymous_client.get("/playground/assets/graphiql.min.js"),
        await anonymous_client.get("/graphql", headers={"Accept": "text/html"}),
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.url, name)
        assert response.headers["x-request-id"]
        assert response.headers["content-security-policy"]
    assert responses[0].headers["content-security-policy"].startswith("default-src 'none'")


async def test_the_playground_csp_allows_only_self_and_its_own_inline_code(
    anonymous_client: httpx.AsyncClient,
) -> None:
    page = await anonymous_client.get("/graphql", headers={"Accept": "text/html"})
    csp = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/=]+'", csp["script-src"])
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/=]+'", csp["style-src"])
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]


# --- the statement listing ---------------------------------------------------------------------

LISTED = {"query": "{ customers(first: 1) { totalCount } }"}


@pytest.mark.parametrize("env", ["development", "production"])
async def test_only_an_admin_who_asks_sees_the_cypher(
    settings: Settings, graph: Graph, make_token: MakeToken, env: str
) -> None:
    """Statements describe the model and, with -Params, carry values: never sent unasked."""
    sales = await make_token("SALES")
    async with app_client(settings, env=env) as (client, _):
        unasked = (await client.post("/graphql", json=LISTED)).json()
        asked = (
            await client.post("/graphql", json=LISTED, headers={"X-Rapport-Debug": "1"})
        ).json()
        not_admin = (
            await client.post(
                "/graphql",
                json=LISTED,
                headers={"X-Rapport-Debug": "1", "Authorization": f"Bearer {sales}"},
            )
        ).json()
    assert "cypher" not in unasked.get("extensions", {})
    assert "cypher" not in not_admin.get("extensions", {})
    assert not_admin["data"]["customers"]["totalCount"] == 0
    assert asked["extensions"]["statementCount"] == 1
    assert "MATCH" in asked["extensions"]["cypher"][0]["statement"]
