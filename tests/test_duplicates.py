"""duplicateCandidates over HTTP: planted pairs of a seeded graph, hand-made pairs per reason."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from core import global_id
from graphdb.driver import Graph
from rapport.seed import planted_duplicates, seed_graph
from tests._factories import new_company, new_contact, new_customer
from tests._gql import gql, mutate, ok
from tests.conftest import MakeToken

QUERY = """
query D($first: Int!, $kind: DuplicateKind, $minScore: Float!) {
  duplicateCandidates(first: $first, kind: $kind, minScore: $minScore) {
    score reasons
    a { __typename ... on Customer { id name } ... on Contact { id fullName } }
    b { __typename ... on Customer { id name } ... on Contact { id fullName } }
  }
}
"""


async def _candidates(
    client: httpx.AsyncClient, *, first: int = 100, kind: str | None = None, min_score: float = 0.75
) -> list[dict[str, Any]]:
    data = await gql(client, QUERY, {"first": first, "kind": kind, "minScore": min_score})
    return data["duplicateCandidates"]  # type: ignore[no-any-return]


def _check_shape(pairs: list[dict[str, Any]]) -> None:
    """No self-pairs, each pair once, a < b, same type, best first with ties by ids."""
    seen = set()
    for p in pairs:
        assert p["a"]["id"] != p["b"]["id"]
        assert p["a"]["id"] < p["b"]["id"]
        assert p["a"]["__typename"] == p["b"]["__typename"]
        assert 0 <= p["score"] <= 1
        key = (p["a"]["id"], p["b"]["id"])
        assert key not in seen
        seen.add(key)
    order = [(-p["score"], p["a"]["id"], p["b"]["id"]) for p in pairs]
    assert order == sorted(order)


async def test_planted_duplicates_of_a_seeded_graph_are_found(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await seed_graph(graph, 300, 2, progress=False)
    planted = planted_duplicates(300, 2)
    assert len(planted) == 8
    pairs = await _candidates(client, kind="CUSTOMER")
    _check_shape(pairs)
    found = {frozenset((p["a"]["id"], p["b"]["id"])) for p in pairs}
    for d in planted:
        wanted = frozenset(
            (
                global_id.encode("Customer", d.original_id),
                global_id.encode("Customer", d.duplicate_id),
            )
        )
        assert wanted in found, d
    reasons = {frozenset((p["a"]["id"], p["b"]["id"])): set(p["reasons"]) for p in pairs}
    for d in planted:
        key = frozenset(
            (
                global_id.encode("Customer", d.original_id),
                global_id.encode("Customer", d.duplicate_id),
            )
        )
        assert {"SAME_EMAIL", "SAME_PHONE", "SAME_CITY"} <= reasons[key]
    # every reported customer pair is a planted one (or two duplicates of one original)
    planted_ids = {d.original_id for d in planted} | {d.duplicate_id for d in planted}
    for p in pairs:
        assert global_id.decode(p["a"]["id"])[1] in planted_ids
        assert global_id.decode(p["b"]["id"])[1] in planted_ids
    # `first` cuts the same ordered list
    assert await _candidates(client, kind="CUSTOMER", first=3) == pairs[:3]


def _pair_of(pairs: list[dict[str, Any]], x: str, y: str) -> dict[str, Any] | None:
    want = {x, y}
    return next((p for p in pairs if {p["a"]["id"], p["b"]["id"]} == want), None)


async def test_hand_made_pairs_each_reason(client: httpx.AsyncClient) -> None:
    # SAME_EMAIL: Gmail ignores dots and +tags; a free-mail domain is not SAME_DOMAIN
    mail1 = await new_customer(client, "M1", name="Alice Brown", email="alice.brown@gmail.com")
    mail2 = await new_customer(client, "M2", name="Zed Quinn", email="alicebrown+crm@gmail.com")
    # SAME_PHONE: the same number typed two ways (stored as E.164 by the mutation)
    tel1 = await new_customer(client, "T1", name="Oskar Veľký", phone="+421 905 123 456")
    tel2 = await new_customer(
        client, "T2", name="Ida Malá", phone="0905123456", address={"country": "SK"}
    )
    # SIMILAR_NAME + SAME_CITY (typo and lost diacritics), nothing else in common
    city1 = await new_customer(
        client, "C1", name="Katarína Horváthová", address={"city": "Žilina", "country": "SK"}
    )
    city2 = await new_customer(
        client, "C2", name="Katarina Horvathova", address={"city": "Žilina", "country": "SK"}
    )
    # SIMILAR_NAME + SAME_DOMAIN (a company domain, not free mail)
    dom1 = await new_customer(client, "D1", name="Marek Kollár", email="marek@kollar-stavby.sk")
    dom2 = await new_customer(client, "D2", name="Marek Kolár", email="m.kollar@kollar-stavby.sk")
    # the same name alone (different cities) is not enough
    await new_customer(client, "L1", name="Jan Novák", address={"city": "Praha", "country": "CZ"})
    await new_customer(client, "L2", name="Jan Novák", address={"city": "Brno", "country": "CZ"})
    # contacts: SIMILAR_NAME + SAME_COMPANY
    acme = await new_company(client, "Acme s.r.o.")
    peter = await new_contact(client, "Peter", "Horváth")
    petr = await new_contact(client, "Petr", "Horváth")
    for who in (peter, petr):
        ok(await mutate(client, "setEmployment", {"contactId": who, "companyId": acme}))

    everything = await _candidates(client, min_score=0.3)
    _check_shape(everything)
    expected = {
        (mail1, mail2): (["SAME_EMAIL"], 0.5),
        (tel1, tel2): (["SAME_PHONE"], 0.4),
        (city1, city2): (["SIMILAR_NAME", "SAME_CITY"], 0.85),
        (dom1, dom2): (["SIMILAR_NAME", "SAME_DOMAIN"], None),
        (peter, petr): (["SIMILAR_NAME", "SAME_COMPANY"], None),
    }
    for (x, y), (reasons, score) in expected.items():
        pair = _pair_of(everything, x, y)
        assert pair is not None, reasons
        assert pair["reasons"] == reasons
        if score is not None:
            assert pair["score"] == score
    # nothing else: the namesakes in different cities are no pair, nor are unrelated records
    assert len(everything) == len(expected)

    # the default minScore keeps the name-based pairs and drops a lone e-mail or phone match
    default = await _candidates(client)
    assert {frozenset((p["a"]["id"], p["b"]["id"])) for p in default} == {
        frozenset(pair) for pair in ((city1, city2), (dom1, dom2), (peter, petr))
    }
    contacts = await _candidates(client, kind="CONTACT")
    assert [(p["a"]["__typename"], p["reasons"]) for p in contacts] == [
        ("Contact", ["SIMILAR_NAME", "SAME_COMPANY"])
    ]
    customers = await _candidates(client, kind="CUSTOMER", min_score=0.3)
    assert all(p["a"]["__typename"] == "Customer" for p in customers)
    assert len(customers) == 4


async def test_arguments_are_checked(client: httpx.AsyncClient) -> None:
    for variables in ({"first": -1, "minScore": 0.5}, {"first": 5, "minScore": 1.5}):
        response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
        body = response.json()
        assert body["errors"], body
        assert body["data"] is None or body["data"]["duplicateCandidates"] is None


async def test_empty_graph_has_no_candidates(client: httpx.AsyncClient) -> None:
    assert await _candidates(client) == []


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_only_admins_and_managers_may_list_duplicates(
    live_server_url: str, graph: Graph, make_token: MakeToken, role: str
) -> None:
    token = await make_token(role)
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ duplicateCandidates { score } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
