"""Admission control: beyond the requests in flight allowed, a fast 503 OVERLOADED.

To have requests truly in flight, the test holds a write lock on a company in a transaction of
its own; updates of that company through the API wait for it inside Neo4j until it is released.
"""

from __future__ import annotations

import asyncio
from asyncio import Task
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from httpx import Response
from starlette.applications import Starlette

from core.settings import Settings
from graphdb.driver import Graph
from tests._apps import app_client
from tests._factories import new_company
from tests._gql import raw
from tests.conftest import MakeToken

UPDATE = 'mutation($id: ID!) { updateCompany(input: {id: $id, name: "Held"}) { errors { code } } }'


@asynccontextmanager
async def company_locked(graph: Graph, company_id: str) -> AsyncIterator[None]:
    async with graph.driver.session(database=graph.database) as session:
        tx = await session.begin_transaction()
        try:
            await tx.run("MATCH (c:Company {id: $id}) SET c._held = true", id=raw(company_id))
            yield
        finally:
            await tx.rollback()


def hold(api: httpx.AsyncClient, app: Starlette, company: str, n: int) -> list[Task[Response]]:
    """Start `n` updates of the locked company; `admitted(app, n)` waits until they are in."""
    admission = app.state.admission
    if not hasattr(admission, "admitted"):
        admission.admitted = asyncio.Semaphore(0)
        enter = admission.enter_viewer  # the last stage: the request is through both bounds

        def counted_enter(key: str) -> None:
            enter(key)
            admission.admitted.release()

        admission.enter_viewer = counted_enter
    body = {"query": UPDATE, "variables": {"id": company}}
    return [asyncio.create_task(api.post("/graphql", json=body)) for _ in range(n)]


async def admitted(app: Starlette, n: int) -> None:
    for _ in range(n):
        await app.state.admission.admitted.acquire()
    assert app.state.admission.in_flight == n


def assert_overloaded(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["x-request-id"]
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "OVERLOADED"
    assert body["requestId"] == response.headers["x-request-id"]


async def test_beyond_the_process_limit_a_request_is_refused_at_once(
    settings: Settings, client: httpx.AsyncClient, graph: Graph, make_token: MakeToken
) -> None:
    company = await new_company(client)
    other_token = await make_token("ADMIN")
    async with app_client(settings, max_in_flight=3, max_in_flight_per_viewer=0) as (api, app):
        async with company_locked(graph, company):
            held = hold(api, app, company, 3)
            await admitted(app, 3)
            refused = await api.post(
                "/graphql",
                json={"query": "{ apiVersion }"},
                headers={"Authorization": f"Bearer {other_token}"},
            )
            assert_overloaded(refused)
        answers = await asyncio.gather(*held)
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert app.state.admission.in_flight == 0
        assert (await api.post("/graphql", json={"query": "{ apiVersion }"})).status_code == 200


async def test_one_client_cannot_take_every_slot(
    settings: Settings, client: httpx.AsyncClient, graph: Graph, make_token: MakeToken
) -> None:
    company = await new_company(client)
    other_token = await make_token("ADMIN")
    async with app_client(settings, max_in_flight=10, max_in_flight_per_viewer=2) as (api, app):
        async with company_locked(graph, company):
            held = hold(api, app, company, 2)
            await admitted(app, 2)
            assert_overloaded(await api.post("/graphql", json={"query": "{ apiVersion }"}))
            other = await api.post(
                "/graphql",
                json={"query": "{ apiVersion }"},
                headers={"Authorization": f"Bearer {other_token}"},
            )
            assert other.status_code == 200, "another client still gets in"
        assert [a.status_code for a in await asyncio.gather(*held)] == [200, 200]


async def test_health_and_readiness_are_never_refused(
    settings: Settings, client: httpx.AsyncClient, graph: Graph
) -> None:
    company = await new_company(client)
    async with app_client(settings, max_in_flight=1) as (api, app):
        async with company_locked(graph, company):
            [held] = hold(api, app, company, 1)
            await admitted(app, 1)
            assert (await api.get("/healthz")).status_code == 200
            assert (await api.get("/readyz")).status_code == 200
        assert (await held).status_code == 200
