"""Every create mutation takes an `idempotencyKey`: a retry returns the first record, once.

(placeOrder keeps its key on the order itself, scoped to the user the same way:
tests/test_mutations_orders.py.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from graphdb.driver import Graph
from tests._factories import new_contact, new_customer
from tests._gql import codes, error_fields, gql, mutate, ok
from tests._graph_counts import unchanged
from tests.conftest import MakeToken

Inputs = Callable[[httpx.AsyncClient], Awaitable[tuple[dict[str, Any], dict[str, Any]]]]


async def _company(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"name": "Acme s.r.o."}, {"name": "Other s.r.o."}


async def _customer(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    first = {"externalId": "C-9", "kind": "INDIVIDUAL", "name": "Jana"}
    return first, {**first, "name": "Jana Nová"}


async def _contact(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"firstName": "Peter", "lastName": "Horváth"}, {"firstName": "Petra", "lastName": "H"}


async def _product(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    first = {"sku": "SKU-9", "name": "Widget", "price": "10.00", "currency": "EUR"}
    return first, {**first, "price": "11.00"}


async def _user(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    first = {"name": "Eva", "email": "eva@rapport.example", "role": "SALES"}
    return first, {**first, "role": "MANAGER"}


async def _segment(_: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"name": "VIP"}, {"name": "VIP", "description": "other"}


async def _interaction(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    customer = await new_customer(client, "C-1")
    first = {"kind": "CALL", "participantIds": [customer], "subject": "Renewal"}
    return first, {**first, "subject": "Something else"}


async def _referral(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    referrer, referred = await new_customer(client, "C-1"), await new_customer(client, "C-2")
    first = {"referrerId": referrer, "referredId": referred, "channel": "word of mouth"}
    return first, {**first, "channel": "LinkedIn"}


# mutation, its input, what to select, the label of the node it creates (or None)
CREATES: list[tuple[str, Inputs, str, str]] = [
    ("createCompany", _company, "company { id }", "Company"),
    ("createCustomer", _customer, "customer { id }", "Customer"),
    ("createContact", _contact, "contact { id }", "Contact"),
    ("createProduct", _product, "product { id }", "Product"),
    ("createUser", _user, "user { id }", "User"),
    ("createSegment", _segment, "segment { id }", "Segment"),
    ("logInteraction", _interaction, "interaction { id }", "Interaction"),
    ("recordReferral", _referral, "referred { id }", "Customer"),
]
IDS = [c[0] for c in CREATES]


def _id(payload: dict[str, Any]) -> str:
    [entity] = [v for k, v in payload.items() if k != "errors"]
    return str(entity["id"])


async def _count(graph: Graph, label: str) -> int:
    rows = await graph.read(f"MATCH (n:{label}) RETURN count(n) AS n")
    return int(rows[0]["n"])


async def _events(graph: Graph, action: str) -> int:
    rows = await graph.read("MATCH (e:AuditEvent {action: $a}) RETURN count(e) AS n", {"a": action})
    return int(rows[0]["n"])


@pytest.mark.parametrize(("name", "inputs", "selection", "label"), CREATES, ids=IDS)
async def test_a_retry_with_the_same_key_returns_the_first_record_and_creates_nothing(
    client: httpx.AsyncClient, graph: Graph, name: str, inputs: Inputs, selection: str, label: str
) -> None:
    first, _ = await inputs(client)
    keyed = {**first, "idempotencyKey": f"key-{uuid.uuid4()}"}
    created = ok(await mutate(client, name, keyed, selection))
    before = await _count(graph, label)
    events = await _events(graph, name)
    replayed = ok(await mutate(client, name, keyed, selection))
    assert _id(replayed) == _id(created)
    assert await _count(graph, label) == before
    assert await _events(graph, name) == events == 1
    if name == "recordReferral":
        rows = await graph.read("MATCH ()-[r:REFERRED]->() RETURN count(r) AS n")
        assert rows == [{"n": 1}]


@pytest.mark.parametrize(("name", "inputs", "selection", "label"), CREATES, ids=IDS)
async def test_the_same_key_with_different_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, graph: Graph, name: str, inputs: Inputs, selection: str, label: str
) -> None:
    first, other = await inputs(client)
    key = f"key-{uuid.uuid4()}"
    ok(await mutate(client, name, {**first, "idempotencyKey": key}, selection))
    async with unchanged(graph):
        refused = await mutate(client, name, {**other, "idempotencyKey": key}, selection)
    assert codes(refused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert error_fields(refused) == [["input", "idempotencyKey"]]


async def test_one_key_used_for_two_different_mutations_is_refused(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ok(await mutate(client, "createCompany", {"name": "Acme", "idempotencyKey": "k-1"}))
    refused = await mutate(
        client, "createContact", {"firstName": "A", "lastName": "B", "idempotencyKey": "k-1"}
    )
    assert codes(refused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await _count(graph, "Contact") == 0


async def test_keys_belong_to_their_user(
    client: httpx.AsyncClient, graph: Graph, live_server_url: str, make_token: MakeToken
) -> None:
    """Another user's identical key is another request: it never returns the admin's record."""
    mine = ok(await mutate(client, "createCompany", {"name": "Acme", "idempotencyKey": "k-1"}))
    token = await make_token("MANAGER")
    async with httpx.AsyncClient(
        base_url=live_server_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as other:
        theirs = ok(
            await mutate(other, "createCompany", {"name": "Acme", "idempotencyKey": "k-1"}, "")
        )
    assert theirs["errors"] == [] and await _count(graph, "Company") == 2
    assert mine["errors"] == []


async def test_concurrent_requests_with_one_key_create_exactly_one_record(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = {"name": "Acme", "idempotencyKey": "double-click"}
    payloads = await asyncio.gather(
        *(mutate(client, "createCompany", data, "company { id }") for _ in range(12))
    )
    assert {_id(ok(p)) for p in payloads} == {_id(payloads[0])}
    assert await _count(graph, "Company") == 1
    assert await _events(graph, "createCompany") == 1


async def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_customer(client, "C-1")
    data = {"externalId": "C-1", "kind": "INDIVIDUAL", "name": "X", "idempotencyKey": "k"}
    assert codes(await mutate(client, "createCustomer", data)) == ["DUPLICATE"]
    data["externalId"] = "C-2"
    ok(await mutate(client, "createCustomer", data, "customer { id }"))


@pytest.mark.parametrize("key", ["", " padded ", "x" * 129], ids=["empty", "spaces", "too-long"])
async def test_a_malformed_key_is_refused_with_its_field(
    client: httpx.AsyncClient, graph: Graph, key: str
) -> None:
    async with unchanged(graph):
        refused = await mutate(client, "createCompany", {"name": "Acme", "idempotencyKey": key})
    assert error_fields(refused) == [["input", "idempotencyKey"]]


DUPLICATE_ID = "errors { field code message existingId }"


async def test_a_duplicate_names_the_record_that_already_has_the_value(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    existing = await new_customer(client, "C-1")
    data = {"externalId": "C-1", "kind": "INDIVIDUAL", "name": "Again"}
    query = (
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { "
        f"{DUPLICATE_ID} }} }}"
    )
    [error] = (await gql(client, query, {"input": data}))["createCustomer"]["errors"]
    assert error["code"] == "DUPLICATE"
    assert error["existingId"] == existing


async def test_other_errors_have_no_existing_id(client: httpx.AsyncClient, graph: Graph) -> None:
    await new_contact(client)
    query = 'mutation { createCompany(input: {name: ""}) { ' + DUPLICATE_ID + " } }"
    [error] = (await gql(client, query))["createCompany"]["errors"]
    assert error["existingId"] is None


async def test_an_upsert_replayed_with_its_key_changes_nothing_the_second_time(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    data = {"externalId": "C-7", "kind": "INDIVIDUAL", "name": "Jana", "idempotencyKey": "u-1"}
    selection = "customer { id version } created"
    first = ok(await mutate(client, "upsertCustomer", data, selection))
    ok(await mutate(client, "updateCustomer", {"id": first["customer"]["id"], "name": "Jana 2"}))
    again = ok(await mutate(client, "upsertCustomer", data, selection))
    assert again["customer"] == {"id": first["customer"]["id"], "version": 2}
    assert await _events(graph, "upsertCustomer") == 1
