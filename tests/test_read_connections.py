"""Connections: filters, sorting, keyset pages and totalCount agree with a plain-Python oracle.

The dataset is written straight into Neo4j with Cypher (the read path must not depend on the
write path), with deliberate ties and nulls in the sort keys, so the tie-break by id and
Neo4j's null ordering (last when ascending, first when descending) are exercised.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import global_id
from graphdb.driver import Graph
from tests.graphql_client import data, gql

NAMES = ["Adams", "Baker", "Čierna", "Dvořák", "Evans", "Baker", "Żak", "Adams"]
CITIES = ["Bratislava", "Kraków", "Porto", "Praha", None]
STAGES = ["LEAD", "PROSPECT", "CUSTOMER", "CHURNED"]
SPENT = [0, 10_000, 125_000, 125_000, 990_000, 5_000_000]  # ten-thousandths


def make_customers(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "externalId": f"EXT-{i:04d}",
                "name": rng.choice(NAMES),
                "kind": rng.choice(["INDIVIDUAL", "BUSINESS"]),
                "lifecycleStage": rng.choice(STAGES),
                "city": rng.choice(CITIES),
                "leadScore": rng.choice([None, 10, 50, 50, 90]),
                "totalSpent": rng.choice(SPENT),
                "orderCount": rng.randint(0, 5),
                "lastOrderAt": rng.choice(
                    [None, base + dt.timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 3))]
                ),
                "createdAt": base,
            }
        )
    return rows


async def load(graph: Graph, rows: list[dict[str, Any]]) -> None:
    await graph.write(
        "UNWIND $rows AS r CREATE (c:Customer) SET c = r, c.updatedAt = r.createdAt, c.version = 1",
        {"rows": rows},
    )


@pytest.fixture
async def customers(graph: Graph) -> list[dict[str, Any]]:
    rows = make_customers(seed=7, count=45)
    await load(graph, rows)
    return rows


# ------------------------------------------------------------------------------ the oracle
def _sorted(rows: list[dict[str, Any]], keys: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Neo4j's order: ascending puts nulls last, descending puts them first; then id."""
    out = sorted(rows, key=lambda r: r["id"], reverse=keys[0][1] if keys else False)
    for name, desc in reversed(keys):
        present = [r for r in out if r[name] is not None]
        missing = [r for r in out if r[name] is None]
        present = sorted(present, key=lambda r: r[name], reverse=desc)
        out = missing + present if desc else present + missing
    return out


def _matches(row: dict[str, Any], flt: dict[str, Any]) -> bool:
    for field, ops in flt.items():
        if field == "or":
            if not any(_matches(row, f) for f in ops):
                return False
            continue
        if field == "not":
            if _matches(row, ops):
                return False
            continue
        value = row[field]
        if field == "totalSpent":
            value = Decimal(value) / 10_000
        for op, arg in ops.items():
            if field == "totalSpent" and op != "isNull":
                arg = [Decimal(a) for a in arg] if op == "in" else Decimal(arg)
            ok = {
                "eq": lambda v, a: v is not None and v == a,
                "in": lambda v, a: v is not None and v in a,
                "gt": lambda v, a: v is not None and v > a,
                "gte": lambda v, a: v is not None and v >= a,
                "lt": lambda v, a: v is not None and v < a,
                "lte": lambda v, a: v is not None and v <= a,
                "isNull": lambda v, a: (v is None) == a,
                "contains": lambda v, a: v is not None and a.lower() in v.lower(),
                "startsWith": lambda v, a: v is not None and v.lower().startswith(a.lower()),
            }[op](value, arg)
            if not ok:
                return False
    return True


SORT_FIELDS = {
    "NAME": "name",
    "TOTAL_SPENT": "totalSpent",
    "LEAD_SCORE": "leadScore",
    "LAST_ORDER_AT": "lastOrderAt",
    "CITY": "city",
    "ORDER_COUNT": "orderCount",
}

