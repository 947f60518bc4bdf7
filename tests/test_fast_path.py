"""The fast path answers exactly what graphql-core's per-field execution answers.

Two servers share one seeded graph: the suite's (`RAPPORT_FAST_PATH` on, the default) and one
with the fast path off. Every query below goes to both, as ADMIN, SALES (a seeded account
manager: own accounts in clear, others masked) and ANALYST, and the two JSON bodies must be
equal (request ids aside). The queries are the generated nesting paths
(tests/test_read_nesting_generated.py), the documented examples, and hand-written ones with
variables, aliases, fragments on interfaces and unions, `@skip`/`@include`, masked fields, bad
arguments, and a record that breaks a non-null field.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from core import global_id
from core.settings import Settings
from graphdb.driver import Graph
from rapport.app import create_app
from rapport.auth import keys
from rapport.seed import seed_graph
from schema.fastpath import STATS
from tests._gql import in_lanes
from tests.conftest import ADMIN_TOKEN, serving
from tests.test_docs_examples import all_examples
from tests.test_read_nesting_generated import THREE_LEVELS, TWO_LEVELS, _query

AS_OF = '"2030-01-01T00:00:00Z"'


def _pinned(query: str) -> str:
    """Churn numbers count days up to now by default; both servers get one reference time."""
    return re.sub(r"\bchurnRisk\b(?!\s*\()", f"churnRisk(asOf: {AS_OF})", query)


@pytest.fixture(scope="module")
def slow_server_url(settings: Settings) -> Iterator[str]:
    """The same app with `RAPPORT_FAST_PATH=false`."""
    with serving(create_app(settings.model_copy(update={"fast_path": False}))) as url:
        yield url


@pytest.fixture(scope="module")
async def tokens(session_graph: Graph) -> dict[str, str]:
    from tests.conftest import wipe

    await wipe(session_graph)
    await seed_graph(session_graph, 60, 11, progress=False)
    rows = await session_graph.read(
        "MATCH (u:User {role: 'SALES'})-[:MANAGES]->(:Customer) "
        "RETURN u.email AS email ORDER BY email LIMIT 1"
    )
    sales = await keys.create_api_key(
        session_graph, email=rows[0]["email"], role="SALES", name="fast path"
    )
    analyst = await keys.create_api_key(
        session_graph,
        email=f"analyst-{uuid.uuid4().hex[:8]}@rapport.test",
        role="ANALYST",
        name="a",
    )
    return {"ADMIN": ADMIN_TOKEN, "SALES": sales.token, "ANALYST": analyst.token}


class Pair:
    def __init__(self, fast: httpx.AsyncClient, slow: httpx.AsyncClient) -> None:
        self.fast, self.slow = fast, slow

    async def same(
        self, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Both answers, asserted equal; returns the fast one."""
        answers = []
        for http in (self.fast, self.slow):
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            answers.append((response.status_code, _without_request_ids(response.json())))
        assert answers[0] == answers[1], query
        return answers[0][1]


def _without_request_ids(body: dict[str, Any]) -> Any:
    ids = {
        str((e.get("extensions") or {}).get("requestId"))
        for e in body.get("errors") or []
        if (e.get("extensions") or {}).get("requestId")
    }
    text = json.dumps(body)
    for rid in ids:
        text = text.replace(rid, "<request id>")
    return json.loads(text)


@pytest.fixture
async def pair(
    live_server_url: str, slow_server_url: str, tokens: dict[str, str]
) -> AsyncIterator[Pair]:
    async with (
        httpx.AsyncClient(base_url=live_server_url, timeout=60) as fast,
        httpx.AsyncClient(base_url=slow_server_url, timeout=60) as slow,
    ):
        yield Pair(fast, slow)


def _covering(paths: list[tuple[str, list[str]]], step: int) -> list[tuple[str, list[str]]]:
    """Every `step`-th path, plus each path that reaches a field no path before it did."""
    seen: set[str] = set()
    chosen = []
    for i, (root_type, chain) in enumerate(paths):
        if i % step == 0 or not set(chain) <= seen:
            chosen.append((root_type, chain))
        seen.update(chain)
    return chosen


async def test_generated_nesting_answers_are_identical_for_every_role(
    pair: Pair, tokens: dict[str, str]
) -> None:
    walked = STATS.walked
    # Every field occurs in many paths: a third of the two-level paths (and any that reaches a
    # field the others do not) and a sixth of the three-level ones (test_read_nesting_generated
    # runs them all); the masked roles run every sixth of those (masking is per field).
    paths = _covering(TWO_LEVELS, 3) + THREE_LEVELS[::6]
    assert {f for _, c in paths for f in c} == {f for _, c in TWO_LEVELS for f in c}
    cases = [
        (role, root_type, chain)
        for role in tokens
        for root_type, chain in (paths if role == "ADMIN" else paths[::6])
    ]
    bodies = await in_lanes(
        pair.same(tokens[role], _pinned(_query(root_type, chain)))
        for role, root_type, chain in cases
    )
    for (role, root_type, chain), body in zip(cases, bodies, strict=True):
        assert not body.get("errors"), (role, root_type, chain, body["errors"][0])
    assert STATS.walked > walked + len(paths)


