"""createCustomer, updateCustomer, upsertCustomer, deleteCustomer, as a client sees them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from graphdb.driver import Graph
from tests._gql import (
    MALFORMED_ID,
    codes,
    error_fields,
    gql,
    missing_id,
    mutate,
    ok,
    raw,
)
from tests._graph_counts import unchanged

CUSTOMER = """customer { id externalId kind name email phone lifecycleStage leadSource leadScore
  orderCount totalSpent version createdAt updatedAt
  address { line1 line2 postalCode city region country }
  company { id name } accountManager { id name } }"""


async def create_customer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    data = {"externalId": "ERP-1", "kind": "INDIVIDUAL", "name": "Jana Nováková", **fields}
    return ok(await mutate(client, "createCustomer", data, CUSTOMER))["customer"]  # type: ignore[no-any-return]


async def create_company(client: httpx.AsyncClient, name: str = "Acme s.r.o.") -> str:
    payload = ok(await mutate(client, "createCompany", {"name": name}, "company { id }"))
    return str(payload["company"]["id"])


async def create_user(client: httpx.AsyncClient, email: str = "eva@rapport.example") -> str:
    payload = ok(
        await mutate(
            client,
            "createUser",
            {"name": "Eva Kováčová", "email": email, "role": "SALES"},
            "user { id }",
        )
    )
    return str(payload["user"]["id"])


# --- create ------------------------------------------------------------------------------------


async def test_new_customer_is_a_lead_at_version_1_without_orders(
    client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(
        client,
        email=" Jana.Novakova@Example.SK ",
        phone="0905 123 456",
        leadScore=70,
        address={"line1": "Hlavná 1", "city": "Košice", "postalCode": "040 01", "country": "sk"},
    )
    assert customer["externalId"] == "ERP-1"
    assert customer["kind"] == "INDIVIDUAL"
    assert customer["email"] == "jana.novakova@example.sk"
    assert customer["phone"] == "+421905123456"
    assert customer["lifecycleStage"] == "LEAD"
    assert customer["orderCount"] == 0
    assert customer["totalSpent"] == "0.00"
    assert customer["version"] == 1
    assert customer["createdAt"] == customer["updatedAt"]
    assert customer["address"]["country"] == "SK"
    assert customer["address"]["city"] == "Košice"


async def test_created_customer_can_be_read_back_by_id_and_in_the_list(
    client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(client)
    data = await gql(
        client,
        "query Q($id: ID!) { node(id: $id) { ... on Customer { name externalId } } "
        "customers { totalCount edges { node { id } } } }",
        {"id": customer["id"]},
    )
    assert data["node"] == {"name": "Jana Nováková", "externalId": "ERP-1"}
    assert data["customers"]["totalCount"] == 1
    assert data["customers"]["edges"][0]["node"]["id"] == customer["id"]


async def test_business_customer_gets_its_company_and_account_manager(
    client: httpx.AsyncClient,
) -> None:
    company_id = await create_company(client)
    user_id = await create_user(client)
    customer = await create_customer(
        client, kind="BUSINESS", name="Acme", companyId=company_id, accountManagerId=user_id
    )
    assert customer["company"] == {"id": company_id, "name": "Acme s.r.o."}
    assert customer["accountManager"] == {"id": user_id, "name": "Eva Kováčová"}
    data = await gql(
        client,
        "query Q($id: ID!) { node(id: $id) { ... on User { accounts { totalCount } } } }",
        {"id": user_id},
    )
    assert data["node"]["accounts"]["totalCount"] == 1


async def test_individual_customer_cannot_have_a_company(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    company_id = await create_company(client)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createCustomer",
            {"externalId": "X", "kind": "INDIVIDUAL", "name": "Jan", "companyId": company_id},
            CUSTOMER,
        )
    assert payload["customer"] is None
    assert codes(payload) == ["INVALID_FOR_KIND"]
    assert error_fields(payload) == [["input", "companyId"]]


async def test_second_customer_with_the_same_external_id_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await create_customer(client)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createCustomer",
            {"externalId": "ERP-1", "kind": "INDIVIDUAL", "name": "Someone else"},
            CUSTOMER,
        )
    assert codes(payload) == ["DUPLICATE"]
    assert error_fields(payload) == [["input", "externalId"]]


async def test_concurrent_creates_with_one_external_id_store_exactly_one_customer(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    payloads = await asyncio.gather(
        *(
            mutate(
                client,
                "createCustomer",
                {"externalId": "SAME", "kind": "INDIVIDUAL", "name": f"Racer {i}"},
                "customer { id }",
            )
            for i in range(10)
        )
    )
    assert sum(1 for p in payloads if not p["errors"]) == 1
    assert all(codes(p) == ["DUPLICATE"] for p in payloads if p["errors"])
    rows = await graph.read("MATCH (c:Customer {externalId: 'SAME'}) RETURN count(c) AS n")
    assert rows[0]["n"] == 1


async def test_every_invalid_field_is_reported_at_once(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createCustomer",
            {
                "externalId": " padded ",
                "kind": "INDIVIDUAL",
                "name": "   ",
                "email": "not-an-email",
                "phone": "12",
                "leadScore": 101,
                "address": {"country": "Slovakia"},
            },
            CUSTOMER,
        )
    assert payload["customer"] is None
    assert sorted(zip(codes(payload), map(tuple, error_fields(payload)), strict=True)) == sorted(
        [
            ("INVALID_EXTERNAL_ID", ("input", "externalId")),
            ("BLANK", ("input", "name")),
            ("INVALID_EMAIL", ("input", "email")),
            ("INVALID_PHONE", ("input", "phone")),
            ("OUT_OF_RANGE", ("input", "leadScore")),
            ("INVALID_COUNTRY", ("input", "address", "country")),
        ]
    )


async def test_company_and_manager_ids_are_checked(client: httpx.AsyncClient, graph: Graph) -> None:
    user_id = await create_user(client)
    base = {"externalId": "B-1", "kind": "BUSINESS", "name": "Biz"}
    async with unchanged(graph):
        malformed = await mutate(
            client, "createCustomer", {**base, "companyId": MALFORMED_ID}, CUSTOMER
        )
        wrong = await mutate(client, "createCustomer", {**base, "companyId": user_id}, CUSTOMER)
        missing = await mutate(
            client,
            "createCustomer",
            {**base, "companyId": missing_id("Company"), "accountManagerId": missing_id("User")},
            CUSTOMER,
        )
    assert codes(malformed) == ["INVALID_ID"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(missing) == ["NOT_FOUND", "NOT_FOUND"]
    assert error_fields(missing) == [["input", "companyId"], ["input", "accountManagerId"]]


async def test_a_company_is_the_account_of_one_customer_only(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    company_id = await create_company(client)
    await create_customer(client, kind="BUSINESS", companyId=company_id)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createCustomer",
            {"externalId": "ERP-2", "kind": "BUSINESS", "name": "Other", "companyId": company_id},
            CUSTOMER,
        )
    assert codes(payload) == ["COMPANY_ALREADY_A_CUSTOMER"]


# --- update ------------------------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent_and_bumps_the_version(
    client: httpx.AsyncClient,
) -> None:
    customer = await create_customer(client, email="jana@example.sk", leadScore=10)
    payload = ok(
        await mutate(
            client,
            "updateCustomer",
            {"id": customer["id"], "expectedVersion": 1, "leadScore": 80, "phone": None},
            CUSTOMER,
        )
    )
    updated = payload["customer"]
    assert updated["leadScore"] == 80
    assert updated["email"] == "jana@example.sk"
    assert updated["phone"] is None
    assert updated["version"] == 2
    assert updated["updatedAt"] > customer["updatedAt"]
    assert updated["createdAt"] == customer["createdAt"]


async def test_update_with_a_stale_version_is_a_version_conflict(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer = await create_customer(client)
    ok(await mutate(client, "updateCustomer", {"id": customer["id"], "name": "Jana N."}, CUSTOMER))
    async with unchanged(graph):
        payload = await mutate(
            client,
            "updateCustomer",
            {"id": customer["id"], "expectedVersion": 1, "name": "Stale edit"},
            CUSTOMER,
        )
    assert codes(payload) == ["VERSION_CONFLICT"]
    assert error_fields(payload) == [["input", "expectedVersion"]]


async def test_twenty_concurrent_updates_of_one_version_let_exactly_one_win(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer = await create_customer(client)
    payloads = await asyncio.gather(
        *(
            mutate(
                client,
                "updateCustomer",
                {"id": customer["id"], "expectedVersion": 1, "leadScore": i},
                "customer { version leadScore }",
            )
            for i in range(20)
        )
    )
    winners = [p for p in payloads if not p["errors"]]
    assert len(winners) == 1
    assert sorted(codes(p)[0] for p in payloads if p["errors"]) == ["VERSION_CONFLICT"] * 19
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN c.version AS version, c.leadScore AS score",
        {"id": raw(customer["id"])},
    )
    assert rows[0]["version"] == 2
    assert rows[0]["score"] == winners[0]["customer"]["leadScore"]


async def test_updates_without_expected_version_are_never_lost(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer = await create_customer(client)
    await asyncio.gather(
        *(
            mutate(client, "updateCustomer", {"id": customer["id"], "leadScore": i}, "")
            for i in range(10)
        )
    )
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN c.version AS version", {"id": raw(customer["id"])}
    )
    assert rows[0]["version"] == 11


async def test_updating_a_missing_customer_is_not_found(client: httpx.AsyncClient) -> None:
    payload = await mutate(
        client, "updateCustomer", {"id": missing_id("Customer"), "name": "X"}, CUSTOMER
    )
    assert codes(payload) == ["NOT_FOUND"]
    assert error_fields(payload) == [["input", "id"]]


async def test_update_id_must_be_a_customer_id(client: httpx.AsyncClient) -> None:
    malformed = await mutate(client, "updateCustomer", {"id": MALFORMED_ID, "name": "X"}, CUSTOMER)
    wrong = await mutate(client, "updateCustomer", {"id": missing_id("Company"), "name": "X"})
    assert codes(malformed) == ["INVALID_ID"]
    assert codes(wrong) == ["WRONG_TYPE"]


async def test_required_fields_cannot_be_emptied(client: httpx.AsyncClient, graph: Graph) -> None:
    customer = await create_customer(client)
    async with unchanged(graph):
        payload = await mutate(
            client,
            "updateCustomer",
            {"id": customer["id"], "name": None, "lifecycleStage": None},
            CUSTOMER,
        )
    assert sorted(codes(payload)) == ["REQUIRED", "REQUIRED"]


async def test_external_id_cannot_be_changed_to_another_customers(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await create_customer(client)
    other = await create_customer(client, externalId="ERP-2")
    async with unchanged(graph):
        payload = await mutate(
            client, "updateCustomer", {"id": other["id"], "externalId": "ERP-1"}, CUSTOMER
        )
    assert codes(payload) == ["DUPLICATE"]


async def test_a_linked_business_cannot_become_an_individual(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    company_id = await create_company(client)
    customer = await create_customer(client, kind="BUSINESS", companyId=company_id)
    async with unchanged(graph):
        payload = await mutate(
            client, "updateCustomer", {"id": customer["id"], "kind": "INDIVIDUAL"}, CUSTOMER
        )
    assert codes(payload) == ["INVALID_FOR_KIND"]
    assert error_fields(payload) == [["input", "kind"]]
    payload = ok(
        await mutate(
            client,
            "updateCustomer",
            {"id": customer["id"], "kind": "INDIVIDUAL", "companyId": None},
            CUSTOMER,
        )
    )
    assert payload["customer"]["company"] is None
    assert payload["customer"]["kind"] == "INDIVIDUAL"


async def test_account_manager_is_replaced(client: httpx.AsyncClient) -> None:
    first = await create_user(client)
    second = await create_user(client, "petra@rapport.example")
    customer = await create_customer(client, accountManagerId=first)
    payload = ok(
        await mutate(
            client, "updateCustomer", {"id": customer["id"], "accountManagerId": second}, CUSTOMER
        )
    )
    assert payload["customer"]["accountManager"]["id"] == second
    data = await gql(
        client,
        "query Q($id: ID!) { node(id: $id) { ... on User { accounts { totalCount } } } }",
        {"id": first},
    )
    assert data["node"]["accounts"]["totalCount"] == 0


# --- upsert ------------------------------------------------------------------------------------


async def test_upsert_creates_a_new_customer_then_updates_it(client: httpx.AsyncClient) -> None:
    data = {"externalId": "SYNC-1", "kind": "INDIVIDUAL", "name": "Ján", "leadScore": 5}
    first = ok(await mutate(client, "upsertCustomer", data, f"created {CUSTOMER}"))
    assert first["created"] is True
    assert first["customer"]["version"] == 1
    assert first["customer"]["lifecycleStage"] == "LEAD"
    second = ok(
        await mutate(
            client,
            "upsertCustomer",
            {"externalId": "SYNC-1", "kind": "INDIVIDUAL", "name": "Ján Malý"},
            f"created {CUSTOMER}",
        )
    )
    assert second["created"] is False
    assert second["customer"]["id"] == first["customer"]["id"]
    assert second["customer"]["name"] == "Ján Malý"
    assert second["customer"]["leadScore"] == 5
    assert second["customer"]["version"] == 2


async def test_upsert_of_an_existing_customer_checks_the_expected_version(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await create_customer(client)
    await mutate(client, "updateCustomer", {"id": (await _only_customer_id(client)), "name": "B"})
    async with unchanged(graph):
        payload = await mutate(
            client,
            "upsertCustomer",
            {"externalId": "ERP-1", "kind": "INDIVIDUAL", "name": "C", "expectedVersion": 1},
            CUSTOMER,
        )
    assert codes(payload) == ["VERSION_CONFLICT"]


async def test_concurrent_upserts_of_one_external_id_create_one_customer(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    payloads = await asyncio.gather(
        *(
            mutate(
                client,
                "upsertCustomer",
                {"externalId": "SYNC-2", "kind": "BUSINESS", "name": f"N{i}"},
                "created",
            )
            for i in range(10)
        )
    )
    assert all(p["errors"] == [] for p in payloads)
    assert sum(1 for p in payloads if p["created"]) == 1
    rows = await graph.read(
        "MATCH (c:Customer {externalId: 'SYNC-2'}) RETURN count(c) AS n, max(c.version) AS v"
    )
    assert rows[0]["n"] == 1
    assert rows[0]["v"] == 10


async def test_upsert_reports_invalid_fields(client: httpx.AsyncClient, graph: Graph) -> None:
    async with unchanged(graph):
        payload = await mutate(
            client,
            "upsertCustomer",
            {"externalId": "S", "kind": "INDIVIDUAL", "name": "A", "email": "@"},
            CUSTOMER,
        )
    assert codes(payload) == ["INVALID_EMAIL"]


async def _only_customer_id(client: httpx.AsyncClient) -> str:
    data = await gql(client, "{ customers { edges { node { id } } } }")
    return str(data["customers"]["edges"][0]["node"]["id"])


# --- delete ------------------------------------------------------------------------------------


async def test_deleting_a_customer_removes_it_with_its_consents(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer = await create_customer(client)
    await graph.write(
        "MATCH (c:Customer {id: $id}) CREATE (c)-[:HAS_CONSENT]->(:Consent {id: 'k1'})",
        {"id": raw(customer["id"])},
    )
    payload = ok(
        await mutate(
            client, "deleteCustomer", {"id": customer["id"]}, "deletedId customer { name }"
        )
    )
    assert payload["deletedId"] == customer["id"]
    assert payload["customer"] == {"name": "Jana Nováková"}
    data = await gql(client, "query Q($id: ID!) { node(id: $id) { id } }", {"id": customer["id"]})
    assert data["node"] is None
    rows = await graph.read("MATCH (n) WHERE n:Customer OR n:Consent RETURN count(n) AS n")
    assert rows[0]["n"] == 0


async def test_customer_with_orders_cannot_be_deleted(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer = await create_customer(client)
    await graph.write(
        "MATCH (c:Customer {id: $id}) CREATE (c)-[:PLACED]->(:Order {id: 'o1'})",
        {"id": raw(customer["id"])},
    )
    async with unchanged(graph):
        payload = await mutate(client, "deleteCustomer", {"id": customer["id"]}, "deletedId")
    assert codes(payload) == ["CUSTOMER_HAS_ORDERS"]
    assert payload["deletedId"] is None


async def test_delete_checks_id_and_version(client: httpx.AsyncClient, graph: Graph) -> None:
    customer = await create_customer(client)
    async with unchanged(graph):
        stale = await mutate(client, "deleteCustomer", {"id": customer["id"], "expectedVersion": 7})
        missing = await mutate(client, "deleteCustomer", {"id": missing_id("Customer")})
        wrong = await mutate(client, "deleteCustomer", {"id": missing_id("Product")})
        malformed = await mutate(client, "deleteCustomer", {"id": MALFORMED_ID})
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]
