"""Who may change what (issue 6, part 2, writes): role-by-mutation matrix, SALES's accounts.

Every refusal is the payload error FORBIDDEN with the entity null, and leaves the database
exactly as it was, audit trail included (tests/_graph_counts.unchanged compares every node and
relationship with all properties). Every success writes exactly one audit event.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graphdb.driver import Graph
from tests._gql import codes, gql, mutate, ok, raw
from tests._graph_counts import unchanged
from tests._world import CASES, World, allowed, as_role, audit_events, build_world

ROLES = ("ADMIN", "MANAGER", "SALES", "ANALYST")


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph, make_token: Any) -> World:
    return await build_world(client, graph, make_token)


@pytest.mark.parametrize("mutation", sorted(CASES))
@pytest.mark.parametrize("role", ROLES)
async def test_role_matrix(
    live_server_url: str, graph: Graph, world: World, role: str, mutation: str
) -> None:
    data = CASES[mutation](world)
    async with as_role(live_server_url, world.tokens[role]) as http:
        if allowed(role, mutation):
            before = {e["id"] for e in await audit_events(graph)}
            ok(await mutate(http, mutation, data))
            new = [e for e in await audit_events(graph) if e["id"] not in before]
            assert len(new) == 1, new
            assert new[0]["action"] == mutation
            assert new[0]["actorId"] == raw(world.users[role])
        else:
            async with unchanged(graph):
                payload = await mutate(http, mutation, data)
            assert codes(payload) == ["FORBIDDEN"], payload


# --- SALES: own accounts versus someone else's: tests/test_ownership_rule.py, every mutation ---


async def test_sales_gives_no_account_away_and_logs_only_as_itself(
    live_server_url: str, graph: Graph, world: World
) -> None:
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("createCustomer", {"externalId": "N", "kind": "INDIVIDUAL", "name": "N"}),
        ("updateCustomer", {"id": world["A"]}),
        ("logInteraction", {"kind": "CALL", "participantIds": [world["A"]]}),
    ]
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        for mutation, data in attempts:
            field = "loggedById" if mutation == "logInteraction" else "accountManagerId"
            async with unchanged(graph):
                payload = await mutate(http, mutation, {**data, field: world.users["OTHER"]})
            assert codes(payload) == ["FORBIDDEN"]
            assert payload["errors"][0]["field"] == ["input", field]


async def test_a_customer_created_by_sales_is_its_account(
    live_server_url: str, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        created = ok(
            await mutate(
                http,
                "createCustomer",
                {"externalId": "S-1", "kind": "INDIVIDUAL", "name": "Sam"},
                "customer { id accountManager { id } }",
            )
        )["customer"]
        assert created["accountManager"]["id"] == world.users["SALES"]
        ok(await mutate(http, "updateCustomer", {"id": created["id"], "leadScore": 10}))


async def test_sales_attaches_a_new_contact_to_its_account(
    live_server_url: str, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        contact = ok(
            await mutate(
                http, "createContact", {"firstName": "New", "lastName": "Hire"}, "contact { id }"
            )
        )["contact"]["id"]
        ok(await mutate(http, "setEmployment", {"contactId": contact, "companyId": world["C"]}))
        ok(await mutate(http, "updateContact", {"id": contact, "lastName": "Hired"}))
        # Q works for someone else's account: SALES cannot pull Q over to its company.
        payload = await mutate(
            http, "setEmployment", {"contactId": world["Q"], "companyId": world["C"]}
        )
        assert codes(payload) == ["FORBIDDEN"]


async def test_log_interaction_defaults_the_logger_to_the_viewer(
    live_server_url: str, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["MANAGER"]) as http:
        payload = ok(
            await mutate(
                http,
                "logInteraction",
                {"kind": "CALL", "participantIds": [world["B"]]},
                "interaction { loggedBy { id } }",
            )
        )
    assert payload["interaction"]["loggedBy"]["id"] == world.users["MANAGER"]


async def test_analyst_refusal_reaches_the_client_with_the_entity_null(
    live_server_url: str, graph: Graph, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["ANALYST"]) as http, unchanged(graph):
        data = await gql(
            http,
            "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) "
            "{ customer { id } errors { code message field } } }",
            {"i": {"id": world["A"], "name": "Hacked"}},
        )
    payload = data["updateCustomer"]
    assert payload["customer"] is None
    assert payload["errors"][0]["code"] == "FORBIDDEN"
    assert "ANALYST" in payload["errors"][0]["message"]


def test_every_mutation_of_the_schema_is_in_the_matrix() -> None:
    from resolvers.writes.policy import ROLES_BY_ACTION
    from schema.root import schema

    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    names = set(mutation_type.fields) - {"noop"}
    missing = {n for n in names if n not in ROLES_BY_ACTION}
    # merge*/import mutations of parallel work are in the table or ADMIN-only by default
    assert not (missing & set(CASES)), missing


# --- no widening: SALES may not claim its way to personal data it cannot see --------------------

STRANGER_EMAIL = "stranger@private.example"


async def _stranger(client: httpx.AsyncClient, **employment: str) -> str:
    """A contact with personal data, created by the suite's ADMIN (never by SALES)."""
    payload = ok(
        await mutate(
            client,
            "createContact",
            {
                "firstName": "Stella",
                "lastName": "Stranger",
                "email": STRANGER_EMAIL,
                "phone": "+421901000111",
                "birthday": "1980-05-06",
                "personalNotes": "two dogs",
            },
            "contact { id }",
        )
    )
    contact: str = payload["contact"]["id"]
    if employment:
        ok(await mutate(client, "setEmployment", {"contactId": contact, **employment}))
    return contact


