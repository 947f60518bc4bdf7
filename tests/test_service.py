"""The service answers GraphQL, reports health and readiness, and survives a Neo4j outage."""

from __future__ import annotations

import httpx

from core.settings import Settings
from graphdb.driver import Graph
from tests._apps import app_client


async def test_typename_query_answers(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_get_query_answers_like_post(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ apiVersion }"})
    assert response.status_code == 200
    assert response.json()["data"]["apiVersion"]


async def test_healthz_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_neo4j_is_reachable_and_migrated(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


async def test_readyz_is_503_while_migrations_are_pending(settings: Settings, graph: Graph) -> None:
    await graph.write("MATCH (m:RapportMigration {version: 3}) DELETE m")
    try:  # an app of its own: the live server may still hold a cached "ready" (1 s)
        async with app_client(settings, token=None, run_migrations=False) as (client, _):
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert "migrations pending: [3]" in response.json()["reason"]
    finally:
        await graph.write(
            "MERGE (m:RapportMigration {version: 3}) SET m.description = 'restored by test'"
        )


async def test_debug_extension_lists_each_statement_in_development(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "{ databaseReady }"})
    body = response.json()
    assert body["data"] == {"databaseReady": True}
    assert body["extensions"]["statementCount"] == 0  # ping bypasses the statement log
