"""Personal data is masked inside the compiled Cypher: no path reveals a masked value.

ANALYST sees no personal data; SALES sees it only for the customers it manages and the contacts
working at those customers' companies. The hunt tries the field itself, aliases, fragments,
nested selections, `node`/`nodes`, filters, totalCount, search and the debug extension's output.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from core import global_id
from graphdb.driver import Graph
from tests.conftest import MakeToken

SECRET_EMAIL = "jana.secret@private.sk"
SECRET_PHONE = "+421901555777"
OWN_EMAIL = "own.customer@client.sk"

GRAPH = """
CREATE (other:Customer {id: 'aaaaaaaa-0000-4000-8000-000000000001', externalId: 'OTHER',
  kind: 'BUSINESS', name: 'Other Account', email: $secretEmail, phone: $secretPhone,
  addressLine1: 'Tajná 7', city: 'Bratislava', country: 'SK', lifecycleStage: 'CUSTOMER',
  orderCount: 0, totalSpent: 0, createdAt: datetime(), updatedAt: datetime(), version: 1})
CREATE (co:Company {id: 'aaaaaaaa-0000-4000-8000-000000000002', name: 'Other Co',
  createdAt: datetime(), updatedAt: datetime(), version: 1})
CREATE (other)-[:ACCOUNT_OF]->(co)
CREATE (p:Contact {id: 'aaaaaaaa-0000-4000-8000-000000000003', firstName: 'Jana',
  lastName: 'Tajná', fullName: 'Jana Tajná', email: $secretEmail, phone: $secretPhone,
  birthday: date('1980-02-03'), personalNotes: 'two cats', videoHandle: 'jana.t',
  createdAt: datetime(), updatedAt: datetime(), version: 1})-[:WORKS_AT]->(co)
CREATE (own:Customer {id: 'aaaaaaaa-0000-4000-8000-000000000004', externalId: 'OWN',
  kind: 'INDIVIDUAL', name: 'Own Account', email: $ownEmail, lifecycleStage: 'LEAD',
  orderCount: 0, totalSpent: 0, createdAt: datetime(), updatedAt: datetime(), version: 1})