async def test_sales_cannot_attach_a_contact_with_no_current_job_it_cannot_see(
    live_server_url: str, client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    never_employed = await _stranger(client)
    left_a_job = await _stranger(client, companyId=world["D"], endedOn="2020-01-01")
    query = "query($id: ID!) { node(id: $id) { ... on Contact { email } } }"
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        for contact in (never_employed, left_a_job):
            assert (await gql(http, query, {"id": contact}))["node"] == {"email": None}
            async with unchanged(graph):
                payload = await mutate(
                    http,
                    "setEmployment",
                    {"contactId": contact, "companyId": world["C"]},
                    "contact { email phone birthday personalNotes }",
                )
            assert codes(payload) == ["FORBIDDEN"], payload
            assert payload["errors"][0]["field"] == ["input", "contactId"]
            assert "already see" in payload["errors"][0]["message"]
            assert payload["contact"] is None
            assert (await gql(http, query, {"id": contact}))["node"] == {"email": None}
            # …and it is not "own" afterwards either
            payload = await mutate(http, "updateContact", {"id": contact, "lastName": "Mine"})
            assert codes(payload) == ["FORBIDDEN"]


async def test_sales_cannot_link_a_staffed_company_to_a_customer(
    live_server_url: str, client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    staffed = ok(await mutate(client, "createCompany", {"name": "Staffed"}, "company { id }"))
    company = staffed["company"]["id"]
    await _stranger(client, companyId=company)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("createCustomer", {"externalId": "W-1", "kind": "BUSINESS", "name": "W"}),
        ("upsertCustomer", {"externalId": "W-2", "kind": "BUSINESS", "name": "W"}),
        ("updateCustomer", {"id": world["A2"]}),
    ]
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        for mutation, data in attempts:
            async with unchanged(graph):
                payload = await mutate(
                    http,
                    mutation,
                    {**data, "companyId": company},
                    "customer { company { contacts { edges { node { email phone } } } } }",
                )
            assert codes(payload) == ["FORBIDDEN"], (mutation, payload)
            assert payload["errors"][0]["field"] == ["input", "companyId"]
            assert STRANGER_EMAIL not in str(payload)


async def test_sales_links_a_company_nobody_works_at_yet(
    live_server_url: str, world: World
) -> None:
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        company = ok(await mutate(http, "createCompany", {"name": "Fresh"}, "company { id }"))
        ok(
            await mutate(
                http,
                "createCustomer",
                {
                    "externalId": "F-1",
                    "kind": "BUSINESS",
                    "name": "Fresh",
                    "companyId": company["company"]["id"],
                },
            )
        )


async def test_managers_attach_anyone(
    live_server_url: str, client: httpx.AsyncClient, world: World
) -> None:
    contact = await _stranger(client)
    company = ok(await mutate(client, "createCompany", {"name": "Staffed"}, "company { id }"))
    await _stranger(client, companyId=company["company"]["id"])
    async with as_role(live_server_url, world.tokens["MANAGER"]) as http:
        payload = ok(
            await mutate(
                http,
                "setEmployment",
                {"contactId": contact, "companyId": world["C"]},
                "contact { email }",
            )
        )
        assert payload["contact"]["email"] == STRANGER_EMAIL
        ok(
            await mutate(
                http,
                "createCustomer",
                {
                    "externalId": "M-1",
                    "kind": "BUSINESS",
                    "name": "M",
                    "companyId": company["company"]["id"],
                },
            )
        )


async def test_a_contact_sales_created_is_visible_to_it_until_it_has_had_a_job(
    live_server_url: str, world: World
) -> None:
    query = "query($id: ID!) { node(id: $id) { ... on Contact { email } } }"
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        created = ok(
            await mutate(
                http,
                "createContact",
                {"firstName": "Own", "lastName": "Hire", "email": "own.hire@example.com"},
                "contact { id }",
            )
        )["contact"]
        seen = await gql(http, query, {"id": created["id"]})
        assert seen["node"] == {"email": "own.hire@example.com"}
        ok(
            await mutate(
                http,
                "setEmployment",
                {"contactId": created["id"], "companyId": world["C"], "endedOn": "2020-01-01"},
            )
        )
        # the job is over: the contact is nobody's account any more
        assert (await gql(http, query, {"id": created["id"]}))["node"] == {"email": None}
        payload = await mutate(
            http, "setEmployment", {"contactId": created["id"], "companyId": world["C"]}
        )
        assert codes(payload) == ["FORBIDDEN"]
    async with as_role(live_server_url, world.tokens["OTHER"]) as http:
        # another SALES user never sees what this one created
        other = await gql(http, query, {"id": created["id"]})
        assert other["node"] == {"email": None}
