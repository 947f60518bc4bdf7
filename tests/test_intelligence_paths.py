"""Warm introductions are shortest paths (checked with networkx); search is typo-tolerant."""

from __future__ import annotations

import itertools
import random

import httpx
import networkx as nx
import pytest

from core import global_id
from graphdb.driver import Graph
from tests.graphql_client import data, gql
from tests.intelligence_graphs import rid

PATH = """query($a: ID!, $b: ID!, $hops: Int!) {
  introductionPath(fromId: $a, toId: $b, maxHops: $hops) {
    hops relationships { type direction strength }
    nodes { __typename id ... on Contact { fullName } } } }"""


async def write_social_graph(graph: Graph, seed: int) -> tuple[nx.Graph, dict[str, str]]:
    """Contacts, two companies, KNOWS and REPORTS_TO ties, and a former colleague."""
    rng = random.Random(seed)
    people = [rid(rng) for _ in range(30)]
    companies = [rid(rng), rid(rng)]
    g: nx.Graph = nx.Graph()
    await graph.write(
        "UNWIND $ids AS i CREATE (c:Contact {id: i, firstName: 'P', lastName: i, "
        "fullName: 'P ' + i, createdAt: datetime(), updatedAt: datetime(), version: 1})",
        {"ids": people},
    )
    await graph.write(
        "UNWIND $ids AS i CREATE (c:Company {id: i, name: i, createdAt: datetime(), "
        "updatedAt: datetime(), version: 1})",
        {"ids": companies},
    )
    knows = set()
    for _ in range(28):
        a, b = rng.sample(people, 2)
        knows.add((a, b))
        g.add_edge(a, b)
    jobs = []
    for p in rng.sample(people, 12):
        company = rng.choice(companies)
        former = rng.random() < 0.3
        jobs.append({"p": p, "c": company, "former": former})
        if not former:
            g.add_edge(p, company)
    await graph.write(
        "UNWIND $pairs AS pr MATCH (a:Contact {id: pr[0]}), (b:Contact {id: pr[1]}) "
        "CREATE (a)-[:KNOWS {strength: 0.5}]->(b)",
        {"pairs": [list(k) for k in knows]},
    )
    await graph.write(
        "UNWIND $jobs AS j MATCH (p:Contact {id: j.p}), (c:Company {id: j.c}) "
        "CREATE (p)-[w:WORKS_AT {seniority: 'STAFF'}]->(c) "
        "SET w.endedOn = CASE WHEN j.former THEN date('2020-01-01') ELSE null END",
        {"jobs": jobs},
    )
    kinds = {p: "Contact" for p in people} | {c: "Company" for c in companies}
    return g, kinds


@pytest.mark.parametrize("seed", [3, 4])
async def test_introduction_path_is_a_shortest_path_over_current_ties(
    client: httpx.AsyncClient, graph: Graph, seed: int
) -> None:
    g, kinds = await write_social_graph(graph, seed)
    rng = random.Random(seed)
    people = [n for n, k in kinds.items() if k == "Contact"]
    for _ in range(10):
        a, b = rng.sample(people, 2)
        max_hops = rng.randint(1, 6)
        variables = {
            "a": global_id.encode("Contact", a),
            "b": global_id.encode("Contact", b),
            "hops": max_hops,
        }
        result = (await data(client, PATH, variables))["introductionPath"]
        try:
            distance = nx.shortest_path_length(g, a, b) if a in g and b in g else None
        except nx.NetworkXNoPath:
            distance = None
        if distance is None or distance > max_hops:
            assert result is None
            continue
        assert result is not None and result["hops"] == distance
        ids = [global_id.decode(n["id"])[1] for n in result["nodes"]]
        assert ids[0] == a and ids[-1] == b
        assert len(result["relationships"]) == distance
        for x, y in itertools.pairwise(ids):
            assert g.has_edge(x, y)


