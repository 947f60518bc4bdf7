"""setEmployment, endEmployment, setReportsTo, connectContacts."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx

from graphdb.driver import Graph
from tests._factories import new_company, new_contact
from tests._gql import MALFORMED_ID, codes, error_fields, missing_id, mutate, ok
from tests._graph_counts import unchanged

JOBS = """contact { currentCompany { name } employments { edges { jobTitle seniority decisionRole
  startedOn endedOn node { name } } } }"""


async def test_set_employment_creates_then_updates_the_one_job_per_pair(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    contact_id = await new_contact(client)
    company_id = await new_company(client)
    first = ok(
        await mutate(
            client,
            "setEmployment",
            {
                "contactId": contact_id,
                "companyId": company_id,
                "jobTitle": "Buyer",
                "seniority": "SENIOR",
                "startedOn": "2021-09-01",
            },
            f"{JOBS} company {{ contacts {{ totalCount }} }}",
        )
    )
    assert first["contact"]["currentCompany"] == {"name": "Acme s.r.o."}
    assert first["company"]["contacts"]["totalCount"] == 1
    second = ok(
        await mutate(
            client,
            "setEmployment",
            {
                "contactId": contact_id,
                "companyId": company_id,
                "jobTitle": "Head of Purchasing",
                "decisionRole": "ECONOMIC_BUYER",
            },
            JOBS,
        )
    )
    assert second["contact"]["employments"]["edges"] == [
        {
            "jobTitle": "Head of Purchasing",
            "seniority": "SENIOR",
            "decisionRole": "ECONOMIC_BUYER",
            "startedOn": "2021-09-01",
            "endedOn": None,
            "node": {"name": "Acme s.r.o."},
        }
    ]
    rows = await graph.read("MATCH ()-[r:WORKS_AT]->() RETURN count(r) AS n")
    assert rows[0]["n"] == 1


async def test_set_employment_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    contact_id = await new_contact(client)
    company_id = await new_company(client)
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "startedOn": "2022-01-01"},
        )
    )
    async with unchanged(graph):
        backwards = await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "endedOn": "2021-12-31"},
        )
        missing = await mutate(
            client,
            "setEmployment",
            {"contactId": missing_id("Contact"), "companyId": missing_id("Company")},
        )
        wrong = await mutate(
            client, "setEmployment", {"contactId": company_id, "companyId": MALFORMED_ID}
        )
        too_long = await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "jobTitle": "x" * 101},
        )
    assert codes(backwards) == ["ENDED_BEFORE_STARTED"]
    assert error_fields(backwards) == [["input", "endedOn"]]
    assert codes(missing) == ["NOT_FOUND", "NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE", "INVALID_ID"]
    assert codes(too_long) == ["TOO_LONG"]


async def test_end_employment_keeps_the_job_as_history(client: httpx.AsyncClient) -> None:
    contact_id = await new_contact(client)
    company_id = await new_company(client)
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "startedOn": "2020-01-01"},
        )
    )
    payload = ok(
        await mutate(
            client,
            "endEmployment",
            {"contactId": contact_id, "companyId": company_id},
            f"{JOBS} company {{ contacts {{ totalCount }} }}",
        )
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert payload["contact"]["currentCompany"] is None
    assert payload["contact"]["employments"]["edges"][0]["endedOn"] == today
    assert payload["company"]["contacts"]["totalCount"] == 0


async def test_ending_a_job_that_does_not_exist_is_not_employed(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    contact_id = await new_contact(client)
    company_id = await new_company(client)
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": contact_id, "companyId": company_id, "startedOn": "2024-06-01"},
        )
    )
    other_company = await new_company(client, "Other")
    async with unchanged(graph):
        none = await mutate(
            client, "endEmployment", {"contactId": contact_id, "companyId": other_company}
        )
        early = await mutate(
            client,
            "endEmployment",
            {"contactId": contact_id, "companyId": company_id, "endedOn": "2024-01-01"},
        )
        missing = await mutate(
            client,
            "endEmployment",
            {"contactId": missing_id("Contact"), "companyId": company_id},
        )
        wrong = await mutate(
            client, "endEmployment", {"contactId": contact_id, "companyId": contact_id}
        )
    assert codes(none) == ["NOT_EMPLOYED"]
    assert codes(early) == ["ENDED_BEFORE_STARTED"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]


async def test_set_reports_to_replaces_the_manager(client: httpx.AsyncClient) -> None:
    worker = await new_contact(client, "Worker")
    boss = await new_contact(client, "Boss")
    new_boss = await new_contact(client, "NewBoss")
    ok(await mutate(client, "setReportsTo", {"contactId": worker, "managerId": boss}))
    payload = ok(
        await mutate(
            client,
            "setReportsTo",
            {"contactId": worker, "managerId": new_boss},
            "contact { reportsTo { firstName } }",
        )
    )
    assert payload["contact"]["reportsTo"] == {"firstName": "NewBoss"}
    cleared = ok(
        await mutate(
            client, "setReportsTo", {"contactId": worker}, "contact { reportsTo { firstName } }"
        )
    )
    assert cleared["contact"]["reportsTo"] is None


async def test_reporting_to_oneself_or_in_a_circle_is_refused(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a = await new_contact(client, "A")
    b = await new_contact(client, "B")
    c = await new_contact(client, "C")
    ok(await mutate(client, "setReportsTo", {"contactId": a, "managerId": b}))
    ok(await mutate(client, "setReportsTo", {"contactId": b, "managerId": c}))
    async with unchanged(graph):
        self_ = await mutate(client, "setReportsTo", {"contactId": a, "managerId": a})
        cycle = await mutate(client, "setReportsTo", {"contactId": c, "managerId": a})
        missing = await mutate(
            client, "setReportsTo", {"contactId": a, "managerId": missing_id("Contact")}
        )
        wrong = await mutate(
            client, "setReportsTo", {"contactId": a, "managerId": missing_id("User")}
        )
        malformed = await mutate(client, "setReportsTo", {"contactId": MALFORMED_ID})
    assert codes(self_) == ["SELF_REPORTING"]
    assert codes(cycle) == ["REPORTING_CYCLE"]
    assert error_fields(cycle) == [["input", "managerId"]]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_concurrent_reporting_changes_never_form_a_loop(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    people = [await new_contact(client, f"P{i}") for i in range(4)]
    pairs = [(i, j) for i in range(4) for j in range(4) if i != j]
    await asyncio.gather(
        *(
            mutate(client, "setReportsTo", {"contactId": people[i], "managerId": people[j]})
            for i, j in pairs
        )
    )
    rows = await graph.read(
        "MATCH (p:Contact) RETURN EXISTS { (p)-[:REPORTS_TO*1..]->(p) } AS loop, "
        "COUNT { (p)-[:REPORTS_TO]->() } AS managers"
    )
    assert not any(r["loop"] for r in rows)
    assert all(r["managers"] <= 1 for r in rows)


async def test_connect_contacts_keeps_one_tie_per_pair_in_either_direction(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a = await new_contact(client, "A")
    b = await new_contact(client, "B")
    ok(
        await mutate(
            client,
            "connectContacts",
            {"contactId": a, "otherId": b, "strength": 0.4, "since": "2019-05-01"},
        )
    )
    payload = ok(
        await mutate(
            client,
            "connectContacts",
            {"contactId": b, "otherId": a, "strength": 0.9},
            "contact { knows { edges { strength since node { firstName } } } } other { id }",
        )
    )
    assert payload["contact"]["knows"]["edges"] == [
        {"strength": 0.9, "since": "2019-05-01", "node": {"firstName": "A"}}
    ]
    assert payload["other"] == {"id": a}
    rows = await graph.read("MATCH ()-[r:KNOWS]->() RETURN count(r) AS n")
    assert rows[0]["n"] == 1


async def test_connect_contacts_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    a = await new_contact(client, "A")
    company_id = await new_company(client)
    async with unchanged(graph):
        self_ = await mutate(client, "connectContacts", {"contactId": a, "otherId": a})
        weak = await mutate(
            client, "connectContacts", {"contactId": a, "otherId": company_id, "strength": 1.5}
        )
        missing = await mutate(
            client, "connectContacts", {"contactId": a, "otherId": missing_id("Contact")}
        )
        malformed = await mutate(
            client, "connectContacts", {"contactId": MALFORMED_ID, "otherId": a}
        )
    assert codes(self_) == ["SELF_CONNECTION"]
    assert codes(weak) == ["WRONG_TYPE", "OUT_OF_RANGE"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_concurrent_connections_of_one_pair_store_one_tie(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    a = await new_contact(client, "A")
    b = await new_contact(client, "B")
    await asyncio.gather(
        *(
            mutate(
                client,
                "connectContacts",
                {"contactId": a if i % 2 else b, "otherId": b if i % 2 else a},
            )
            for i in range(10)
        )
    )
    rows = await graph.read("MATCH ()-[r:KNOWS]->() RETURN count(r) AS n")
    assert rows[0]["n"] == 1
