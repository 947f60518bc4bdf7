"""Key decision-makers match the contract's definition on random org charts."""

from __future__ import annotations

import httpx
import pytest

from core import global_id
from graphdb.driver import Graph
from tests.graphql_client import data, gql
from tests.intelligence_graphs import expected_decision_makers, write_org_chart

QUERY = """query($id: ID!, $first: Int!) {
  keyDecisionMakers(companyId: $id, first: $first) { contact { id } reasons span influence }
  node(id: $id) { ... on Company { keyDecisionMakers(first: $first) { contact { id } span } } }
}"""


@pytest.mark.parametrize(("seed", "size"), [(1, 12), (2, 30), (3, 60), (4, 5), (5, 1)])
async def test_decision_makers_match_the_oracle(
    client: httpx.AsyncClient, graph: Graph, seed: int, size: int
) -> None:
    chart = await write_org_chart(graph, seed, size)
    company = global_id.encode("Company", chart.company)
    expected = expected_decision_makers(chart)
    result = await data(client, QUERY, {"id": company, "first": 500})
    got = [
        {
            "id": global_id.decode(r["contact"]["id"])[1],
            "reasons": r["reasons"],
            "span": r["span"],
            "influence": r["influence"],
        }
        for r in result["keyDecisionMakers"]
    ]
    assert got == expected
    nested = result["node"]["keyDecisionMakers"]
    assert [r["contact"]["id"] for r in nested] == [
        r["contact"]["id"] for r in result["keyDecisionMakers"]
    ]


async def test_a_company_without_staff_has_no_decision_makers(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await graph.write(
        "CREATE (c:Company {id: 'c0a80101-0000-4000-8000-000000000001', name: 'Empty', "
        "createdAt: datetime(), updatedAt: datetime(), version: 1})"
    )
    company = global_id.encode("Company", "c0a80101-0000-4000-8000-000000000001")
    result = await data(client, QUERY, {"id": company, "first": 10})
    assert result["keyDecisionMakers"] == []


async def test_former_employees_never_appear(client: httpx.AsyncClient, graph: Graph) -> None:
    await graph.write(
        "CREATE (c:Company {id: 'c0a80101-0000-4000-8000-000000000002', name: 'Acme', "
        "createdAt: datetime(), updatedAt: datetime(), version: 1}) "
        "CREATE (p:Contact {id: 'c0a80101-0000-4000-8000-000000000003', firstName: 'Old', "
        "lastName: 'Boss', fullName: 'Old Boss', createdAt: datetime(), updatedAt: datetime(), "
        "version: 1})-[:WORKS_AT {seniority: 'OWNER', endedOn: date('2020-01-01')}]->(c)"
    )
    company = global_id.encode("Company", "c0a80101-0000-4000-8000-000000000002")
    assert (await data(client, QUERY, {"id": company, "first": 10}))["keyDecisionMakers"] == []


async def test_unknown_company_gives_null_and_a_wrong_id_type_is_an_error(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    missing = global_id.encode("Company", "c0a80101-0000-4000-8000-0000000000ff")
    assert (await data(client, QUERY, {"id": missing, "first": 3}))["keyDecisionMakers"] is None
    wrong = global_id.encode("Customer", "c0a80101-0000-4000-8000-0000000000ff")
    body = await gql(client, QUERY, {"id": wrong, "first": 3})
    assert body["errors"][0]["extensions"]["code"] == "WRONG_TYPE"


async def test_decision_makers_run_as_one_statement(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    chart = await write_org_chart(graph, 9, 20)
    body = await gql(client, QUERY, {"id": global_id.encode("Company", chart.company), "first": 5})
    assert body["extensions"]["statementCount"] == 2  # two root fields, one statement each
