"""Nested selections resolve in one Cypher statement per root field, whatever their shape."""

from __future__ import annotations

import httpx
import pytest

from graphdb.driver import Graph
from graphdb.migrations import m0019_revenue_histogram
from tests.graphql_client import data, gql

GRAPH = """
CREATE (co:Company {id: randomUUID(), name: 'Acme s.r.o.', industry: 'Manufacturing',
                    city: 'Bratislava', country: 'SK', createdAt: datetime(),
                    updatedAt: datetime(), version: 1})
CREATE (cu:Customer {id: randomUUID(), externalId: 'C1', kind: 'BUSINESS', name: 'Acme',
                     lifecycleStage: 'CUSTOMER', orderCount: 1, totalSpent: 1500000,
                     createdAt: datetime(), updatedAt: datetime(), version: 1})-[:ACCOUNT_OF]->(co)
CREATE (ceo:Contact {id: randomUUID(), firstName: 'Peter', lastName: 'Kováč',
                     fullName: 'Peter Kováč', createdAt: datetime(), updatedAt: datetime(),
                     version: 1})
CREATE (ceo)-[:WORKS_AT {jobTitle: 'CEO', seniority: 'C_LEVEL',
                         startedOn: date('2019-02-01')}]->(co)
CREATE (eva:Contact {id: randomUUID(), firstName: 'Eva', lastName: 'Horváth',
                     fullName: 'Eva Horváth', createdAt: datetime(), updatedAt: datetime(),
                     version: 1})
CREATE (eva)-[:WORKS_AT {jobTitle: 'Buyer', seniority: 'STAFF', decisionRole: 'ECONOMIC_BUYER',
                         startedOn: date('2021-05-01')}]->(co)
CREATE (old:Contact {id: randomUUID(), firstName: 'Olga', lastName: 'Stará',
                     fullName: 'Olga Stará', createdAt: datetime(), updatedAt: datetime(),
                     version: 1})
CREATE (old)-[:WORKS_AT {jobTitle: 'Buyer', seniority: 'STAFF', startedOn: date('2010-01-01'),
                         endedOn: date('2020-12-31')}]->(co)
CREATE (eva)-[:REPORTS_TO]->(ceo)
CREATE (u:User {id: randomUUID(), name: 'Sam Seller', email: 'sam@rapport.test', role: 'SALES',
                createdAt: datetime(), updatedAt: datetime(), version: 1})-[:MANAGES]->(cu)
WITH eva, cu, u
UNWIND range(1, 4) AS k
CREATE (i:Interaction {id: randomUUID(), kind: 'CALL', subject: 'Call ' + k,
                       occurredAt: datetime('2025-03-0' + k + 'T10:00:00Z'),
                       createdAt: datetime(), updatedAt: datetime(), version: 1})
CREATE (i)-[:WITH]->(eva)
CREATE (i)-[:WITH]->(cu)
CREATE (u)-[:LOGGED]->(i)
"""

NESTED = """
fragment Person on Contact { fullName reportsTo { fullName } }
query Deep($withOrders: Boolean!) {
  customers(first: 5) {
    edges {
      node {
        ... on Customer {
          name
          manager: accountManager { name }
          company {
            name
            staff: contacts(first: 5, orderBy: [{field: LAST_NAME, direction: ASC}]) {
              totalCount
              edges {
                jobTitle
                node {
                  ...Person
                  latest: interactions(first: 2) {
                    edges { node { subject loggedBy { name } participants {
                      __typename ... on Customer { name } ... on Contact { fullName } } } }
                  }
                  oldest: interactions(last: 1) { edges { node { subject } } }
                }
              }
            }
            everyone: contacts(current: false) { totalCount }
          }
          orders @include(if: $withOrders) { totalCount }
          tags @skip(if: true) { totalCount }
        }
      }
    }
  }
}"""


@pytest.fixture
async def acme(graph: Graph) -> None:
    await graph.write(GRAPH)


async def test_four_level_query_with_fragments_and_aliases_runs_one_statement(
    client: httpx.AsyncClient, acme: None
) -> None:
    body = await gql(client, NESTED, {"withOrders": False})
    assert not body.get("errors"), body
    assert body["extensions"]["statementCount"] == 1
    customer = body["data"]["customers"]["edges"][0]["node"]
    assert customer["manager"] == {"name": "Sam Seller"}
    assert "orders" not in customer and "tags" not in customer
    company = customer["company"]
    assert company["staff"]["totalCount"] == 2  # the former employee is not current staff
    assert company["everyone"]["totalCount"] == 3
    eva, peter = company["staff"]["edges"]
    assert (eva["jobTitle"], eva["node"]["fullName"]) == ("Buyer", "Eva Horváth")
    assert eva["node"]["reportsTo"] == {"fullName": "Peter Kováč"}
    assert peter["node"]["reportsTo"] is None
    latest = [e["node"]["subject"] for e in eva["node"]["latest"]["edges"]]
    assert latest == ["Call 4", "Call 3"]
    assert [e["node"]["subject"] for e in eva["node"]["oldest"]["edges"]] == ["Call 1"]
    first_call = eva["node"]["latest"]["edges"][0]["node"]
    assert first_call["loggedBy"] == {"name": "Sam Seller"}
    assert sorted(p["__typename"] for p in first_call["participants"]) == ["Contact", "Customer"]


async def test_include_directive_adds_the_field_in_the_same_statement(
    client: httpx.AsyncClient, acme: None
) -> None:
    body = await gql(client, NESTED, {"withOrders": True})
    assert body["extensions"]["statementCount"] == 1
    assert body["data"]["customers"]["edges"][0]["node"]["orders"] == {"totalCount": 0}