"""

OTHER = global_id.encode("Customer", "aaaaaaaa-0000-4000-8000-000000000001")
CONTACT = global_id.encode("Contact", "aaaaaaaa-0000-4000-8000-000000000003")
OWN = global_id.encode("Customer", "aaaaaaaa-0000-4000-8000-000000000004")
COMPANY = global_id.encode("Company", "aaaaaaaa-0000-4000-8000-000000000002")

READS = [
    "{ customers { edges { node { name email phone address { line1 city } } } } }",
    "{ customers { edges { node { e: email p: phone ... on Customer { x: email } } } } }",
    "fragment F on Customer { email phone } { customers { edges { node { ...F } } } }",
    f'{{ node(id: "{OTHER}") {{ ... on Customer {{ email phone address {{ line1 }} }} }} }}',
    f'{{ nodes(ids: ["{OTHER}", "{CONTACT}"]) {{ ... on Customer {{ email }} '
    "... on Contact { email phone birthday personalNotes videoHandle } } }",
    "{ companies { edges { node { contacts { edges { node { email phone birthday "
    "personalNotes } } } customer { email } } } } }",
    'query { search(text: "jana") { node { ... on Contact { email phone } '
    "... on Customer { email } } } }",
    f'{{ keyDecisionMakers(companyId: "{COMPANY}") {{ contact {{ email }} }} }}',
]


@pytest.fixture
async def people(graph: Graph) -> None:
    await graph.write(
        GRAPH, {"secretEmail": SECRET_EMAIL, "secretPhone": SECRET_PHONE, "ownEmail": OWN_EMAIL}
    )


async def _post(live_server_url: str, token: str, query: str, **headers: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as http:
        response = await http.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {token}", **headers},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _leaks(body: dict[str, Any]) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return any(v in text for v in (SECRET_EMAIL, SECRET_PHONE, "Tajná 7", "two cats", "1980-02-03"))


@pytest.mark.parametrize("query", READS)
async def test_analyst_never_sees_personal_data(
    live_server_url: str, people: None, make_token: MakeToken, query: str
) -> None:
    token = await make_token("ANALYST")
    body = await _post(live_server_url, token, query, **{"X-Rapport-Debug-Params": "1"})
    assert not body.get("errors"), body.get("errors")
    assert not _leaks(body), body.get("extensions")


@pytest.mark.parametrize("query", READS)
async def test_sales_never_sees_personal_data_of_other_accounts(
    live_server_url: str, graph: Graph, people: None, make_token: MakeToken, query: str
) -> None:
    token = await make_token("SALES", email="seller@rapport.test")
    await graph.write(
        "MATCH (u:User {email: 'seller@rapport.test'}), (c:Customer {externalId: 'OWN'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    body = await _post(live_server_url, token, query)
    assert not body.get("errors"), body.get("errors")
    assert not _leaks(body)


async def test_sales_sees_personal_data_of_its_own_accounts_and_their_contacts(
    live_server_url: str, graph: Graph, people: None, make_token: MakeToken
) -> None:
    token = await make_token("SALES", email="owner@rapport.test")
    await graph.write(
        "MATCH (u:User {email: 'owner@rapport.test'}), (c:Customer {externalId: 'OTHER'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    query = (
        f'{{ node(id: "{OTHER}") {{ ... on Customer {{ email '
        "company { contacts { edges { node { phone } } } } } } }"
    )
    body = await _post(live_server_url, token, query)
    node = body["data"]["node"]
    assert node["email"] == SECRET_EMAIL
    assert node["company"]["contacts"]["edges"][0]["node"]["phone"] == SECRET_PHONE


async def test_a_node_read_again_by_another_seller_shows_that_sellers_view(
    live_server_url: str, graph: Graph, people: None, make_token: MakeToken
) -> None:
    """The same document and variables compile once per seller (the plan cache), never once
    for all: the owner's plan must not show the owner's view to the next seller."""
    owner = await make_token("SALES", email="owner@rapport.test")
    stranger = await make_token("SALES", email="stranger@rapport.test")
    await graph.write(
        "MATCH (u:User {email: 'owner@rapport.test'}), (c:Customer {externalId: 'OTHER'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    query = f'{{ node(id: "{OTHER}") {{ ... on Customer {{ name email phone }} }} }}'
    seen = [
        (await _post(live_server_url, token, query))["data"]["node"]
        for token in (owner, stranger, owner, stranger)
    ]
    assert [n["email"] == SECRET_EMAIL for n in seen] == [True, False, True, False]
    assert not _leaks({"data": seen[1]}) and not _leaks({"data": seen[3]})
    assert {n["name"] for n in seen} == {"Other Account"}


async def test_manager_sees_everything(
    live_server_url: str, people: None, make_token: MakeToken
) -> None:
    token = await make_token("MANAGER")
    body = await _post(live_server_url, token, READS[0])
    assert SECRET_EMAIL in json.dumps(body)


@pytest.mark.parametrize(
    "flt",
    [
        f'{{email: {{eq: "{SECRET_EMAIL}"}}}}',
        '{phone: {startsWith: "+421"}}',
        '{or: [{name: {eq: "x"}}, {email: {contains: "secret"}}]}',
        "{not: {addressLine1: {isNull: true}}}",
    ],
)
@pytest.mark.parametrize("role", ["ANALYST", "SALES"])
async def test_masked_roles_cannot_filter_on_personal_fields(
    live_server_url: str, people: None, make_token: MakeToken, flt: str, role: str
) -> None:
    token = await make_token(role)
    body = await _post(live_server_url, token, f"{{ customers(filter: {flt}) {{ totalCount }} }}")
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN_FIELD"


async def test_masked_roles_cannot_filter_contacts_on_personal_fields_through_a_relation(
    live_server_url: str, people: None, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST")
    query = (
        '{ contacts(filter: {currentCompany: {name: {eq: "Other Co"}}, '
        "birthday: {isNull: false}}) { totalCount } }"
    )
    body = await _post(live_server_url, token, query)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN_FIELD"


async def test_analyst_search_does_not_match_email_addresses(
    live_server_url: str, people: None, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST")
    body = await _post(live_server_url, token, '{ search(text: "private.sk") { score } }')
    assert body["data"]["search"] == []
    admin = await make_token("ADMIN")
    found = await _post(live_server_url, admin, '{ search(text: "private.sk") { score } }')
    assert found["data"]["search"]


async def _sales_owning(graph: Graph, make_token: MakeToken, external_id: str) -> str:
    token = await make_token("SALES", email=f"owner-{external_id.lower()}@rapport.test")
    await graph.write(
        "MATCH (u:User {email: $e}), (c:Customer {externalId: $x}) CREATE (u)-[:MANAGES]->(c)",
        {"e": f"owner-{external_id.lower()}@rapport.test", "x": external_id},
    )
    return token


async def test_sales_search_matches_the_emails_of_its_own_accounts_only(
    live_server_url: str, graph: Graph, people: None, make_token: MakeToken
) -> None:
    """SALES may see its own accounts' e-mails, so search finds them by e-mail; another
    account's e-mail still finds nothing (a hit would reveal it)."""
    token = await _sales_owning(graph, make_token, "OWN")
    query = '{ search(text: "%s") { node { ... on Customer { name email } } } }'
    own = await _post(live_server_url, token, query % "client.sk")
    other = await _post(live_server_url, token, query % "private.sk")
    assert [h["node"] for h in own["data"]["search"]] == [
        {"name": "Own Account", "email": OWN_EMAIL}
    ]
    assert other["data"]["search"] == []


@pytest.mark.parametrize("typed", ["+421 901 555 777", "0901 555 777", "0901-555-777"])
async def test_search_finds_a_phone_number_however_it_is_typed(
    live_server_url: str, graph: Graph, people: None, make_token: MakeToken, typed: str
) -> None:
    admin = await make_token("ADMIN")
    owner = await _sales_owning(graph, make_token, "OTHER")
    stranger = await _sales_owning(graph, make_token, "OWN")
    analyst = await make_token("ANALYST")
    query = '{ search(text: "%s") { score node { __typename ... on Contact { fullName } '
    query += "... on Customer { name } } } }"
    names = {}
    for who, token in (
        ("admin", admin),
        ("owner", owner),
        ("stranger", stranger),
        ("analyst", analyst),
    ):
        body = await _post(live_server_url, token, query % typed)
        names[who] = sorted(
            h["node"].get("name") or h["node"].get("fullName") for h in body["data"]["search"]
        )
    # The number belongs to the account OTHER and to its contact Jana (who works at its company).
    assert names["admin"] == names["owner"] == ["Jana Tajná", "Other Account"]
    assert names["stranger"] == names["analyst"] == []