filters = st.one_of(
    st.just({}),
    st.builds(lambda s: {"lifecycleStage": {"eq": s}}, st.sampled_from(STAGES)),
    st.builds(lambda v: {"totalSpent": {"gte": v}}, st.sampled_from(["0", "1", "12.5", "99"])),
    st.builds(lambda v: {"leadScore": {"isNull": v}}, st.booleans()),
    st.builds(lambda v: {"city": {"in": v}}, st.lists(st.sampled_from(CITIES[:-1]), max_size=2)),
    st.builds(lambda v: {"name": {"startsWith": v}}, st.sampled_from(["a", "B", "č", "zz"])),
    st.builds(
        lambda a, b: {"or": [{"lifecycleStage": {"eq": a}}, {"city": {"eq": b}}]},
        st.sampled_from(STAGES),
        st.sampled_from(CITIES[:-1]),
    ),
    st.builds(lambda s: {"not": {"lifecycleStage": {"eq": s}}}, st.sampled_from(STAGES)),
)
orderings = st.lists(
    st.tuples(st.sampled_from(sorted(SORT_FIELDS)), st.booleans()),
    max_size=2,
    unique_by=lambda t: t[0],
)

PAGE_QUERY = """
query Page($first: Int, $after: String, $last: Int, $before: String,
           $filter: CustomerFilter, $orderBy: [CustomerOrder!]) {
  customers(first: $first, after: $after, last: $last, before: $before,
            filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id externalId } }
  }
}"""


def _ext_ids(conn: dict[str, Any]) -> list[str]:
    return [e["node"]["externalId"] for e in conn["edges"]]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(flt=filters, order=orderings, size=st.integers(min_value=1, max_value=12))
async def test_paging_forward_and_backward_matches_the_oracle(
    client: httpx.AsyncClient,
    customers: list[dict[str, Any]],
    flt: dict[str, Any],
    order: list[tuple[str, bool]],
    size: int,
) -> None:
    order_by = [{"field": f, "direction": "DESC" if d else "ASC"} for f, d in order]
    keys = [(SORT_FIELDS[f], d) for f, d in order] or [("name", False)]
    expected = [r["externalId"] for r in _sorted([r for r in customers if _matches(r, flt)], keys)]

    seen: list[str] = []
    after = None
    while True:
        variables = {"first": size, "after": after, "filter": flt, "orderBy": order_by}
        conn = (await data(client, PAGE_QUERY, variables))["customers"]
        assert conn["totalCount"] == len(expected)
        seen += _ext_ids(conn)
        assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == expected

    backwards: list[str] = []
    before = None
    while True:
        variables = {"last": size, "before": before, "filter": flt, "orderBy": order_by}
        conn = (await data(client, PAGE_QUERY, variables))["customers"]
        backwards = _ext_ids(conn) + backwards
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert backwards == expected


