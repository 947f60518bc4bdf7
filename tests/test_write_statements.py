"""How many Cypher statements a mutation costs: each one is a round trip to Neo4j while the
transaction holds its locks, so the write path keeps them few (issue #13, "cheaper writes").

The budgets name what each statement is for; a change that adds one has to say why here.
"""

from __future__ import annotations

from typing import Any

import httpx

from graphdb.driver import Graph
from tests._factories import new_company, new_customer
from tests._gql import ERRORS, gql


async def _statements(
    client: httpx.AsyncClient, name: str, input: dict[str, Any], selection: str
) -> tuple[dict[str, Any], list[str]]:
    """Run mutation `name` as ADMIN; (its payload, the statements it ran)."""
    input_type = name[0].upper() + name[1:] + "Input"
    query = (
        f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    )
    response = await client.post("/graphql", json={"query": query, "variables": {"input": input}})
    body = response.json()
    assert not body.get("errors"), body
    payload = body["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload, [s["statement"] for s in body["extensions"]["cypher"]]


async def test_creating_a_customer_costs_one_statement(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # the externalId check, the write, its audit event and the payload read are one statement:
    # a brand-new id has no "before" to lock or read, and with nothing linked its "after" state
    # is the properties sent
    payload, statements = await _statements(
        client,
        "createCustomer",
        {"externalId": "ERP-1", "kind": "INDIVIDUAL", "name": "Jana"},
        "customer { id name version }",
    )
    assert payload["customer"]["name"] == "Jana"
    assert len(statements) == 1, statements
    events = await graph.read(
        "MATCH (e:AuditEvent {action: 'createCustomer'})-[:ABOUT]->(c:Customer) "
        "RETURN e.changes AS changes, c.id AS id"
    )
    assert len(events) == 1
    assert '"name":{"after":"Jana"}' in events[0]["changes"]


async def test_updating_a_customer_locks_and_reads_it_once(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # lock, "before" state (its version is the one compared), the externalId check, the write,
    # the payload with the "after" state, the audit event
    customer = await new_customer(client, "ERP-1")
    payload, statements = await _statements(
        client,
        "updateCustomer",
        {"id": customer, "name": "Jana N", "expectedVersion": 1},
        "customer { name version }",
    )
    assert payload["customer"] == {"name": "Jana N", "version": 2}
    assert len(statements) == 6, statements
    locks = [s for s in statements if "_lock" in s]
    assert len(locks) == 1, locks


async def test_a_stale_expected_version_is_still_refused_with_the_current_one(
    client: httpx.AsyncClient,
) -> None:
    customer = await new_customer(client, "ERP-1")
    await _statements(client, "updateCustomer", {"id": customer, "name": "B"}, "customer { id }")
    query = (
        "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { "
        "customer { id } errors { field code message } } }"
    )
    response = await client.post(
        "/graphql",
        json={
            "query": query,
            "variables": {"input": {"id": customer, "name": "C", "expectedVersion": 1}},
        },
    )
    errors = response.json()["data"]["updateCustomer"]["errors"]
    assert [e["code"] for e in errors] == ["VERSION_CONFLICT"]
    assert "version 2" in errors[0]["message"]


async def test_a_referral_takes_no_graph_wide_lock(client: httpx.AsyncClient) -> None:
    # subject lock and state, lock the trees' roots, read them again, the checks, the write,
    # the payload with the "after" state, the audit event
    a, b = await new_customer(client, "A"), await new_customer(client, "B")
    await new_company(client)
    _, statements = await _statements(
        client, "recordReferral", {"referrerId": a, "referredId": b}, "referred { id }"
    )
    assert not [s for s in statements if "RapportLock" in s], statements
    assert len(statements) == 8, statements


async def test_placing_an_order_writes_it_with_its_lines_and_totals_in_one_statement(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # lock the root of the customer's referral tree and read it again (its referrers' networks
    # include the order's revenue, issue 16), lock the customer, read the products, the write
    # (order, lines, customer aggregates, referrers' networks), the order payload with the
    # audit "after" state, the audit event
    customer = await new_customer(client, "ERP-1")
    product, _ = await _statements(
        client,
        "createProduct",
        {"sku": "TEA-1", "name": "Tea", "price": "2.50", "currency": "EUR"},
        "product { id }",
    )
    payload, statements = await _statements(
        client,
        "placeOrder",
        {"customerId": customer, "lines": [{"productId": product["product"]["id"], "quantity": 4}]},
        "order { total lines { quantity } }",
    )
    assert payload["order"] == {"total": "10.00", "lines": [{"quantity": 4}]}
    assert len(statements) == 7, statements
    data = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { orderCount totalSpent } } }",
        {"id": customer},
    )
    assert data["node"] == {"orderCount": 1, "totalSpent": "10.00"}
