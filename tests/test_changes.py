"""The change feed (docs/subscriptions.md): `Query.changes` and `Subscription.changes` over the
audit trail, in commit order, resumable, masked per role, across API processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from typer.testing import CliRunner

from core.settings import Settings
from graphdb.driver import Graph
from graphdb.driver import write_refused as graph_write_refused
from rapport.cli import app
from resolvers import changes as feed
from tests._factories import new_company, new_contact, new_customer, new_product
from tests._gql import gql, mutate, ok
from tests.conftest import ADMIN_TOKEN, MakeToken, free_port

EVENT = (
    "cursor at action mutation entityType entityId changedFields "
    "relationship { type field change otherId } relationships { type field change otherId } "
    "actor { email } "
    "entity { id __typename ... on Customer { name email } ... on Contact { fullName email } }"
)
PAGE = (
    "query P($after: String, $first: Int!, $types: [EntityType!], $entityId: ID, "
    "$actions: [ChangeAction!]) { changes(after: $after, first: $first, types: $types, "
    "entityId: $entityId, actions: $actions) { edges { cursor node { " + EVENT + " } } "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
)
SUBSCRIBE = (
    "subscription S($after: String, $types: [EntityType!], $entityId: ID) { "
    "changes(after: $after, types: $types, entityId: $entityId) { " + EVENT + " } }"
)


async def page(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    variables.setdefault("first", 100)
    return (await gql(client, PAGE, variables))["changes"]  # type: ignore[no-any-return]


async def all_changes(client: httpx.AsyncClient, after: str | None = None) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        got = await page(client, after=after, first=100)
        events += [e["node"] for e in got["edges"]]
        after = got["pageInfo"]["endCursor"]
        if not got["pageInfo"]["hasNextPage"]:
            return events


async def end_cursor(client: httpx.AsyncClient) -> str:
    """The cursor after everything committed so far (a write first, so that there is one)."""
    await new_product(client, sku=f"MARK-{time.monotonic_ns()}")
    return str((await all_changes(client))[-1]["cursor"])


def seq(cursor: str) -> int:
    return feed.decode_cursor(cursor)[1]


async def error_code(client: httpx.AsyncClient, **variables: Any) -> str:
    variables.setdefault("first", 10)
    body = (await client.post("/graphql", json={"query": PAGE, "variables": variables})).json()
    assert body.get("errors"), body
    return str(body["errors"][0]["extensions"]["code"])


# --- a graphql-transport-ws client ---------------------------------------------------------------


class Feed:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def take(self, n: int, within: float = 20) -> list[dict[str, Any]]:
        """The next `n` events (fails on an error message or when they do not come in time)."""
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + within
        while len(events) < n:
            left = deadline - time.monotonic()
            assert left > 0, f"only {len(events)} of {n} events arrived: {events}"
            message = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            events.append(message["payload"]["data"]["changes"])
        return events

    async def message(self, within: float = 20) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.ws.recv(), within))  # type: ignore[no-any-return]


@asynccontextmanager
async def subscribe(
    base_url: str, token: str = ADMIN_TOKEN, query: str = SUBSCRIBE, **variables: Any
) -> AsyncIterator[Feed]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        ack = await ws.recv()
        # text frames: graphql-ws in a browser ignores binary ones
        assert isinstance(ack, str), ack
        assert json.loads(ack)["type"] == "connection_ack"
        payload = {"query": query, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield Feed(ws)


def assert_in_commit_order(events: list[dict[str, Any]]) -> None:
    numbers = [seq(e["cursor"]) for e in events]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers


# --- the log: every kind of write, in commit order ---------------------------------------------


async def test_every_kind_of_write_is_a_change_with_its_relationships(
    client: httpx.AsyncClient,
) -> None:
    customer = await new_customer(client, "C-1", email="jana@example.sk")
    await mutate(client, "updateCustomer", {"id": customer, "leadScore": 70})
    ok(await mutate(client, "tag", {"entityId": customer, "tags": ["vip"]}))
    company = await new_company(client)
    anna, boris = await new_contact(client, "Anna"), await new_contact(client, "Boris")
    ok(await mutate(client, "setEmployment", {"contactId": anna, "companyId": company}))
    ok(await mutate(client, "setReportsTo", {"contactId": anna, "managerId": boris}))
    ok(await mutate(client, "connectContacts", {"contactId": anna, "otherId": boris}))
    consent = {"subjectId": customer, "channel": "EMAIL", "purpose": "news", "granted": True}
    ok(await mutate(client, "recordConsent", consent))
    product = await new_product(client)
    line = {"productId": product, "quantity": 2}
    ok(await mutate(client, "placeOrder", {"customerId": customer, "lines": [line]}))
    ok(await mutate(client, "recordReferral", {"referrerId": anna, "referredId": customer}))
    gone = await new_company(client, "Gone s.r.o.")
    ok(await mutate(client, "deleteCompany", {"id": gone}))

    events = await all_changes(client)
    assert_in_commit_order(events)
    summary = [(e["mutation"], e["action"], e["entityType"]) for e in events]
    assert summary == [
        ("createCustomer", "CREATED", "CUSTOMER"),
        ("updateCustomer", "UPDATED", "CUSTOMER"),
        ("tag", "UPDATED", "CUSTOMER"),
        ("createCompany", "CREATED", "COMPANY"),
        ("createContact", "CREATED", "CONTACT"),
        ("createContact", "CREATED", "CONTACT"),
        ("setEmployment", "UPDATED", "CONTACT"),
        ("setReportsTo", "UPDATED", "CONTACT"),
        ("connectContacts", "UPDATED", "CONTACT"),
        ("recordConsent", "UPDATED", "CUSTOMER"),
        ("createProduct", "CREATED", "PRODUCT"),
        ("placeOrder", "CREATED", "ORDER"),
        ("recordReferral", "UPDATED", "CUSTOMER"),
        ("createCompany", "CREATED", "COMPANY"),
        ("deleteCompany", "DELETED", "COMPANY"),
    ]
    by_mutation = {e["mutation"]: e for e in events}
    assert by_mutation["updateCustomer"]["changedFields"] == ["leadScore"]
    assert by_mutation["updateCustomer"]["relationship"] is None
    assert by_mutation["tag"]["relationship"] == {
        "type": "TAGGED", "field": "tags", "change": "ADDED", "otherId": None
    }  # fmt: skip
    rel = {e["mutation"]: e["relationship"] for e in events if e["relationship"]}
    assert rel["setEmployment"] == {
        "type": "WORKS_AT", "field": "employment", "change": "ADDED", "otherId": company
    }  # fmt: skip
    assert rel["setReportsTo"] == {
        "type": "REPORTS_TO", "field": "reportsTo", "change": "ADDED", "otherId": boris
    }  # fmt: skip
    assert rel["connectContacts"] == {
        "type": "KNOWS", "field": "knows", "change": "ADDED", "otherId": boris
    }  # fmt: skip
    assert rel["recordConsent"]["type"] == "HAS_CONSENT"
    assert rel["recordReferral"] == {
        "type": "REFERRED", "field": "referredBy", "change": "ADDED", "otherId": anna
    }  # fmt: skip
    order_rels = {(r["type"], r["change"]) for r in by_mutation["placeOrder"]["relationships"]}
    assert order_rels == {("PLACED", "ADDED"), ("CONTAINS", "ADDED")}
    # the entity is read like node(id:), as it is now; a deleted one is null
    assert by_mutation["createCustomer"]["entity"] == {
        "id": customer, "__typename": "Customer", "name": "C-1", "email": "jana@example.sk"
    }  # fmt: skip
    assert by_mutation["deleteCompany"]["entity"] is None
    assert by_mutation["deleteCompany"]["entityId"] == gone
    assert {e["actor"]["email"] for e in events} == {"admin@rapport.test"}


async def test_import_merge_and_erasure_are_changes_too(client: httpx.AsyncClient) -> None:
    rows = "externalId,kind,name,email\nI-1,INDIVIDUAL,Ivan,ivan@example.sk\n"
    rows += "I-2,INDIVIDUAL,Ivana,ivana@example.sk\n"
    imported = await mutate(client, "importRecords", {"type": "CUSTOMERS", "data": rows})
    assert not imported["errors"], imported
    keep, merge = await new_customer(client, "M-1"), await new_customer(client, "M-2")
    ok(await mutate(client, "mergeCustomers", {"keepId": keep, "mergeId": merge}))
    ok(await mutate(client, "eraseCustomer", {"id": keep, "reason": "asked"}))
    events = await all_changes(client)
    assert_in_commit_order(events)
    assert [(e["mutation"], e["action"]) for e in events] == [
        ("importRecords", "CREATED"),
        ("importRecords", "CREATED"),
        ("createCustomer", "CREATED"),
        ("createCustomer", "CREATED"),
        ("mergeCustomers", "MERGED"),
        ("eraseCustomer", "ERASED"),
    ]


async def test_an_import_from_the_command_line_is_a_change(
    cli_env: Path, client: httpx.AsyncClient
) -> None:
    path = cli_env / "products.csv"
    path.write_text("sku,name,price,currency\nCLI-1,From the shell,2.00,EUR\n")
    args = ["import", str(path), "--type", "products", "--no-progress"]
    result = await asyncio.to_thread(CliRunner().invoke, app, args)  # the CLI runs its own loop
    assert result.exit_code == 0, result.output
    events = await all_changes(client)
    assert [(e["mutation"], e["action"], e["actor"]) for e in events] == [
        ("importRecords", "CREATED", None)
    ]


async def test_an_erasure_event_carries_no_personal_value(client: httpx.AsyncClient) -> None:
    customer = await new_customer(
        client, "E-1", name="Erika Zelená", email="erika@example.sk", phone="+421900123456"
    )
    ok(await mutate(client, "eraseCustomer", {"id": customer, "reason": "right to erasure"}))
    events = await all_changes(client)
    erased = events[-1]
    assert erased["action"] == "ERASED"
    assert "email" in erased["changedFields"]
    text = json.dumps(events)  # the creation's event too: it is read now, after the erasure
    for value in ("Erika", "Zelená", "erika@example.sk", "900123456"):
        assert value not in text


# --- paging and cursors --------------------------------------------------------------------------


async def test_pages_after_a_cursor_have_no_gap_and_no_duplicate(
    client: httpx.AsyncClient,
) -> None:
    await asyncio.gather(*(new_product(client, sku=f"P-{i}") for i in range(30)))
    whole = await all_changes(client)
    assert len(whole) == 30
    assert_in_commit_order(whole)
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        got = await page(client, after=after, first=7)
        pages += [e["node"] for e in got["edges"]]
        assert got["pageInfo"]["hasPreviousPage"] is (after is not None)
        after = got["pageInfo"]["endCursor"]
        if not got["pageInfo"]["hasNextPage"]:
            break
    assert [e["cursor"] for e in pages] == [e["cursor"] for e in whole]
    assert len({e["entityId"] for e in pages}) == 30


async def test_filters_skip_changes_but_the_cursor_moves_past_them(
    client: httpx.AsyncClient,
) -> None:
    customer = await new_customer(client, "F-1")
    await new_product(client)
    await mutate(client, "updateCustomer", {"id": customer, "leadScore": 5})
    only = await page(client, types=["CUSTOMER"], actions=["UPDATED"])
    assert [e["node"]["mutation"] for e in only["edges"]] == ["updateCustomer"]
    mine = await page(client, entityId=customer)
    assert [e["node"]["mutation"] for e in mine["edges"]] == ["createCustomer", "updateCustomer"]
    nothing = await page(client, types=["USER"])
    assert nothing["edges"] == [] and nothing["pageInfo"]["hasNextPage"] is False
    assert seq(nothing["pageInfo"]["endCursor"]) == seq(mine["pageInfo"]["endCursor"])


async def test_bad_arguments_are_clear_errors(client: httpx.AsyncClient, graph: Graph) -> None:
    cursor = await end_cursor(client)
    assert await error_code(client, after="garbage") == "INVALID_CURSOR"
    assert await error_code(client, after=feed.encode_cursor("x", -1)) == "INVALID_CURSOR"
    assert await error_code(client, first=501) == "INVALID_ARGUMENT"
    assert await error_code(client, first=-1) == "INVALID_ARGUMENT"
    assert await error_code(client, entityId="nope") == "INVALID_ID"
    # a cursor of another list
    other = (await gql(client, "{ products(first: 1) { pageInfo { endCursor } } }"))["products"]
    assert await error_code(client, after=other["pageInfo"]["endCursor"]) == "FOREIGN_CURSOR"
    # a cursor of a log that was emptied since
    await graph.write("MATCH (log:ChangeLog) SET log.epoch = randomUUID()")
    assert await error_code(client, after=cursor) == "CURSOR_EXPIRED"


async def test_a_cursor_older_than_the_retention_is_expired(
    client: httpx.AsyncClient, graph: Graph, live_server_url: str
) -> None:
    old = await end_cursor(client)
    await new_product(client, sku="LATER")
    await graph.write(
        "MATCH (e:AuditEvent {seq: $seq}) SET e.at = datetime() - duration('P31D')",
        {"seq": seq(old)},
    )
    body = (
        await client.post("/graphql", json={"query": PAGE, "variables": {"after": old, "first": 5}})
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"
    assert "retention (30 days)" in body["errors"][0]["message"]
    async with subscribe(live_server_url, after=old) as sub:
        message = await sub.message()
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "CURSOR_EXPIRED"
    # without `after`, the window starts at the oldest change still retained
    assert [e["entityType"] for e in await all_changes(client)] == ["PRODUCT"]


async def test_a_subscription_over_http_post_needs_a_websocket(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "subscription { changes { cursor } }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_WEBSOCKET"


# --- masking -----------------------------------------------------------------------------------


async def test_an_analyst_never_receives_a_personal_value(
    client: httpx.AsyncClient, live_server_url: str, make_token: MakeToken
) -> None:
    analyst = await make_token("ANALYST")
    start = await end_cursor(client)
    async with subscribe(live_server_url, analyst, after=start, types=["CUSTOMER"]) as sub:
        await new_customer(client, "A-1", name="Adam", email="adam@example.sk")
        await new_contact(client, "Zora", email="zora@example.sk")
        customer = await new_customer(client, "A-2", name="Alžbeta", email="al@example.sk")
        await mutate(client, "updateCustomer", {"id": customer, "email": "new@example.sk"})
        events = await sub.take(3)
    assert [e["mutation"] for e in events] == ["createCustomer", "createCustomer", "updateCustomer"]
    assert [e["entity"]["email"] for e in events] == [None, None, None]
    assert events[2]["changedFields"] == ["email"]
    assert "example.sk" not in json.dumps(events)
    # users are staff, not data subjects: their e-mail is shown to every role, as in node(id:)
    assert {e["actor"]["email"] for e in events} == {"admin@rapport.test"}


async def test_sales_sees_personal_values_of_its_own_accounts_only(
    client: httpx.AsyncClient, graph: Graph, make_token: MakeToken
) -> None:
    sales = await make_token("SALES", email="sam@rapport.test")
    own = await new_customer(client, "S-1", email="own@example.sk")
    other = await new_customer(client, "S-2", email="other@example.sk")
    await graph.write(
        "MATCH (u:User {email: 'sam@rapport.test'}), (c:Customer {externalId: 'S-1'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    headers = {"Authorization": f"Bearer {sales}"}
    async with httpx.AsyncClient(base_url=str(client.base_url), headers=headers) as as_sales:
        events = await all_changes(as_sales)
    emails = {e["entityId"]: e["entity"]["email"] for e in events}
    assert emails == {own: "own@example.sk", other: None}


# --- the subscription: replay, live, resume -------------------------------------------------------


async def test_a_subscription_replays_after_a_cursor_then_goes_live_and_resumes(
    client: httpx.AsyncClient, live_server_url: str
) -> None:
    start = await end_cursor(client)
    missed = [await new_product(client, sku=f"R-{i}") for i in range(3)]
    async with subscribe(live_server_url, after=start) as sub:
        replayed = await sub.take(3)
        live = [await new_product(client, sku=f"L-{i}") for i in range(2)]
        arrived = await sub.take(2)
    assert [e["entityId"] for e in replayed + arrived] == missed + live
    assert_in_commit_order(replayed + arrived)
    # while nobody listens, two more; resuming from the last cursor gets exactly those
    later = [await new_product(client, sku=f"G-{i}") for i in range(2)]
    async with subscribe(live_server_url, after=arrived[-1]["cursor"]) as sub:
        resumed = await sub.take(2)
        await new_product(client, sku="AFTER")
        (after,) = await sub.take(1)
    assert [e["entityId"] for e in resumed] == later
    assert seq(after["cursor"]) == seq(resumed[-1]["cursor"]) + 1


async def test_a_thousand_changes_arrive_in_commit_order(
    client: httpx.AsyncClient, live_server_url: str
) -> None:
    start = await end_cursor(client)
    rows = "sku,name,price,currency\n" + "".join(
        f"K-{i:04},Product {i},1.00,EUR\n" for i in range(1000)
    )
    async with subscribe(live_server_url, after=start, types=["PRODUCT"]) as sub:
        imported = await mutate(client, "importRecords", {"type": "PRODUCTS", "data": rows})
        assert not imported["errors"], imported
        events = await sub.take(1000, within=60)
    assert_in_commit_order(events)
    assert len({e["entityId"] for e in events}) == 1000


async def test_a_slow_subscriber_is_dropped_with_a_reason(graph: Graph, settings: Settings) -> None:
    config = feed.FeedConfig(
        retention_s=3600, poll_interval_s=0.05, max_pending=3, max_page_size=500
    )
    hub = feed.ChangeHub(graph, config)
    reasons: list[str] = []

    async def drop(reason: str) -> None:
        reasons.append(reason)

    slow = feed.Subscriber(config.max_pending, drop)
    await hub.join(slow)
    try:
        deadline = time.monotonic() + 20
        i = 0
        while not reasons:  # one change at a time, nobody reading
            assert time.monotonic() < deadline, "the slow subscriber was never dropped"
            await graph.write(
                "MERGE (log:ChangeLog {id: 'changes'}) ON CREATE SET log.seq = 0, "
                "log.epoch = randomUUID() SET log.seq = log.seq + 1 "
                "CREATE (:AuditEvent {id: randomUUID(), seq: log.seq, at: datetime(), "
                "recordedAt: datetime(), action: 'test', change: 'UPDATED', "
                "entityType: 'Product', entityId: $id, changes: '{}'})",
                {"id": str(i)},
            )
            i += 1
            await asyncio.sleep(0)  # the poller runs on this loop
        assert reasons == [
            "Too slow: more than 3 changes were waiting. Resume with `after:` the last cursor "
            "you received."
        ]
        assert slow.queue.qsize() == 1  # only the end marker: nothing else is kept for it
        with pytest.raises(feed.Dropped):
            await slow.next()
    finally:
        hub.leave(slow)


# --- scale-out: other processes on the same Neo4j ------------------------------------------------


@contextmanager
def api_process(
    settings: Settings, port: int, workers: int = 1, **extra_env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`rapport serve` as its own process on `port`, on the test Neo4j, until the block ends."""
    env = {
        **os.environ,
        "NEO4J_URI": settings.effective_neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "RAPPORT_RATE_LIMIT": "100000",
        "RAPPORT_RATE_BURST": "100000",
        "RAPPORT_MAX_IN_FLIGHT": "0",
        "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0",
        "RAPPORT_KEY_LAST_USED_INTERVAL": "0",
        "RAPPORT_LOG_LEVEL": "WARNING",
        **extra_env,
    }
    rapport = str(Path(sys.executable).parent / "rapport")
    cmd = [rapport, "serve", "--port", str(port), "--workers", str(workers), "--no-start-db"]
    process = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the API process exited"
            assert time.monotonic() < deadline, "the API process did not come up"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


