# ruff: noqa: E501 - tables of GraphQL documents and WebSocket messages read better unwrapped
"""A schema-driven fuzzer: hostile requests never get a 500, an INTERNAL_ERROR or a write.

The operations are built from the live schema by introspection (not a hand-written list): a
root query field, arguments of the right and of the wrong types (including extreme numbers,
lone-surrogate-free but hostile strings, forged cursors and ids, extreme date-times), and a
selection of its scalar fields. Raw bodies are fuzzed too (random JSON values, random bytes).

`make test` runs a fixed budget (RAPPORT_FUZZ_EXAMPLES, 120 by default, well under a minute);
`make fuzz` runs 2,500. The database must be identical before and after: every generated
operation is a query, so nothing may have been written.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.settings import Settings
from graphdb.driver import Graph
from tests._factories import new_customer
from tests._graph_counts import snapshot
from tests.conftest import ADMIN_TOKEN

EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "120"))

INTROSPECTION = """
{ __schema { queryType { fields { name args { name type { ...T } } type { ...T } } }
  types { kind name fields { name args { name type { ...T } } type { ...T } }
          inputFields { name type { ...T } } enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""

HOSTILE_STRINGS = st.sampled_from(
    [
        "",
        "x",
        "' OR 1=1 //",
        "`}) DETACH DELETE n //",
        "\u0000",
        "🙂" * 50,
        "A" * 3000,
        "eyJzIjoiYWJjIiwidiI6W119",  # base64 JSON of the wrong shape
        "Q3VzdG9tZXI6MQ",  # "Customer:1"
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2025-01-01T00:00:00+00:00",
        "2025-13-45",
        "1e309",
        "-1",
    ]
)
HOSTILE_INTS = st.sampled_from([0, 1, -1, 3, 501, 2**31 - 1, 2**31, -(2**31) - 1, 10**20])
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | HOSTILE_STRINGS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(HOSTILE_STRINGS, inner, max_size=4),
    max_leaves=20,
)


def _named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


def _is_list(t: dict[str, Any]) -> bool:
    while t:
        if t["kind"] == "LIST":
            return True
        t = t.get("ofType") or {}
    return False


class Schema:
    def __init__(self, data: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in data["__schema"]["types"]}
        self.roots = data["__schema"]["queryType"]["fields"]

    def value(self, t: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        named = self.types[_named(t)["name"]]
        kind, name = named["kind"], named["name"]
        if kind == "ENUM":
            base: st.SearchStrategy[Any] = st.sampled_from([v["name"] for v in named["enumValues"]])
        elif kind == "INPUT_OBJECT":
            if depth > 2:
                return st.none()
            fields = {f["name"]: self.value(f["type"], depth + 1) for f in named["inputFields"]}
            base = st.fixed_dictionaries({}, optional=fields)
        elif name in ("Int", "Float"):
            base = HOSTILE_INTS
        elif name == "Boolean":
            base = st.booleans()
        else:
            base = HOSTILE_STRINGS
        if _is_list(t):
            base = st.lists(base, max_size=3)
        return st.one_of(base, base, JSON_VALUES) if depth == 0 else base

    def selection(self, t: dict[str, Any], depth: int = 0) -> str:
        named = self.types[_named(t)["name"]]
        if named["kind"] in ("SCALAR", "ENUM"):
            return ""
        if named["kind"] in ("INTERFACE", "UNION") or not named.get("fields"):
            return "{ __typename }"
        picks: list[str] = []
        for field in named["fields"]:
            if any(a["type"]["kind"] == "NON_NULL" for a in field["args"]):
                continue
            inner = self.types[_named(field["type"])["name"]]
            if inner["kind"] in ("SCALAR", "ENUM"):
                picks.append(field["name"])
            elif depth < 2 and field["name"] in ("edges", "node", "pageInfo"):
                picks.append(f"{field['name']} {self.selection(field['type'], depth + 1)}")
        return "{ " + " ".join(picks[:8] or ["__typename"]) + " }"

    def operation(self) -> st.SearchStrategy[dict[str, Any]]:
        @st.composite
        def build(draw: st.DrawFn) -> dict[str, Any]:
            field = draw(st.sampled_from(self.roots))
            chosen = [
                a for a in field["args"] if a["type"]["kind"] == "NON_NULL" or draw(st.booleans())
            ]
            variables = {a["name"]: draw(self.value(a["type"])) for a in chosen}
            decl = ", ".join(f"${a['name']}: {_type_text(a['type'])}" for a in chosen)
            args = ", ".join(f"{a['name']}: ${a['name']}" for a in chosen)
            query = (
                f"query Fuzz{'(' + decl + ')' if decl else ''} "
                f"{{ {field['name']}{'(' + args + ')' if args else ''} {self.selection(field['type'])} }}"
            )
            return {"query": query, "variables": variables}

        return build()


def _type_text(t: dict[str, Any]) -> str:
    if t["kind"] == "NON_NULL":
        return _type_text(t["ofType"]) + "!"
    if t["kind"] == "LIST":
        return f"[{_type_text(t['ofType'])}]"
    return str(t["name"])


def _check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(("application/json", "application/graphql"))
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_ERROR" not in codes, body
    assert all(codes), body  # every error has a code


async def _snapshot(config: Settings) -> Any:
    graph = Graph.connect(
        config.effective_neo4j_uri, config.neo4j_user, config.neo4j_password.get_secret_value()
    )
    try:
        return await snapshot(graph)
    finally:
        await graph.close()


@pytest.fixture
async def fuzz_schema(client: httpx.AsyncClient) -> Schema:
    """The schema by introspection, on a small graph (so that some queries find records)."""
    for external_id in ("FUZZ-1", "FUZZ-2"):
        await new_customer(client, external_id, email=f"{external_id.lower()}@example.com")
    response = await client.post("/graphql", json={"query": INTROSPECTION})
    assert "data" in response.json(), response.text
    return Schema(response.json()["data"])


def test_schema_driven_operations_never_break_the_server(
    live_server_url: str, settings: Settings, fuzz_schema: Schema
) -> None:
    with httpx.Client(
        base_url=live_server_url, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as http:
        # The change feed numbers committed audit events when it is read (docs/subscriptions.md):
        # read it once so the fixture's own events are numbered before the snapshot, not during.
        settled = http.post(
            "/graphql", json={"query": "{ changes(first: 1) { edges { cursor } } }"}
        )
        assert "errors" not in settled.json(), settled.text
        before = asyncio.run(_snapshot(settings))

        @settings_for_budget
        @given(fuzz_schema.operation())
        def run(body: dict[str, Any]) -> None:
            _check(http.post("/graphql", json=body))

        run()
    assert asyncio.run(_snapshot(settings)) == before


def test_raw_bodies_never_break_the_server(live_server_url: str, fuzz_schema: Schema) -> None:
    with httpx.Client(
        base_url=live_server_url, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    ) as http:

        @settings_for_budget
        @given(st.one_of(JSON_VALUES.map(orjson.dumps), st.binary(max_size=200)))
        def run(raw: bytes) -> None:
            _check(http.post("/graphql", content=raw, headers={"content-type": "application/json"}))

        run()


settings_for_budget = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 200,  # the fixed budget in `make test` is reproducible
    suppress_health_check=list(HealthCheck),
)