async def test_each_hop_says_its_type_direction_and_knows_strength(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """Ann knows Ben (recorded from Ben's side), Ben works at Acme, and so does Dora:
    Ann → Ben → Acme → Dora, each hop read against the route's order."""
    ann, ben, dora, acme = (f"c0a80101-0000-4000-8000-00000000000{i}" for i in range(4))
    await graph.write(
        "UNWIND $people AS i CREATE (:Contact {id: i, firstName: 'P', lastName: i, "
        "fullName: 'P ' + i, createdAt: datetime(), updatedAt: datetime(), version: 1})",
        {"people": [ann, ben, dora]},
    )
    await graph.write(
        "MATCH (a:Contact {id: $ann}), (b:Contact {id: $ben}), (d:Contact {id: $dora}) "
        "CREATE (c:Company {id: $acme, name: 'Acme', createdAt: datetime(), "
        "updatedAt: datetime(), version: 1}) "
        "CREATE (b)-[:KNOWS {strength: 0.8}]->(a), (b)-[:WORKS_AT]->(c), (d)-[:WORKS_AT]->(c)",
        {"ann": ann, "ben": ben, "dora": dora, "acme": acme},
    )
    query = """query($a: ID!, $b: ID!) { introductionPath(fromId: $a, toId: $b) {
      hops nodes { id } relationships { type direction strength }
      kinds: relationships { kind: type } } }"""
    ids = {"a": global_id.encode("Contact", ann), "b": global_id.encode("Contact", dora)}
    path = (await data(client, query, ids))["introductionPath"]
    assert [global_id.decode(n["id"])[1] for n in path["nodes"]] == [ann, ben, acme, dora]
    assert path["relationships"] == [
        {"type": "KNOWS", "direction": "BACKWARD", "strength": 0.8},
        {"type": "WORKS_AT", "direction": "FORWARD", "strength": None},
        {"type": "WORKS_AT", "direction": "BACKWARD", "strength": None},
    ]
    assert path["kinds"] == [{"kind": "KNOWS"}, {"kind": "WORKS_AT"}, {"kind": "WORKS_AT"}]
    back = (await data(client, query, {"a": ids["b"], "b": ids["a"]}))["introductionPath"]
    assert back["relationships"] == [
        {"type": "WORKS_AT", "direction": "FORWARD", "strength": None},
        {"type": "WORKS_AT", "direction": "BACKWARD", "strength": None},
        {"type": "KNOWS", "direction": "FORWARD", "strength": 0.8},
    ]


async def test_same_start_and_goal_is_a_zero_hop_path(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    _, kinds = await write_social_graph(graph, 5)
    person = next(n for n, k in kinds.items() if k == "Contact")
    pid = global_id.encode("Contact", person)
    result = (await data(client, PATH, {"a": pid, "b": pid, "hops": 2}))["introductionPath"]
    assert result == {
        "hops": 0,
        "relationships": [],
        "nodes": [{"__typename": "Contact", "id": pid, "fullName": f"P {person}"}],
    }


@pytest.mark.parametrize("hops", [0, 7, -1])
async def test_max_hops_outside_one_to_six_is_refused(
    client: httpx.AsyncClient, graph: Graph, hops: int
) -> None:
    pid = global_id.encode("Contact", "c0a80101-0000-4000-8000-000000000009")
    body = await gql(client, PATH, {"a": pid, "b": pid, "hops": hops})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_MAX_HOPS"


async def test_introduction_path_refuses_ids_of_things_that_are_not_people_or_accounts(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    product = global_id.encode("Product", "c0a80101-0000-4000-8000-000000000009")
    body = await gql(client, PATH, {"a": product, "b": product, "hops": 2})
    assert body["errors"][0]["extensions"]["code"] == "WRONG_TYPE"


SEARCH = """query($q: String!) { search(text: $q, first: 5) { score node { __typename
  ... on Contact { fullName } ... on Company { name } ... on Customer { name } } } }"""


async def test_search_is_typo_and_diacritic_tolerant_and_best_match_first(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await graph.write(
        "CREATE (:Contact {id: randomUUID(), firstName: 'Eva', lastName: 'Horváth', "
        "fullName: 'Eva Horváth', email: 'eva@acme.sk', createdAt: datetime(), "
        "updatedAt: datetime(), version: 1}) "
        "CREATE (:Company {id: randomUUID(), name: 'Horvath Logistics', domain: 'horvath.pl', "
        "createdAt: datetime(), updatedAt: datetime(), version: 1}) "
        "CREATE (:Customer {id: randomUUID(), externalId: 'Z1', name: 'Zuzana Nováková', "
        "kind: 'INDIVIDUAL', lifecycleStage: 'LEAD', orderCount: 0, totalSpent: 0, "
        "createdAt: datetime(), updatedAt: datetime(), version: 1})"
    )
    hits = (await data(client, SEARCH, {"q": "eva horvath"}))["search"]
    assert hits[0]["node"] == {"__typename": "Contact", "fullName": "Eva Horváth"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    typo = (await data(client, SEARCH, {"q": "novakova"}))["search"]
    assert typo and typo[0]["node"]["name"] == "Zuzana Nováková"
    fuzzy = (await data(client, SEARCH, {"q": "hrovath"}))["search"]
    assert {h["node"]["__typename"] for h in fuzzy} >= {"Company"}


@pytest.mark.parametrize("text", ["", "   ", "x" * 201])
async def test_blank_or_huge_search_text_is_refused(
    client: httpx.AsyncClient, graph: Graph, text: str
) -> None:
    body = await gql(client, SEARCH, {"q": text})
    assert body["errors"][0]["extensions"]["code"] in {"BLANK", "TOO_LONG"}


async def test_lucene_syntax_in_search_text_is_treated_as_text(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    for text in ['name:"x" OR *', "AND OR NOT", "(((", "a~9^100", "\\"]:
        body = await gql(client, SEARCH, {"q": text})
        assert "errors" not in body or not body["errors"], (text, body.get("errors"))