async def test_other_processes_see_every_write_and_a_killed_one_resumes_without_gap(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    port = free_port()
    start = await end_cursor(client)
    with api_process(settings, port, workers=2):
        other = f"http://127.0.0.1:{port}"
        # two subscribers on the two-worker instance, writes through the first instance
        async with subscribe(other, after=start) as one, subscribe(other, after=start) as two:
            written = [await new_product(client, sku=f"X-{i}") for i in range(5)]
            got_one, got_two = await one.take(5), await two.take(5)
        assert [e["entityId"] for e in got_one] == written
        assert [e["entityId"] for e in got_two] == written
        # and a write through the second instance reaches the first instance's subscribers
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with (
            httpx.AsyncClient(base_url=other, headers=headers, timeout=30) as there,
            subscribe(str(client.base_url), after=got_one[-1]["cursor"]) as here,
        ):
            product = await new_product(there, sku="FROM-THERE")
            (seen,) = await here.take(1)
        assert seen["entityId"] == product

    port = free_port()
    with api_process(settings, port) as process:
        url = f"http://127.0.0.1:{port}"
        async with subscribe(url, after=seen["cursor"]) as sub:
            first = [await new_product(client, sku=f"K9-{i}") for i in range(3)]
            received = await sub.take(3)
            os.killpg(process.pid, signal.SIGKILL)  # mid-stream, no goodbye
            process.wait(timeout=20)
            with pytest.raises(websockets.ConnectionClosed):
                await sub.message()
    meanwhile = [await new_product(client, sku=f"K9-late-{i}") for i in range(3)]
    port = free_port()
    with api_process(settings, port):
        url = f"http://127.0.0.1:{port}"
        async with subscribe(url, after=received[-1]["cursor"]) as sub:
            resumed = await sub.take(3)
    assert [e["entityId"] for e in received] == first
    assert [e["entityId"] for e in resumed] == meanwhile
    assert_in_commit_order([seen, *received, *resumed])


async def test_open_subscriptions_and_delivered_events_are_counted_in_metrics(
    client: httpx.AsyncClient, live_server_url: str
) -> None:
    from tests.test_observability import delta, scrape

    async with httpx.AsyncClient(base_url=live_server_url) as http:
        before = await scrape(http)
        async with subscribe(live_server_url) as sub:
            await new_product(client, sku="METRIC-1")
            await sub.take(1)
            during = await scrape(http)
        assert delta(before, during, "rapport_subscriptions_open") == 1
        assert delta(before, during, "rapport_subscription_events_total", field="changes") == 1
        # the server notices the closed socket on its own time: wait for it, with a deadline
        deadline = asyncio.get_running_loop().time() + 20
        while delta(before, await scrape(http), "rapport_subscriptions_open") != 0:
            assert asyncio.get_running_loop().time() < deadline, "subscription never closed"
            await asyncio.sleep(0.1)


# --- identical subscriptions share one execution ------------------------------------------------

LIVE_PRODUCTS = (
    "subscription Live { changes(types: [PRODUCT]) { cursor entityId "
    "entity { id ... on Product { sku } } } }"
)
LIVE_CUSTOMERS = (
    "subscription Live { changes(types: [CUSTOMER]) { cursor entityId "
    "entity { ... on Customer { email } } } }"
)


async def until_open(http: httpx.AsyncClient, before: dict[Any, float], n: int) -> dict[Any, float]:
    """Metrics once `n` more subscriptions are open: each then gets every later change."""
    from tests.test_observability import delta, scrape

    deadline = time.monotonic() + 30
    while True:
        samples = await scrape(http)
        if delta(before, samples, "rapport_subscriptions_open") == n:
            return samples
        assert time.monotonic() < deadline, "the subscriptions never opened"
        await asyncio.sleep(0.05)


async def test_identical_subscriptions_share_one_execution_and_each_gets_every_change_once(
    client: httpx.AsyncClient, live_server_url: str
) -> None:
    from tests.test_observability import delta, scrape

    async with httpx.AsyncClient(base_url=live_server_url) as http, AsyncExitStack() as stack:
        before = await scrape(http)
        subs = [
            await stack.enter_async_context(subscribe(live_server_url, query=LIVE_PRODUCTS))
            for _ in range(12)
        ]
        during = await until_open(http, before, 12)
        assert delta(before, during, "rapport_subscription_executions") == 1
        written = [await new_product(client, sku=f"SH-{i}") for i in range(5)]
        got = [await sub.take(5) for sub in subs]
        # and nothing twice: the next thing each receives is the next change
        marker = await new_product(client, sku="SH-NEXT")
        nexts = [(await sub.take(1))[0] for sub in subs]
    for events, (after,) in zip(got, [[n] for n in nexts], strict=True):
        assert [e["entityId"] for e in events] == written
        assert [e["entity"]["sku"] for e in events] == [f"SH-{i}" for i in range(5)]
        assert_in_commit_order([*events, after])
        assert after["entityId"] == marker
    assert len({json.dumps(events) for events in got}) == 1  # the very same payloads


async def test_subscribers_of_one_document_are_masked_by_their_own_role(
    client: httpx.AsyncClient, live_server_url: str, graph: Graph, make_token: MakeToken
) -> None:
    from tests.test_observability import delta, scrape

    own = await new_customer(client, "M-1", email="own@example.sk")
    other = await new_customer(client, "M-2", email="other@example.sk")
    sam = await make_token("SALES", email="sam@rapport.test")
    sid = await make_token("SALES", email="sid@rapport.test")
    await graph.write(
        "MATCH (u:User {email: 'sam@rapport.test'}), (c:Customer {externalId: 'M-1'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    tokens = {
        "admin-1": ADMIN_TOKEN,
        "admin-2": ADMIN_TOKEN,
        "analyst-1": await make_token("ANALYST"),
        "analyst-2": await make_token("ANALYST"),  # another user, the same role: shares
        "sam": sam,
        "sid": sid,  # another SALES user: sees other accounts, so never shares with sam
    }
    async with httpx.AsyncClient(base_url=live_server_url) as http, AsyncExitStack() as stack:
        before = await scrape(http)
        subs = {
            who: await stack.enter_async_context(
                subscribe(live_server_url, token, query=LIVE_CUSTOMERS)
            )
            for who, token in tokens.items()
        }
        during = await until_open(http, before, len(tokens))
        # ADMIN, ANALYST, and one for each SALES user
        assert delta(before, during, "rapport_subscription_executions") == 4
        for customer in (own, other):
            await mutate(client, "updateCustomer", {"id": customer, "leadScore": 50})
        got = {who: await sub.take(2) for who, sub in subs.items()}
    emails = {who: [e["entity"]["email"] for e in events] for who, events in got.items()}
    assert emails == {
        "admin-1": ["own@example.sk", "other@example.sk"],
        "admin-2": ["own@example.sk", "other@example.sk"],
        "analyst-1": [None, None],
        "analyst-2": [None, None],
        "sam": ["own@example.sk", None],
        "sid": [None, None],
    }
    assert "example.sk" not in json.dumps([got["analyst-1"], got["analyst-2"], got["sid"]])
    assert [e["entityId"] for e in got["analyst-1"]] == [own, other]


async def test_a_bad_argument_of_a_shared_live_subscription_is_a_clear_error(
    live_server_url: str,
) -> None:
    async with (
        subscribe(live_server_url, entityId="nope") as one,
        subscribe(live_server_url, entityId="nope") as two,
    ):
        messages = [await one.message(), await two.message()]
    for message in messages:
        payload = message["payload"]
        errors = payload if message["type"] == "error" else payload["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["INVALID_ID"], message


class StalledSubscriber:
    """A graphql-transport-ws client on a raw socket that reads nothing until `drain`: a
    client library would keep reading into its own memory, hiding the slowness."""

    def __init__(self, url: str, token: str, query: str) -> None:
        from websockets.client import ClientProtocol
        from websockets.uri import parse_uri

        self.url, self.token, self.query = url, token, query
        self.protocol = ClientProtocol(
            parse_uri(url.replace("http://", "ws://") + "/graphql"),
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            max_size=None,
        )
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
        self.sock.setblocking(False)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(self.sock, b"".join(self.protocol.data_to_send()))

    async def _events(self) -> list[Any]:
        data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(self.sock, 65536), 30)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        await self._flush()  # pongs, the closing handshake
        return list(self.protocol.events_received())

    async def start(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        await asyncio.get_running_loop().sock_connect(self.sock, (host, int(port)))
        self.protocol.send_request(self.protocol.connect())
        await self._flush()
        init = {"type": "connection_init", "payload": {"authToken": self.token}}
        acked = False
        while not acked:
            for event in await self._events():
                if getattr(event, "data", None) is not None and b"connection_ack" in event.data:
                    acked = True
                elif not acked and not hasattr(event, "status_code"):
                    continue
                else:  # the handshake's response: now say hello
                    self.protocol.send_text(json.dumps(init).encode())
                    await self._flush()
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": self.query}}
        self.protocol.send_text(json.dumps(subscribe).encode())
        await self._flush()

    async def drain(self) -> tuple[list[dict[str, Any]], Any]:
        """Everything still coming, until the server closes: (messages, its close frame)."""
        messages: list[dict[str, Any]] = []
        while self.protocol.close_rcvd is None:
            for event in await self._events():
                if getattr(event, "opcode", None) == websockets.frames.Opcode.TEXT:
                    messages.append(json.loads(event.data))
        self.sock.close()
        return messages, self.protocol.close_rcvd


async def test_a_slow_subscriber_of_a_shared_execution_is_closed_alone(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # wide events (a 5,000-character description under 25 aliases, ~125 kB) soon fill the
    # socket buffers of a client that does not read
    wide = (
        "subscription Wide { changes(types: [PRODUCT]) { cursor entityId "
        + " ".join(f"e{i}: entity {{ ... on Product {{ description }} }}" for i in range(25))
        + " } }"
    )
    port = free_port()
    with api_process(settings, port, RAPPORT_CHANGES_MAX_PENDING="5"):
        url = f"http://127.0.0.1:{port}"
        slow = StalledSubscriber(url, ADMIN_TOKEN, wide)
        await slow.start()
        async with (
            httpx.AsyncClient(base_url=url) as http,
            subscribe(url, query=wide) as one,
            subscribe(url, query=wide) as two,
        ):
            await until_open(http, {}, 3)  # a fresh process: these three are all
            got: list[list[dict[str, Any]]] = [[], []]

            async def read(feed_: Feed, into: list[dict[str, Any]]) -> None:
                while True:
                    into += await feed_.take(1, within=60)

            readers = [
                asyncio.create_task(read(one, got[0])),
                asyncio.create_task(read(two, got[1])),
            ]
            try:
                for part in range(3):  # three polls' worth; the slow one reads nothing
                    rows = "sku,name,price,currency,description\n" + "".join(
                        f"W-{part}-{i:02},Wide {i},1.00,EUR,{'x' * 5000}\n" for i in range(40)
                    )
                    imported = await mutate(
                        client, "importRecords", {"type": "PRODUCTS", "data": rows}
                    )
                    assert not imported["errors"], imported
                    # the two readers have this batch before the next is written
                    deadline = time.monotonic() + 60
                    while min(len(g) for g in got) < 40 * (part + 1):
                        assert time.monotonic() < deadline, [len(g) for g in got]
                        for task in readers:
                            if task.done():
                                task.result()  # a reader that failed says why
                        await asyncio.sleep(0.05)
            finally:
                for task in readers:
                    task.cancel()
            received, close = await slow.drain()
    got_one, got_two = got
    assert len(got_one) == 120
    assert_in_commit_order(got_one)
    assert got_one == got_two
    assert close.code == 4429
    assert close.reason.startswith("Too slow: more than 5 changes were waiting.")
    events = [m["payload"]["data"]["changes"] for m in received if m["type"] == "next"]
    assert len(events) < 120  # it was dropped, not served to the end
    assert events == got_one[: len(events)]  # what it did get, it got in order


# --- reading the log needs no write ------------------------------------------------------------


class ReadOnlyGraph(Graph):
    """The test database through a session that may only read: Neo4j refuses every write in
    it, as it does on a read-only database or for credentials without write rights."""

    def __init__(self, graph: Graph) -> None:
        self.__dict__.update(graph.__dict__)

    async def write_tx(self, work: Any, *, timeout_s: float | None = None) -> Any:
        from neo4j import READ_ACCESS

        async with self.driver.session(
            database=self.database, default_access_mode=READ_ACCESS
        ) as session:
            return await session.execute_read(work)


async def test_changes_pages_without_writing_leaving_pending_events_for_a_writer(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    start = await end_cursor(client)
    numbered = [await new_product(client, sku=f"RO-{i}") for i in range(2)]
    await feed.number_pending(graph)
    # a change committed but not numbered yet (as a mutation leaves it, before any reader)
    await graph.write(
        "CREATE (:AuditEvent:ChangePending {id: randomUUID(), at: datetime(), "
        "recordedAt: datetime(), action: 'createProduct', change: 'CREATED', "
        "entityType: 'Product', entityId: 'pending', changes: '{}'})"
    )
    config = feed.FeedConfig(
        retention_s=3600, poll_interval_s=0.2, max_pending=10, max_page_size=500
    )
    reader = feed.EntityReader(None, None, feed.Visibility(), 500, None, None)
    read_only = ReadOnlyGraph(graph)
    with pytest.raises(Exception) as refused:  # the database really refuses the write
        await read_only.write("CREATE (:Probe)")
    assert graph_write_refused(refused.value)
    page_ = await feed.page(
        read_only, reader, config, after=start, first=10, filters=feed.Filters()
    )
    assert [global_id_of(d.row) for d in page_.events] == numbered
    assert (await graph.read("MATCH (e:ChangePending) RETURN count(e) AS n"))[0]["n"] == 1
    # a writer numbers it; the same page then has it too
    page_ = await feed.page(graph, reader, config, after=start, first=10, filters=feed.Filters())
    assert [d.row.entity_id for d in page_.events][-1] == "pending"
    assert len(page_.events) == 3


def global_id_of(row: feed.ChangeRow) -> str:
    return row.entity_global_id