async def test_default_order_is_by_name_then_id(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    conn = (await data(client, PAGE_QUERY, {"first": 500}))["customers"]
    assert _ext_ids(conn) == [r["externalId"] for r in _sorted(customers, [("name", False)])]


async def test_total_count_ignores_the_page_but_honours_the_filter(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    flt = {"lifecycleStage": {"in": ["LEAD", "PROSPECT"]}}
    conn = (await data(client, PAGE_QUERY, {"first": 2, "filter": flt}))["customers"]
    assert len(conn["edges"]) == min(2, conn["totalCount"])
    assert conn["totalCount"] == sum(r["lifecycleStage"] in ("LEAD", "PROSPECT") for r in customers)


async def test_empty_result_has_no_cursors(client: httpx.AsyncClient, graph: Graph) -> None:
    conn = (await data(client, PAGE_QUERY, {"first": 5}))["customers"]
    assert conn == {
        "totalCount": 0,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "edges": [],
    }


async def test_money_filters_and_values_are_exact_decimals(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    query = """{ customers(first: 500, filter: {totalSpent: {eq: "12.5"}}) {
        edges { node { totalSpent } } } }"""
    edges = (await data(client, query))["customers"]["edges"]
    assert edges and all(e["node"]["totalSpent"] == "12.50" for e in edges)
    assert len(edges) == sum(r["totalSpent"] == 125_000 for r in customers)


# ------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ("first: 2, last: 2", "INVALID_PAGINATION"),
        ("first: -1", "INVALID_PAGINATION"),
        ("last: -3", "INVALID_PAGINATION"),
        ("first: 501", "PAGE_TOO_LARGE"),
        ('first: 2, after: "not-a-cursor"', "INVALID_CURSOR"),
        ('first: 2, after: "eyJ4IjoxfQ"', "INVALID_CURSOR"),
        ('last: 2, after: "eyJ4IjoxfQ"', "INVALID_CURSOR"),
        ('filter: {id: {eq: "nonsense"}}', "INVALID_ID"),
        ('filter: {totalSpent: {eq: "1.23456"}}', "INVALID_VALUE"),
    ],
)
async def test_bad_page_arguments_get_a_clear_error(
    client: httpx.AsyncClient, graph: Graph, arguments: str, code: str
) -> None:
    body = await gql(client, f"{{ customers({arguments}) {{ totalCount }} }}")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code
    assert "Traceback" not in body["errors"][0]["message"]


async def test_a_cursor_from_another_ordering_is_refused(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    first = (await data(client, PAGE_QUERY, {"first": 2}))["customers"]
    cursor = first["pageInfo"]["endCursor"]
    body = await gql(
        client,
        PAGE_QUERY,
        {"first": 2, "after": cursor, "orderBy": [{"field": "TOTAL_SPENT", "direction": "ASC"}]},
    )
    assert body["errors"][0]["extensions"]["code"] == "FOREIGN_CURSOR"
    products = await gql(
        client,
        "query($a: String) { products(first: 2, after: $a) { totalCount } }",
        {"a": cursor},
    )
    assert products["errors"][0]["extensions"]["code"] == "FOREIGN_CURSOR"


async def test_a_page_from_a_cursor_starts_right_after_it(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    order = [{"field": "TOTAL_SPENT", "direction": "DESC"}]
    whole = _ext_ids((await data(client, PAGE_QUERY, {"first": 50, "orderBy": order}))["customers"])
    page1 = (await data(client, PAGE_QUERY, {"first": 10, "orderBy": order}))["customers"]
    cursor = page1["edges"][6]["cursor"]
    page2 = await data(client, PAGE_QUERY, {"first": 5, "after": cursor, "orderBy": order})
    assert _ext_ids(page2["customers"]) == whole[7:12]


async def test_node_and_nodes_resolve_global_ids(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    ids = [global_id.encode("Customer", r["id"]) for r in customers[:3]]
    missing = global_id.encode("Customer", str(uuid.uuid4()))
    query = """query($id: ID!, $ids: [ID!]!) {
        node(id: $id) { id __typename ... on Customer { externalId } }
        nodes(ids: $ids) { id ... on Customer { externalId } } }"""
    result = await data(client, query, {"id": ids[0], "ids": [ids[2], missing, ids[0]]})
    assert result["node"] == {
        "id": ids[0],
        "__typename": "Customer",
        "externalId": customers[0]["externalId"],
    }
    assert result["nodes"] == [
        {"id": ids[2], "externalId": customers[2]["externalId"]},
        None,
        {"id": ids[0], "externalId": customers[0]["externalId"]},
    ]


async def test_a_node_read_again_shows_what_is_stored_now(
    client: httpx.AsyncClient, graph: Graph, customers: list[dict[str, Any]]
) -> None:
    """The second read of the same document and id reuses its compiled statement, not its
    answer; a read of another id with that document gets that record."""
    query = "query($id: ID!) { node(id: $id) { ... on Customer { externalId name } } }"
    first, second = (global_id.encode("Customer", r["id"]) for r in customers[:2])
    before = await data(client, query, {"id": first})
    await graph.write(
        "MATCH (c:Customer {id: $id}) SET c.name = $name",
        {"id": customers[0]["id"], "name": "Renamed Account"},
    )
    after = await data(client, query, {"id": first})
    other = await data(client, query, {"id": second})
    assert before["node"]["name"] == customers[0]["name"]
    assert after["node"] == {"externalId": customers[0]["externalId"], "name": "Renamed Account"}
    assert other["node"]["externalId"] == customers[1]["externalId"]


async def test_node_with_a_malformed_id_is_a_clear_error(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    body = await gql(client, '{ node(id: "Zm9vOmJhcg") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"


async def test_never_merged_records_have_an_empty_merge_history(
    client: httpx.AsyncClient, customers: list[dict[str, Any]]
) -> None:
    query = "{ customers(first: 3) { edges { node { mergedFrom } } } }"
    edges = (await data(client, query))["customers"]["edges"]
    assert [e["node"]["mergedFrom"] for e in edges] == [[], [], []]


async def test_a_missing_total_spent_filters_as_zero_and_the_range_uses_the_stored_property(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """`totalSpent` reads as 0 where no order ever set it; filters agree, and a `gt` filter
    compares the stored property (no coalesce), so Neo4j can seek its range index."""
    await graph.write(
        "UNWIND $rows AS r CREATE (c:Customer {id: randomUUID(), externalId: r.x, name: r.x, "
        "kind: 'INDIVIDUAL', lifecycleStage: 'LEAD', createdAt: datetime(), "
        "updatedAt: datetime(), version: 1}) SET c.totalSpent = r.spent",
        {
            "rows": [
                {"x": "never", "spent": None},
                {"x": "zero", "spent": 0},
                {"x": "five", "spent": 50_000},
            ]
        },
    )
    query = "query($f: CustomerFilter) { customers(filter: $f) { edges { node { name } } } }"
    cases = {
        "gt": ("0", {"five"}),
        "gte": ("0", {"never", "zero", "five"}),
        "lt": ("1", {"never", "zero"}),
        "lte": ("0", {"never", "zero"}),
        "eq": ("0", {"never", "zero"}),
        "in": (["0", "5"], {"never", "zero", "five"}),
    }
    for op, (value, expected) in cases.items():
        body = await gql(client, query, {"f": {"totalSpent": {op: value}}})
        names = {e["node"]["name"] for e in body["data"]["customers"]["edges"]}
        assert names == expected, (op, value, names)
        if op == "gt":
            statement = body["extensions"]["cypher"][0]["statement"]
            assert "coalesce(n1.totalSpent" not in statement.split("ORDER BY")[0]
            assert ".totalSpent > $" in statement


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_ordering_by_id_follows_the_direction_asked_for(
    client: httpx.AsyncClient, graph: Graph, direction: str
) -> None:
    """`orderBy: [{field: ID, direction: DESC}]` came back ascending: the id key was dropped
    and the tie-break took ASC. Ids order by the internal uuid; pages must agree too."""
    rows = make_customers(seed=3, count=7)
    await load(graph, rows)
    ids = [r["id"] for r in rows]
    query = """query($d: SortDirection!, $after: String) {
      customers(first: 3, after: $after, orderBy: [{field: ID, direction: $d}]) {
        edges { node { id } } pageInfo { endCursor hasNextPage } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await data(client, query, {"d": direction, "after": after}))["customers"]
        seen += [global_id.decode(e["node"]["id"])[1] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(ids, reverse=direction == "DESC")


async def test_list_arguments_are_read_once_by_the_compiler(
    client: httpx.AsyncClient, customers: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # graphql-core coerces and validates a list's arguments and the compiler reads them from
    # the selection; Strawberry turning them into input objects as well was work nobody read
    # (0.4-0.8 ms a request). node(id:) still takes its argument from Strawberry.
    from strawberry.schema import schema_converter

    converted: list[list[str]] = []
    original = schema_converter.convert_arguments

    def spy(value: Any, arguments: Any, **kwargs: Any) -> Any:
        converted.append([a.python_name for a in arguments])
        return original(value, arguments, **kwargs)

    monkeypatch.setattr(schema_converter, "convert_arguments", spy)
    query = """{ customers(first: 50, filter: {lifecycleStage: {in: [LEAD, PROSPECT]}},
        orderBy: [{field: NAME, direction: DESC}]) { totalCount edges { node { id name } } } }"""
    page = (await data(client, query))["customers"]
    expected = sorted(
        (c for c in customers if c["lifecycleStage"] in ("LEAD", "PROSPECT")),
        key=lambda c: (c["name"], c["id"]),
        reverse=True,
    )
    assert page["totalCount"] == len(expected)
    assert [e["node"]["id"] for e in page["edges"]] == [
        global_id.encode("Customer", c["id"]) for c in expected
    ]
    assert not [names for names in converted if "filter" in names], converted

    first = page["edges"][0]["node"]["id"]
    found = await data(client, "query($id: ID!) { node(id: $id) { id } }", {"id": first})
    assert found["node"]["id"] == first
    assert ["id"] in converted  # the spy sees the conversions that still happen
