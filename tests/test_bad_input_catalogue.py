# ruff: noqa: E501 - the catalogue is a table of GraphQL documents; wrapping them hurts reading
"""A catalogue of bad inputs: each gets a clear error (never a 500) and changes nothing.

Every case runs against the same small graph; before and after each, the whole graph (every
node and relationship with all its properties) must be identical.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import httpx
import jwt
import pytest

from core import global_id
from graphdb.compiler import cursor
from graphdb.driver import Graph
from resolvers import changes as feed
from tests._factories import new_customer, new_product
from tests._graph_counts import snapshot

INJECTIONS = [
    "' OR 1=1 //",
    '") DETACH DELETE n //',
    "`}) MATCH (n) DETACH DELETE n //",
    "$p0",
    "x\u0000y",
    "'; CALL dbms.killQueries(['1']) //",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "name:* OR email:*",
    "\\",
    "🙂" * 300,
]

CUSTOMER = global_id.encode("Customer", "bbbbbbbb-0000-4000-8000-000000000001")


def _forged_referrals_cursor() -> str:
    """A cursor signed for `referrals(depth: 1)` whose depth is text, not a number."""
    from graphdb.compiler.referrals import REFERRAL_ORDER

    sig = cursor.signature("Customer.referrals>Referral|depth=1", REFERRAL_ORDER)
    return cursor.encode(sig, ["one", "bbbbbbbb-0000-4000-8000-000000000001"])


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for i, text in enumerate(INJECTIONS):
        cases += [
            (
                f"filter eq injection {i}",
                {
                    "query": "query($t: String!) { customers(filter: {name: {eq: $t}}) { totalCount } }",
                    "variables": {"t": text},
                },
            ),
            (
                f"filter contains injection {i}",
                {
                    "query": "query($t: String!) { contacts(filter: {fullName: {contains: $t}}) { totalCount } }",
                    "variables": {"t": text},
                },
            ),
            (
                f"search injection {i}",
                {
                    "query": "query($t: String!) { search(text: $t) { score } }",
                    "variables": {"t": text},
                },
            ),
            (
                f"node id injection {i}",
                {"query": "query($t: ID!) { node(id: $t) { id } }", "variables": {"t": text}},
            ),
            (
                f"cursor injection {i}",
                {
                    "query": "query($t: String!) { customers(after: $t) { totalCount } }",
                    "variables": {"t": text},
                },
            ),
            (
                f"bad email on create {i}",
                {
                    "query": 'mutation($t: String!) { createCustomer(input: {externalId: "NEW-1", kind: INDIVIDUAL, name: "N", email: $t}) { customer { id } errors { code } } }',
                    "variables": {"t": text},
                },
            ),
            (
                f"bad phone on update {i}",
                {
                    "query": "mutation($id: ID!, $t: String!) { updateCustomer(input: {id: $id, phone: $t}) { customer { id } errors { code } } }",
                    "variables": {"id": CUSTOMER, "t": text},
                },
            ),
            (
                f"injection as id in update {i}",
                {
                    "query": 'mutation($t: ID!) { updateCustomer(input: {id: $t, name: "x"}) { errors { code } } }',
                    "variables": {"t": text},
                },
            ),
        ]
    foreign = global_id.encode("Product", "bbbbbbbb-0000-4000-8000-0000000000ff")
    missing = global_id.encode("Customer", "bbbbbbbb-0000-4000-8000-0000000000ff")
    not_base64 = base64.urlsafe_b64encode(b"Customer:not-a-uuid").decode()
    for label, value in [
        ("foreign", foreign),
        ("missing", missing),
        ("not a uuid", not_base64),
        ("empty", ""),
        ("huge", "A" * 5000),
    ]:
        cases += [
            (
                f"{label} id in deleteCustomer",
                {
                    "query": "mutation($t: ID!) { deleteCustomer(input: {id: $t}) { errors { code } } }",
                    "variables": {"t": value},
                },
            ),
            (
                f"{label} id in placeOrder",
                {
                    "query": "mutation($t: ID!) { placeOrder(input: {customerId: $t, lines: [{productId: $t, quantity: 1}]}) { errors { code } } }",
                    "variables": {"t": value},
                },
            ),
            (
                f"{label} id in recordReferral",
                {
                    "query": "mutation($t: ID!) { recordReferral(input: {referrerId: $t, referredId: $t}) { errors { code } } }",
                    "variables": {"t": value},
                },
            ),
            (
                f"{label} id in keyDecisionMakers",
                {
                    "query": "query($t: ID!) { keyDecisionMakers(companyId: $t) { span } }",
                    "variables": {"t": value},
                },
            ),
        ]
    numbers: list[tuple[str, str]] = [
        ("negative first", "{ customers(first: -5) { totalCount } }"),
        ("huge first", "{ customers(first: 1000000) { totalCount } }"),
        ("first beyond Int", "{ customers(first: 99999999999) { totalCount } }"),
        ("string for Int", '{ customers(first: "ten") { totalCount } }'),
        ("first and last", "{ customers(first: 1, last: 1) { totalCount } }"),
        ("float for Decimal", "{ customers(filter: {totalSpent: {gt: 1.5}}) { totalCount } }"),
        (
            "Decimal not a number",
            '{ customers(filter: {totalSpent: {gt: "a lot"}}) { totalCount } }',
        ),
        (
            "Decimal infinity",
            '{ customers(filter: {totalSpent: {gt: "Infinity"}}) { totalCount } }',
        ),
        (
            "DateTime without offset",
            '{ customers(filter: {createdAt: {gt: "2025-01-01T00:00:00"}}) { totalCount } }',
        ),
        (
            "DateTime garbage",
            '{ customers(filter: {createdAt: {gt: "yesterday"}}) { totalCount } }',
        ),
        ("unknown enum", "{ customers(orderBy: [{field: PASSWORD}]) { totalCount } }"),
        ("unknown filter field", '{ customers(filter: {password: {eq: "x"}}) { totalCount } }'),
        (
            "maxHops too big",
            f'{{ introductionPath(fromId: "{CUSTOMER}", toId: "{CUSTOMER}", maxHops: 60) {{ hops }} }}',
        ),
        ("share above 1", "{ revenueConcentration(share: 7) { customerCount } }"),
        (
            "referral depth 0",
            f'{{ node(id: "{CUSTOMER}") {{ ... on Customer {{ referrals(depth: 0) {{ totalCount }} }} }} }}',
        ),
        (
            "referrals: negative first",
            f'{{ node(id: "{CUSTOMER}") {{ ... on Customer {{ referrals(first: -1) {{ totalCount }} }} }} }}',
        ),
        (
            "referrals: first beyond the page limit",
            f'{{ node(id: "{CUSTOMER}") {{ ... on Customer {{ referrals(first: 501) {{ edges {{ cursor }} }} }} }} }}',
        ),
        (
            "referrals: garbage cursor",
            f'{{ node(id: "{CUSTOMER}") {{ ... on Customer {{ referrals(after: "{INJECTIONS[0]}") {{ edges {{ cursor }} }} }} }} }}',
        ),
        (
            "referrals: forged cursor with text for the depth",
            f'{{ node(id: "{CUSTOMER}") {{ ... on Customer {{ referrals(after: "{_forged_referrals_cursor()}") {{ edges {{ cursor }} }} }} }} }}',
        ),
        (
            "auditLog: negative first",
            f'{{ auditLog(entityId: "{CUSTOMER}", first: -1) {{ totalCount }} }}',
        ),
        (
            "auditLog: first beyond the page limit",
            f'{{ auditLog(entityId: "{CUSTOMER}", first: 501) {{ edges {{ cursor }} }} }}',
        ),
        (
            "auditLog: garbage cursor",
            f'{{ auditLog(entityId: "{CUSTOMER}", after: "{INJECTIONS[2]}") {{ edges {{ cursor }} }} }}',
        ),
        (
            "auditLog: first and last",
            f'{{ auditLog(entityId: "{CUSTOMER}", first: 1, last: 1) {{ totalCount }} }}',
        ),
        (
            "auditLog: entityId injection",
            f'{{ auditLog(entityId: "{INJECTIONS[1]}") {{ totalCount }} }}',
        ),
        (
            "revenueConcentration customers: garbage cursor",
            '{ revenueConcentration { customers(after: "x") { totalCount } } }',
        ),
        (
            "revenueConcentration customers: cursor and offset",
            f'{{ revenueConcentration {{ customers(after: "{_forged_referrals_cursor()}", offset: 1) {{ totalCount }} }} }}',
        ),
        (
            "revenueConcentration customers: first beyond the page limit",
            "{ revenueConcentration { customers(first: 100000) { edges { cursor } } } }",
        ),
        (
            "lead score 1000",
            f'mutation {{ updateCustomer(input: {{id: "{CUSTOMER}", leadScore: 1000}}) {{ errors {{ code }} }} }}',
        ),
        (
            "negative money",
            'mutation { createProduct(input: {sku: "NEG-1", name: "N", price: "-5", currency: "EUR"}) { errors { code } } }',
        ),
        (
            "too precise money",
            'mutation { createProduct(input: {sku: "NEG-2", name: "N", price: "1.00001", currency: "EUR"}) { errors { code } } }',
        ),
        (
            "bad currency",
            'mutation { createProduct(input: {sku: "NEG-3", name: "N", price: "1", currency: "EURO"}) { errors { code } } }',
        ),
        (
            "zero quantity",
            f'mutation {{ placeOrder(input: {{customerId: "{CUSTOMER}", lines: [{{productId: "{CUSTOMER}", quantity: 0}}]}}) {{ errors {{ code }} }} }}',
        ),
        (
            "oversized name",
            'mutation { createCustomer(input: {externalId: "BIG", kind: INDIVIDUAL, name: "'
            + "x" * 5000
            + '"}) { errors { code } } }',
        ),
        (
            "control characters in name",
            'mutation { createCustomer(input: {externalId: "CTL", kind: INDIVIDUAL, name: "a\\u0007b"}) { errors { code } } }',
        ),
        (
            "blank idempotency key",
            'mutation { createCompany(input: {name: "K", idempotencyKey: ""}) { errors { code } } }',
        ),
        (
            "oversized idempotency key",
            'mutation { logInteraction(input: {kind: CALL, participantIds: ["'
            + CUSTOMER
            + '"], idempotencyKey: "'
            + "k" * 500
            + '"}) { errors { code } } }',
        ),
        (
            "stale version",
            f'mutation {{ updateCustomer(input: {{id: "{CUSTOMER}", name: "z", expectedVersion: 99}}) {{ errors {{ code }} }} }}',
        ),
        (
            "depth bomb",
            "{ customers { edges { node { company { contacts { edges { node { currentCompany { contacts { edges { node { currentCompany { name } } } } } } } } } } } } }",
        ),
        ("alias flood", "{ " + " ".join(f"a{i}: apiVersion" for i in range(60)) + " }"),
        ("fragment cycle", "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"),
        ("syntax error", "{ customers { "),
        (
            "fragments doubling 20 times",
            "fragment F0 on Customer { name } "
            + " ".join(
                f"fragment F{i} on Customer {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 21)
            )
            + " { customers(first: 1) { edges { node { ...F20 } } } }",
        ),
        ("two operations without operationName", "query A { apiVersion } mutation B { noop }"),
        ("__typename alias", '{ search(text: "World") { __typename: score } }'),
        (
            "DateTime far past the calendar in UTC",
            '{ atRiskCustomers(asOf: "9999-12-31T23:59:59-14:00") { customer { name } } }',
        ),
        (
            "DateTime before the calendar in UTC",
            '{ atRiskCustomers(asOf: "0001-01-01T00:00:00+14:00") { customer { name } } }',
        ),
        (
            "churnRisk at the end of the calendar",
            '{ customers(first: 1) { edges { node { churnRisk(asOf: "9999-12-31T23:59:59-14:00") { atRisk } } } } }',
        ),
        (
            "filter with 100 or branches",
            "{ customers(filter: {or: ["
            + ", ".join(f'{{name: {{eq: "n{i}"}}}}' for i in range(100))
            + "]}) { totalCount } }",
        ),
        (
            "not nested 400 deep",
            "{ customers(filter: "
            + "{not: " * 400
            + '{name: {eq: "x"}}'
            + "}" * 400
            + ") { totalCount } }",
        ),
        ("subscription over HTTP", "subscription { heartbeat(count: 1) }"),
        ("unknown field", "{ passwords }"),
        ("mutation of unknown entity", "mutation { dropDatabase }"),
        ("empty selection set", "query Me { }"),
        ("empty nested selection set", "{ customers { edges { } } }"),
    ]
    cases += [(label, {"query": q}) for label, q in numbers]
    created_at = "query($a: String) { customers(first: 1, after: $a, orderBy: [{field: CREATED_AT}]) { totalCount } }"
    for label, payload in [
        ("string for a date-time", {"s": "x", "v": ["2020-01-01", "k"]}),
        ("number for a date-time", {"v": [{"dt": 5}, "k"]}),
        ("date-time beyond the calendar", {"v": [{"dt": "9999-12-31T23:59:59-14:00"}, "k"]}),
        ("list instead of object", [1, 2]),
        ("null for the id", {"v": [{"dt": "2020-01-01T00:00:00+00:00"}, None]}),
    ]:
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        cases.append((f"forged cursor: {label}", {"query": created_at, "variables": {"a": forged}}))
    changes = "query($a: String, $f: Int!, $e: ID) { changes(after: $a, first: $f, entityId: $e) { edges { cursor } } }"
    for label, variables in [
        ("changes: cursor injection", {"a": INJECTIONS[1], "f": 5}),
        (
            "changes: forged cursor, negative number",
            {"a": feed.encode_cursor("e", -1), "f": 5},
        ),
        (
            "changes: forged cursor, text for the number",
            {"a": cursor.encode(feed._SIG, ["e", "1"]), "f": 5},
        ),
        (
            "changes: cursor of another list",
            {
                "a": base64.urlsafe_b64encode(
                    json.dumps({"s": "0" * 12, "v": [1]}).encode()
                ).decode(),
                "f": 5,
            },
        ),
        ("changes: first beyond the page limit", {"f": 501}),
        ("changes: negative first", {"f": -1}),
        ("changes: entityId injection", {"e": INJECTIONS[2], "f": 5}),
    ]:
        cases.append((label, {"query": changes, "variables": variables}))
    cases.append(
        ("changes subscription over HTTP", {"query": "subscription { changes { cursor } }"})
    )
    imports = "mutation($i: ImportRecordsInput!) { importRecords(input: $i) { created errors { row field code } } }"
    for label, extra in [
        ("import: unknown preset", {"preset": "pipedrive-deals"}),
        ("import: preset of another type", {"preset": "hubspot-contacts"}),
        ("import: unknown locale", {"locale": "xx-YY"}),
        ("import: delimiter of two characters", {"delimiter": ";;"}),
        (
            "import: no column feeds a required field",
            {"data": "Kundennummer;kind;name\nK;INDIVIDUAL;N\n"},
        ),
        (
            "import: ambiguous date",
            {
                "type": "CONTACTS",
                "data": "firstName,lastName,email,birthday\nA,B,ab@example.com,03/04/1990\n",
            },
        ),
        (
            "import: ambiguous number",
            {"type": "PRODUCTS", "data": "sku;name;price;currency\nS-9;X;1,250;EUR\n"},
        ),
    ]:
        variables = {
            "type": "CUSTOMERS",
            "data": "externalId;kind;name\nI-1;INDIVIDUAL;N\n",
            **extra,
        }
        cases.append((label, {"query": imports, "variables": {"i": variables}}))
    return cases


CASES = _cases()


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph) -> None:
    await graph.write(
        "CREATE (:Customer {id: 'bbbbbbbb-0000-4000-8000-000000000001', externalId: 'W-1', "
        "kind: 'INDIVIDUAL', name: 'World', lifecycleStage: 'LEAD', orderCount: 0, "
        "totalSpent: 0, createdAt: datetime(), updatedAt: datetime(), version: 1})"
    )
    await new_customer(client, "W-2")
    await new_product(client, "W-SKU")


def test_the_catalogue_has_at_least_100_cases() -> None:
    assert len(CASES) >= 100


@pytest.mark.parametrize(("label", "body"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: httpx.AsyncClient, graph: Graph, world: None, label: str, body: dict[str, Any]
) -> None:
    before = await snapshot(graph)
    response = await client.post("/graphql", json=body)
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text and "neo4j" not in response.text.lower()
    after = await snapshot(graph)
    assert after == before, label
    payload = response.json()
    if response.status_code == 200 and not payload.get("errors"):
        # Accepted as a query: fine for text that is only searched for; a mutation must
        # have reported its errors in the payload.
        data = payload["data"]
        for value in data.values():
            if isinstance(value, dict) and "errors" in value:
                assert value["errors"], (label, value)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rpk_nope_nope",
        "Bearer",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer " + "x" * 5000,
        "Bearer "
        + jwt.encode(
            {"sub": "x", "email": "admin@rapport.test"},
            "wrong-secret-wrong-secret-wrong-secret",
            algorithm="HS256",
        ),
        "Bearer "
        + jwt.encode(
            {"email": "admin@rapport.test", "exp": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)},
            "k" * 40,
            algorithm="HS256",
        ),
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
        + base64.urlsafe_b64encode(
            json.dumps({"email": "admin@rapport.test", "role": "ADMIN"}).encode()
        )
        .decode()
        .rstrip("=")
        + ".",
    ],
)
async def test_forged_or_garbage_credentials_get_401_and_change_nothing(
    live_server_url: str, graph: Graph, header: str
) -> None:
    before = await snapshot(graph)
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": 'mutation { deleteCustomer(input: {id: "x"}) { errors { code } } }'},
            headers={"Authorization": header},
        )
    assert response.status_code == 401
    assert await snapshot(graph) == before


RAW_BODIES = {
    "null": b"null",
    "a number": b"42",
    "a string": b'"{ apiVersion }"',
    "a batch": b'[{"query": "{ apiVersion }"}]',
    "invalid UTF-8": b'{"query": "\xff"}',
    "lone surrogate in a variable": b'{"query": "query($t: String!) { search(text: $t) { score } }", "variables": {"t": "\\ud800"}}',
    "100k nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "50k nested objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "5,000-digit integer": b'{"query": "{ apiVersion }", "variables": {"n": ' + b"9" * 5000 + b"}}",
    "1,000-deep not filter in variables": (
        b'{"query": "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }", "variables": {"f": '
        + b'{"not": ' * 1000
        + b"{}"
        + b"}" * 1000
        + b"}}"
    ),
}


@pytest.mark.parametrize("raw", RAW_BODIES.values(), ids=RAW_BODIES.keys())
async def test_a_body_that_is_not_one_graphql_request_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, graph: Graph, raw: bytes
) -> None:
    before = await snapshot(graph)
    response = await client.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"]
    assert await snapshot(graph) == before


async def test_an_oversized_body_gets_413_and_changes_nothing(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    before = await snapshot(graph)
    body = {"query": "{ apiVersion }", "variables": {"pad": "x" * (2 * 1024 * 1024)}}
    response = await client.post("/graphql", json=body)
    assert response.status_code == 413
    assert await snapshot(graph) == before
