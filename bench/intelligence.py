"""Relationship-intelligence benchmark cases (issue 5): same harness as the read path."""

from __future__ import annotations

from neo4j import Driver

from bench.read_path import Case
from core import global_id
from graphdb.compiler import cursor
from graphdb.compiler.roots import SET_SIGNATURE

DECISION_MAKERS = """query KDM($id: ID!) {
  keyDecisionMakers(companyId: $id, first: 10) { contact { fullName } reasons span influence }
}"""

REFERRAL_CHAIN = """query Chain($id: ID!) {
  referralChain(customerId: $id) { ... on Customer { name } ... on Contact { fullName } }
}"""

RECOMMENDATIONS = """query Recs($id: ID!) {
  node(id: $id) { ... on Customer { recommendations(first: 5) { score product { sku } } } }
}"""

SEGMENT = """query Segment($id: ID!) {
  segment(id: $id) { name customers(first: 20) { totalCount edges { node { name totalSpent } } } }
}"""

#: A saved segment for the benchmark, written straight into the dataset (stable id).
BENCH_SEGMENT_ID = "00000000-0000-4000-8000-00000000be5c"
BENCH_SEGMENT_FILTER = '{"country":{"in":["SK","CZ"]},"totalSpent":{"gte":"1000"}}'

#: The three whole-database rankings, as the explorer's list views ask them (first pages).
AT_RISK = """query AtRisk { atRiskCustomers(first: 50) { customer { name totalSpent }
  churnRisk { riskScore daysSinceLastOrder } } }"""

TOP_REFERRERS = """query TopReferrers { topReferrers(first: 20, by: REVENUE) {
  referrer { ... on Customer { name } ... on Contact { fullName } } size revenue } }"""

REVENUE = """query Revenue { revenueConcentration(share: 0.8) { customerCount customerShare
  revenueShare totalRevenue customers(first: 20) { edges { node { name totalSpent } } } } }"""

#: A page of the set after a cursor (1 % of the way down the ranking): the explorer's "more".
REVENUE_AFTER = """query RevenueAfter($after: String!) { revenueConcentration(share: 0.8) {
  customers(first: 20, after: $after) { edges { node { name totalSpent } } } } }"""

INTRODUCTION = """query Intro($a: ID!, $b: ID!) {
  introductionPath(fromId: $a, toId: $b, maxHops: 4) { hops relationships { type direction } }
}"""


def intelligence_cases(driver: Driver) -> list[Case]:
    """Deterministic subjects: the biggest company, the deepest referral, the busiest and the
    median buyer (the worst case and the typical one)."""
    company = driver.execute_query(
        "MATCH (co:Company)<-[w:WORKS_AT]-(:Contact) WHERE w.endedOn IS NULL "
        "WITH co, count(*) AS staff ORDER BY staff DESC, co.id LIMIT 1 RETURN co.id AS id"
    )[0][0]["id"]
    deep = driver.execute_query(
        "MATCH p = (:Customer)-[:REFERRED*1..6]->(c:Customer) "
        "WITH c, length(p) AS d ORDER BY d DESC, c.id LIMIT 1 RETURN c.id AS id"
    )[0][0]["id"]
    buyer = driver.execute_query(
        "MATCH (c:Customer) WHERE c.orderCount >= 5 WITH c ORDER BY c.orderCount DESC, c.id "
        "LIMIT 1 RETURN c.id AS id"
    )[0][0]["id"]
    pair = driver.execute_query(
        # the first contacts by id only (the same pair as over all of them, unless none of a
        # thousand has a second-degree acquaintance): over every contact it outlasted the 60 s
        # transaction timeout at 1M customers on a cold page cache
        "MATCH (a:Contact) WITH a ORDER BY a.id LIMIT 1000 "
        "MATCH (a)-[:KNOWS]-(:Contact)-[:KNOWS]-(b:Contact) WHERE a <> b "
        "WITH a, b ORDER BY a.id, b.id LIMIT 1 RETURN a.id AS a, b.id AS b"
    )[0][0]
    typical = driver.execute_query(
        "MATCH (c:Customer) WHERE c.orderCount >= 2 WITH c ORDER BY c.orderCount, c.id "
        "WITH collect(c) AS cs RETURN cs[size(cs) / 2].id AS id"
    )[0][0]["id"]
    deeper = driver.execute_query(
        "MATCH (c:Customer) WHERE c.totalSpent > 0 WITH count(*) / 100 AS k "
        "MATCH (c:Customer) WHERE c.totalSpent > 0 WITH c, k ORDER BY c.totalSpent DESC, c.id "
        "WITH k, collect(c) AS cs RETURN cs[k].totalSpent AS spent, cs[k].id AS id"
    )[0][0]
    driver.execute_query(
        "MERGE (s:Segment {id: $id}) SET s.name = 'bench: SK/CZ spent >= 1000', "
        "s.filter = $filter, s.version = 1, s.createdAt = datetime(), s.updatedAt = datetime()",
        id=BENCH_SEGMENT_ID,
        filter=BENCH_SEGMENT_FILTER,
    )
    return [
        Case("atRiskCustomers (first 50)", AT_RISK, {}),
        Case("topReferrers (first 20 by revenue)", TOP_REFERRERS, {}),
        Case("revenueConcentration (0.8, first 20 of the set)", REVENUE, {}),
        Case(
            "revenueConcentration (0.8, 20 after a cursor 1 % down)",
            REVENUE_AFTER,
            {"after": cursor.encode(SET_SIGNATURE, [deeper["spent"], deeper["id"]])},
        ),
        Case(
            "segment members (SK/CZ, spent >= 1000; first 20 + totalCount)",
            SEGMENT,
            {"id": global_id.encode("Segment", BENCH_SEGMENT_ID)},
        ),
        Case(
            "keyDecisionMakers (biggest company)",
            DECISION_MAKERS,
            {"id": global_id.encode("Company", company)},
        ),
        Case(
            "referralChain (deepest referral)",
            REFERRAL_CHAIN,
            {"id": global_id.encode("Customer", deep)},
        ),
        Case(
            "recommendations (busiest buyer)",
            RECOMMENDATIONS,
            {"id": global_id.encode("Customer", buyer)},
        ),
        Case(
            "recommendations (median buyer)",
            RECOMMENDATIONS,
            {"id": global_id.encode("Customer", typical)},
        ),
        Case(
            "introductionPath (2 hops, max 4)",
            INTRODUCTION,
            {
                "a": global_id.encode("Contact", pair["a"]),
                "b": global_id.encode("Contact", pair["b"]),
            },
        ),
    ]
