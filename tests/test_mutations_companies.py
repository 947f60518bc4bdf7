"""createCompany, updateCompany, deleteCompany."""

from __future__ import annotations

import httpx

from graphdb.driver import Graph
from tests._factories import new_company, new_contact
from tests._gql import MALFORMED_ID, codes, error_fields, gql, missing_id, mutate, ok
from tests._graph_counts import unchanged

COMPANY = """company { id name domain industry legalForm registrationNumber employeeCount
  annualRevenue currency version address { line1 city country } }"""


async def test_new_company_is_saved_with_normalised_fields(client: httpx.AsyncClient) -> None:
    payload = ok(
        await mutate(
            client,
            "createCompany",
            {
                "name": "Acme s.r.o.",
                "domain": "https://www.ACME.sk/",
                "industry": "Machinery",
                "legalForm": "s.r.o.",
                "registrationNumber": "12345678",
                "employeeCount": 42,
                "annualRevenue": "1250000.5",
                "currency": "eur",
                "address": {"line1": "Priemyselná 5", "city": "Žilina", "country": "SK"},
            },
            COMPANY,
        )
    )
    company = payload["company"]
    assert company["domain"] == "acme.sk"
    assert company["annualRevenue"] == "1250000.50"
    assert company["currency"] == "EUR"
    assert company["employeeCount"] == 42
    assert company["version"] == 1
    assert company["address"] == {"line1": "Priemyselná 5", "city": "Žilina", "country": "SK"}
    data = await gql(client, "{ companies { totalCount edges { node { id name } } } }")
    assert data["companies"]["edges"][0]["node"] == {"id": company["id"], "name": "Acme s.r.o."}


async def test_invalid_company_fields_are_all_reported(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createCompany",
            {"name": "X", "domain": "not a domain", "employeeCount": -1, "annualRevenue": "10"},
            COMPANY,
        )
    assert sorted(zip(codes(payload), map(tuple, error_fields(payload)), strict=True)) == [
        ("INVALID_VALUE", ("input", "domain")),
        ("OUT_OF_RANGE", ("input", "employeeCount")),
        ("REQUIRED", ("input", "currency")),
    ]


async def test_company_update_changes_fields_and_version(client: httpx.AsyncClient) -> None:
    company_id = await new_company(client, industry="Retail")
    payload = ok(
        await mutate(
            client,
            "updateCompany",
            {"id": company_id, "expectedVersion": 1, "name": "Acme a.s.", "industry": None},
            COMPANY,
        )
    )
    assert payload["company"]["name"] == "Acme a.s."
    assert payload["company"]["industry"] is None
    assert payload["company"]["version"] == 2


async def test_company_update_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    company_id = await new_company(client)
    async with unchanged(graph):
        stale = await mutate(
            client, "updateCompany", {"id": company_id, "expectedVersion": 3, "name": "Y"}
        )
        emptied = await mutate(client, "updateCompany", {"id": company_id, "name": None})
        missing = await mutate(client, "updateCompany", {"id": missing_id("Company")})
        wrong = await mutate(client, "updateCompany", {"id": missing_id("Contact")})
        malformed = await mutate(client, "updateCompany", {"id": MALFORMED_ID})
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(emptied) == ["REQUIRED"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_company_without_current_staff_can_be_deleted(client: httpx.AsyncClient) -> None:
    company_id = await new_company(client)
    contact_id = await new_contact(client)
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "endedOn": "2020-01-31"},
        )
    )
    payload = ok(await mutate(client, "deleteCompany", {"id": company_id}, "deletedId"))
    assert payload["deletedId"] == company_id
    data = await gql(client, "query Q($id: ID!) { node(id: $id) { id } }", {"id": company_id})
    assert data["node"] is None


async def test_company_with_current_employees_cannot_be_deleted(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    company_id = await new_company(client)
    contact_id = await new_contact(client)
    ok(await mutate(client, "setEmployment", {"contactId": contact_id, "companyId": company_id}))
    async with unchanged(graph):
        payload = await mutate(client, "deleteCompany", {"id": company_id}, "deletedId")
        stale = await mutate(client, "deleteCompany", {"id": company_id, "expectedVersion": 2})
        missing = await mutate(client, "deleteCompany", {"id": missing_id("Company")})
        wrong = await mutate(client, "deleteCompany", {"id": contact_id})
        malformed = await mutate(client, "deleteCompany", {"id": MALFORMED_ID})
    assert codes(payload) == ["COMPANY_HAS_EMPLOYEES"]
    assert payload["deletedId"] is None
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]
