"""The viewer's own view: `me`, "my book" (`mine: true`) and which fields a role cannot see.

World (tests/_world.py): SALES manages A and A2; OTHER (also SALES) manages B and E; contacts
P and P2 work at A's company C, Q at E's company D.
"""

from __future__ import annotations

import httpx
import pytest

from core.viewer import ROLES
from graphdb.driver import Graph
from tests._world import World, as_role, build_world
from tests.conftest import MakeToken
from tests.graphql_client import data, gql

CUSTOMER_PERSONAL = ["email", "phone", "address.line1", "address.line2", "address.postalCode"]
CONTACT_PERSONAL = [
    "email",
    "phone",
    "videoHandle",
    "birthday",
    "personalNotes",
    "address.line1",
    "address.line2",
    "address.postalCode",
]


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph, make_token: MakeToken) -> World:
    return await build_world(client, graph, make_token)


async def test_me_names_the_viewer_with_role_and_accounts(
    live_server_url: str, world: World
) -> None:
    for role in ROLES:
        async with as_role(live_server_url, world.tokens[role]) as http:
            me = (await data(http, "{ me { id email role accounts { totalCount } } }"))["me"]
        assert me["id"] == world.users[role]
        assert me["role"] == role
        assert me["email"].startswith(role.lower())
        assert me["accounts"]["totalCount"] == (2 if role == "SALES" else 0)


async def test_me_for_sales_lists_exactly_its_accounts(live_server_url: str, world: World) -> None:
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        me = (await data(http, "{ me { accounts { edges { node { id } } } } }"))["me"]
    assert {e["node"]["id"] for e in me["accounts"]["edges"]} == {world["A"], world["A2"]}


async def test_mine_keeps_only_the_viewers_book(live_server_url: str, world: World) -> None:
    query = "{ customers(mine: true) { totalCount edges { node { id } } } }"
    for role, expected in (
        ("SALES", {world["A"], world["A2"]}),
        ("OTHER", {world["B"], world["E"]}),
        ("ADMIN", set()),
    ):
        async with as_role(live_server_url, world.tokens[role]) as http:
            page = (await data(http, query))["customers"]
        assert {e["node"]["id"] for e in page["edges"]} == expected, role
        assert page["totalCount"] == len(expected)