async def test_two_root_fields_run_two_statements(client: httpx.AsyncClient, acme: None) -> None:
    body = await gql(client, "{ a: customers { totalCount } b: companies { totalCount } }")
    assert body["data"] == {"a": {"totalCount": 1}, "b": {"totalCount": 1}}
    assert body["extensions"]["statementCount"] == 2


PAGED = """query($id: ID!) {
  revenueConcentration(share: 1) {
    top: customers(first: 1) { pageInfo { endCursor } edges { cursor node { name
      referrals(depth: 2, first: 2) { totalCount pageInfo { hasNextPage }
        edges { node { depth referred { name
          referrals { edges { node { referred { name } } } } } } } } } } }
    rest: customers(first: 5, offset: 1) { totalCount edges { node { name } } }
  }
  auditLog(entityId: $id, first: 1) { totalCount pageInfo { hasNextPage } edges { node { id } } }
}"""


async def test_paged_referrals_sets_and_audit_logs_are_one_statement_per_root_field(
    client: httpx.AsyncClient, graph: Graph, acme: None
) -> None:
    await graph.write(
        "MATCH (cu:Customer {externalId: 'C1'}) "
        "CREATE (cu)-[:REFERRED]->(a:Customer {id: randomUUID(), externalId: 'R1', name: 'Ref A', "
        "kind: 'INDIVIDUAL', lifecycleStage: 'LEAD', totalSpent: 10000, orderCount: 1, "
        "createdAt: datetime(), updatedAt: datetime(), version: 1}) "
        "CREATE (a)-[:REFERRED]->(:Customer {id: randomUUID(), externalId: 'R2', name: 'Ref B', "
        "kind: 'INDIVIDUAL', lifecycleStage: 'LEAD', totalSpent: 0, orderCount: 0, "
        "createdAt: datetime(), updatedAt: datetime(), version: 1})"
    )
    # The fixture stores totals directly, as data from before migration 19 would be: bucket
    # them and build the revenue histogram the way that migration does.
    await m0019_revenue_histogram.backfill(graph)
    customer = await data(
        client, '{ customers(filter: {externalId: {eq: "C1"}}) { edges { node { id } } } }'
    )
    body = await gql(client, PAGED, {"id": customer["customers"]["edges"][0]["node"]["id"]})
    assert not body.get("errors"), body
    assert body["extensions"]["statementCount"] == 2
    top = body["data"]["revenueConcentration"]["top"]["edges"][0]["node"]
    assert top["name"] == "Acme"
    assert top["referrals"]["totalCount"] == 2
    assert top["referrals"]["pageInfo"] == {"hasNextPage": False}
    first, second = (e["node"] for e in top["referrals"]["edges"])
    assert (first["depth"], first["referred"]["name"]) == (1, "Ref A")
    assert first["referred"]["referrals"]["edges"] == [{"node": {"referred": {"name": "Ref B"}}}]
    assert (second["depth"], second["referred"]["name"]) == (2, "Ref B")
    rest = body["data"]["revenueConcentration"]["rest"]
    assert rest == {"totalCount": 2, "edges": [{"node": {"name": "Ref A"}}]}
    assert body["data"]["auditLog"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False},
        "edges": [],
    }


async def test_debug_extension_shows_parameterised_cypher(
    client: httpx.AsyncClient, acme: None
) -> None:
    body = await gql(client, '{ customers(filter: {name: {eq: "Acme"}}) { totalCount } }')
    statement = body["extensions"]["cypher"][0]["statement"]
    assert "Acme" not in statement  # the value travels as a parameter
    assert "$p0" in statement
    assert body["extensions"]["cypher"][0]["dbMs"] >= 0


async def test_a_count_alone_reads_no_page(client: httpx.AsyncClient, acme: None) -> None:
    """Only `totalCount` selected: the statement counts and never sorts a page."""
    query = """{
      customers(filter: {name: {startsWith: "ac"}}) { totalCount }
      companies { edges { node {
        staff: contacts { totalCount } everyone: contacts(current: false) { totalCount } } } }
    }"""
    body = await gql(client, query)
    assert not body.get("errors"), body
    assert body["data"]["customers"] == {"totalCount": 1}
    company = body["data"]["companies"]["edges"][0]["node"]
    assert (company["staff"]["totalCount"], company["everyone"]["totalCount"]) == (2, 3)
    # the two root fields resolve concurrently, so their statements may be logged in any order
    statements = [c["statement"] for c in body["extensions"]["cypher"]]
    (counting,) = [s for s in statements if ":Customer" in s.split(" WITH ")[0]]
    (listing,) = [s for s in statements if ":Company" in s.split(" WITH ")[0]]
    assert "ORDER BY" not in counting
    assert listing.count("ORDER BY") == 1  # the companies page; the contacts are only counted


async def test_filters_across_relationships(client: httpx.AsyncClient, acme: None) -> None:
    query = """query($industry: String!) {
        customers(filter: {company: {industry: {eq: $industry}}}) { totalCount }
        contacts(filter: {currentCompany: {name: {startsWith: "acme"}}}) { totalCount } }"""
    result = await data(client, query, {"industry": "Manufacturing"})
    assert result == {"customers": {"totalCount": 1}, "contacts": {"totalCount": 2}}
    none = await data(client, query, {"industry": "Retail"})
    assert none["customers"] == {"totalCount": 0}