async def test_documented_examples_answer_identically_for_every_role(
    pair: Pair, tokens: dict[str, str]
) -> None:
    examples = all_examples()
    assert examples
    for token in tokens.values():
        for example in examples:
            await pair.same(token, _pinned(example.query))


async def test_variables_aliases_fragments_and_directives(
    pair: Pair, tokens: dict[str, str], session_graph: Graph
) -> None:
    rows = await session_graph.read(
        "MATCH (c:Customer) WITH c ORDER BY c.id LIMIT 1 "
        "MATCH (k:Contact) WITH c, k ORDER BY k.id LIMIT 1 RETURN c.id AS c, k.id AS k"
    )
    customer = global_id.encode("Customer", rows[0]["c"])
    contact = global_id.encode("Contact", rows[0]["k"])
    query = """
    fragment Person on Contact { fullName email phone birthday maskedFields
      address { city line1 } }
    fragment Account on Customer { name email kind totalSpent lastOrderAt maskedFields }
    query Q($id: ID!, $ids: [ID!]!, $withOrders: Boolean!, $skipTags: Boolean!, $n: Int) {
      one: node(id: $id) { __typename id ...Account
        ... on Customer { orders(first: $n) @include(if: $withOrders) {
          totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { total status placedAt lines { quantity unitPrice lineTotal
            product { sku price } } } } } } }
      many: nodes(ids: $ids) { __typename ... on Node { id } ...Person ...Account
        ... on Customer { tags(first: 3) @skip(if: $skipTags) { edges { node { name } } } } }
      first: customers(first: $n, orderBy: [{field: NAME, direction: DESC}]) {
        edges { node { id ...Account nick: name company { name annualRevenue } } } }
      later: customers(first: 2, after: null) { edges { cursor } }
      companies(first: 2) { edges { node { name contacts(first: 3) { totalCount
        edges { jobTitle seniority decisionRole startedOn node { ...Person } } } } } }
    }"""
    for token in tokens.values():
        for with_orders, skip_tags in ((True, False), (False, True)):
            variables = {
                "id": customer,
                "ids": [customer, contact, global_id.encode("Customer", str(uuid.uuid4()))],
                "withOrders": with_orders,
                "skipTags": skip_tags,
                "n": 3,
            }
            body = await pair.same(token, query, variables)
            assert not body.get("errors"), body["errors"]
            assert body["data"]["one"]["__typename"] == "Customer"
            assert ("orders" in body["data"]["one"]) is with_orders


async def test_errors_are_identical(pair: Pair, tokens: dict[str, str]) -> None:
    failing = [
        # a bad id, a foreign cursor, a page too large, a filter on a masked field
        ('{ node(id: "nope") { id } }', None),
        ('{ customers(first: 2, after: "bogus") { edges { cursor } } }', None),
        ("{ customers(first: 100000) { edges { cursor } } }", None),
        ('{ customers(filter: {email: {eq: "a@b.c"}}) { totalCount } }', None),
        # one root field fails, its sibling answers
        ('{ ok: customers(first: 1) { totalCount } bad: node(id: "x") { id } }', None),
        # validation and variable errors
        ("{ customers { edges { node { nope } } } }", None),
        ("query ($n: Int!) { customers(first: $n) { totalCount } }", {"n": "three"}),
    ]
    for role, token in tokens.items():
        for query, variables in failing:
            body = await pair.same(token, query, variables)
            masked_only = "email" in query and role == "ADMIN"  # ADMIN may filter on e-mail
            assert bool(body.get("errors")) is not masked_only, (role, query)


async def test_a_null_in_a_non_null_field_propagates_identically(
    pair: Pair, tokens: dict[str, str], session_graph: Graph
) -> None:
    """A record stored without a required value (written around the API) nulls its nearest
    nullable parent with a located error, the same on both paths."""
    raw = str(uuid.uuid4())
    await session_graph.write(
        "CREATE (:Product {id: $id, sku: 'BROKEN-1', price: 10000, currency: 'EUR', "
        "active: true, createdAt: datetime(), updatedAt: datetime(), version: 1})",
        {"id": raw},
    )
    try:
        broken = global_id.encode("Product", raw)
        queries = [
            f'{{ node(id: "{broken}") {{ id ... on Product {{ sku name }} }} }}',
            f'{{ nodes(ids: ["{broken}"]) {{ ... on Product {{ name }} }} }}',
            '{ products(first: 500, filter: {sku: {eq: "BROKEN-1"}}) '
            "{ edges { node { sku name } } } }",
        ]
        fell_back = STATS.fell_back
        for token in tokens.values():
            for query in queries:
                body = await pair.same(token, query)
                assert body["errors"][0]["path"][-1] == "name", body
        assert STATS.fell_back > fell_back
    finally:
        await session_graph.write("MATCH (p:Product {id: $id}) DETACH DELETE p", {"id": raw})