async def test_mine_false_or_omitted_is_everything_the_role_may_list(
    live_server_url: str, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        omitted = (await data(http, "{ customers { totalCount } }"))["customers"]
        off = (await data(http, "{ customers(mine: false) { totalCount } }"))["customers"]
    assert omitted["totalCount"] == off["totalCount"] == 4


async def test_the_same_document_gives_each_viewer_their_own_book(
    live_server_url: str, world: World
) -> None:
    """Compiled statements are cached per role; the viewer must still be this request's."""
    query = "query Book { customers(mine: true) { edges { node { name } } } }"
    seen = {}
    for _ in range(2):
        for role in ("SALES", "OTHER"):
            async with as_role(live_server_url, world.tokens[role]) as http:
                page = (await data(http, query))["customers"]
            seen.setdefault(role, []).append(sorted(e["node"]["name"] for e in page["edges"]))
    assert seen["SALES"] == [["Alpha", "Alpha Two"]] * 2
    assert seen["OTHER"] == [["Bea Other", "Delta"]] * 2


async def test_masked_fields_name_what_each_role_cannot_see(
    live_server_url: str, world: World
) -> None:
    query = """query($a: ID!, $b: ID!, $p: ID!, $q: ID!) {
      a: node(id: $a) { ... on Customer { email maskedFields } }
      b: node(id: $b) { ... on Customer { email maskedFields } }
      p: node(id: $p) { ... on Contact { email maskedFields } }
      q: node(id: $q) { ... on Contact { email maskedFields } }
    }"""
    variables = {"a": world["A"], "b": world["B"], "p": world["P"], "q": world["Q"]}
    expected = {
        "ADMIN": {"a": [], "b": [], "p": [], "q": []},
        "MANAGER": {"a": [], "b": [], "p": [], "q": []},
        # SALES sees its own account A and the contacts at A's company; not B, not Q.
        "SALES": {"a": [], "b": CUSTOMER_PERSONAL, "p": [], "q": CONTACT_PERSONAL},
        "ANALYST": {
            "a": CUSTOMER_PERSONAL,
            "b": CUSTOMER_PERSONAL,
            "p": CONTACT_PERSONAL,
            "q": CONTACT_PERSONAL,
        },
    }
    for role, by_key in expected.items():
        async with as_role(live_server_url, world.tokens[role]) as http:
            got = await data(http, query, variables)
        for key, masked in by_key.items():
            assert got[key]["maskedFields"] == masked, (role, key)
            if "email" in masked:
                assert got[key]["email"] is None


async def test_masked_fields_are_the_same_for_records_with_and_without_values(
    live_server_url: str, client: httpx.AsyncClient, world: World
) -> None:
    """Listing only filled fields would tell an ANALYST which customers have an e-mail."""
    await data(
        client,
        'mutation($id: ID!) { updateCustomer(input: {id: $id, email: "alpha@example.sk"}) '
        "{ errors { code } } }",
        {"id": world["A"]},
    )
    async with as_role(live_server_url, world.tokens["ANALYST"]) as http:
        rows = await data(http, "{ customers { edges { node { email maskedFields } } } }")
    nodes = [e["node"] for e in rows["customers"]["edges"]]
    assert all(n["email"] is None for n in nodes)
    assert all(n["maskedFields"] == CUSTOMER_PERSONAL for n in nodes)


async def test_mine_on_the_revenue_and_risk_questions(
    live_server_url: str, client: httpx.AsyncClient, world: World
) -> None:
    """revenueConcentration(mine: true) ranks only the viewer's book."""
    for customer, quantity in ((world["A"], 3), (world["B"], 5)):
        body = await gql(
            client,
            "mutation($c: ID!, $p: ID!, $q: Int!) { placeOrder(input: {customerId: $c, "
            "lines: [{productId: $p, quantity: $q}]}) { errors { code message } } }",
            {"c": customer, "p": world["X"], "q": quantity},
        )
        assert body["data"]["placeOrder"]["errors"] == []
    query = """{ all: revenueConcentration(share: 1) { customerCount totalRevenue
                   customers { edges { node { name } } } }
                 mine: revenueConcentration(share: 1, mine: true) { customerCount totalRevenue
                   customerShare customers { edges { node { name } } } }
                 risk: atRiskCustomers(mine: true) { customer { name } } }"""
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        got = await data(http, query)
    assert got["all"]["customerCount"] == 2
    assert [e["node"]["name"] for e in got["all"]["customers"]["edges"]] == ["Bea Other", "Alpha"]
    assert got["mine"]["customerCount"] == 1
    assert [e["node"]["name"] for e in got["mine"]["customers"]["edges"]] == ["Alpha"]
    assert got["mine"]["totalRevenue"] == "3.00"
    assert got["mine"]["customerShare"] == 0.5  # 1 of the viewer's 2 accounts
    assert got["risk"] == []


async def test_introduction_path_starts_at_the_viewer_when_from_is_omitted(
    live_server_url: str, client: httpx.AsyncClient, world: World
) -> None:
    body = await gql(
        client,
        "mutation($a: ID!, $p: ID!) { logInteraction(input: {kind: CALL, "
        "participantIds: [$a, $p]}) { errors { code } } }",
        {"a": world["A"], "p": world["P"]},
    )
    assert body["data"]["logInteraction"]["errors"] == []
    query = """query($to: ID!) { introductionPath(toId: $to) {
                 hops relationships { type direction }
                 nodes { __typename ... on User { id } ... on Contact { id } }
               } }"""
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        path = (await data(http, query, {"to": world["P"]}))["introductionPath"]
    # The viewer MANAGES A, and A was on a call with P: viewer -> A -> the call -> P.
    assert path["hops"] == 3
    assert path["relationships"] == [
        {"type": "MANAGES", "direction": "FORWARD"},
        {"type": "WITH", "direction": "BACKWARD"},
        {"type": "WITH", "direction": "FORWARD"},
    ]
    assert path["nodes"][0] == {"__typename": "User", "id": world.users["SALES"]}
    assert path["nodes"][-1] == {"__typename": "Contact", "id": world["P"]}


async def test_cached_intelligence_statements_keep_each_viewer_their_own(
    live_server_url: str, client: httpx.AsyncClient, world: World
) -> None:
    """The root intelligence fields' statements are cached like the connections' (document,
    variables, role); the ones that hold the viewer's id (an omitted `fromId`, `mine`) are
    cached per viewer, so the same document asked by two viewers of one role, in turns, gives
    each their own answer every time."""
    body = await gql(
        client,
        "mutation($a: ID!, $p: ID!) { logInteraction(input: {kind: CALL, "
        "participantIds: [$a, $p]}) { errors { code } } }",
        {"a": world["A"], "p": world["P"]},
    )
    assert body["data"]["logInteraction"]["errors"] == []
    query = """query Mine($to: ID!) {
      introductionPath(toId: $to) { hops nodes { __typename ... on User { id } } }
      revenueConcentration(share: 1, mine: true) { customerCount }
      atRiskCustomers(mine: true) { customer { id } }
    }"""
    seen: dict[str, list[dict[str, object]]] = {}
    for _ in range(2):
        for role in ("SALES", "OTHER"):
            async with as_role(live_server_url, world.tokens[role]) as http:
                seen.setdefault(role, []).append(await data(http, query, {"to": world["P"]}))
    for role, (first, second) in seen.items():
        assert first == second, role
    sales, other = seen["SALES"][0], seen["OTHER"][0]
    assert sales["introductionPath"]["hops"] == 3
    assert sales["introductionPath"]["nodes"][0] == {
        "__typename": "User",
        "id": world.users["SALES"],
    }
    path = other["introductionPath"]
    assert path is None or path["nodes"][0] == {"__typename": "User", "id": world.users["OTHER"]}
