"""The audit trail (issue 6, part 3): one correct AuditEvent per successful mutation, none for
a refused one, and `auditLog` with keyset paging for MANAGER and ADMIN only."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from graphdb.driver import Graph
from tests._gql import codes, gql, mutate, ok, raw
from tests._graph_counts import unchanged
from tests._world import World, as_role, audit_count, audit_events, build_world
from tests.conftest import ADMIN_EMAIL, ADMIN_USER_ID


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph, make_token: Any) -> World:
    return await build_world(client, graph, make_token)


async def _only_event(graph: Graph, action: str, *, after: int = 0) -> dict[str, Any]:
    """The one event of `action` beyond the first `after` ones (those of the world's setup)."""
    events = (await audit_events(graph, action))[after:]
    assert len(events) == 1, events
    event = events[0]
    event["changes"] = orjson.loads(event["changes"])
    return event


async def test_create_update_delete_record_before_and_after(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    created = ok(
        await mutate(
            client,
            "createCustomer",
            {
                "externalId": "ERP-1",
                "kind": "INDIVIDUAL",
                "name": "Jana",
                "email": "jana@example.com",
            },
            "customer { id }",
        )
    )["customer"]["id"]
    event = await _only_event(graph, "createCustomer")
    assert event["entityType"] == "Customer"
    assert event["entityId"] == raw(created)
    assert event["about"] == raw(created)
    assert event["actorId"] == ADMIN_USER_ID
    assert event["actorEmail"] == ADMIN_EMAIL
    assert event["changes"]["email"] == {"after": "jana@example.com"}
    assert event["changes"]["lifecycleStage"] == {"after": "LEAD"}
    assert event["changes"]["totalSpent"] == {"after": "0.00"}
    assert all(set(change) == {"after"} for change in event["changes"].values())
    assert "version" not in event["changes"]

    ok(await mutate(client, "updateCustomer", {"id": created, "name": "Jana N.", "phone": None}))
    event = await _only_event(graph, "updateCustomer")
    assert event["changes"] == {"name": {"before": "Jana", "after": "Jana N."}}

    ok(await mutate(client, "deleteCustomer", {"id": created}))
    event = await _only_event(graph, "deleteCustomer")
    assert event["about"] is None
    assert event["entityId"] == raw(created)
    assert event["changes"]["name"] == {"before": "Jana N."}
    assert all(set(change) == {"before"} for change in event["changes"].values())


async def test_relationship_mutations_record_the_relationship_as_a_field(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": world["P"], "companyId": world["C"], "jobTitle": "CTO"},
        )
    )
    event = await _only_event(graph, "setEmployment", after=3)
    assert event["entityId"] == raw(world["P"])
    assert event["changes"] == {
        f"employment[{world['C']}]": {"before": {}, "after": {"jobTitle": "CTO"}}
    }

    ok(await mutate(client, "tag", {"entityId": world["A"], "tags": ["VIP"]}))
    event = await _only_event(graph, "tag", after=1)
    # a tag keeps the spelling it was first written with; the list is sorted by name
    assert event["changes"] == {"tags": {"before": ["old"], "after": ["VIP", "old"]}}

    ok(
        await mutate(
            client,
            "updateCustomer",
            {"id": world["A"], "accountManagerId": world.users["OTHER"]},
        )
    )
    event = await _only_event(graph, "updateCustomer")
    assert event["changes"] == {
        "accountManager": {"before": world.users["SALES"], "after": world.users["OTHER"]}
    }

    ok(
        await mutate(
            client,
            "recordReferral",
            {"referrerId": world["B"], "referredId": world["A"], "channel": "fair"},
        )
    )
    event = await _only_event(graph, "recordReferral")
    assert event["changes"]["referredBy"]["after"]["id"] == world["B"]
    assert event["changes"]["referredBy"]["after"]["channel"] == "fair"

    payload = ok(
        await mutate(
            client,
            "placeOrder",
            {
                "customerId": world["A"],
                "lines": [{"productId": world["X"], "quantity": 3, "unitPrice": "2.5"}],
            },
            "order { id }",
        )
    )
    event = await _only_event(graph, "placeOrder")
    assert event["entityId"] == raw(payload["order"]["id"])
    assert event["changes"]["total"] == {"after": "7.50"}
    assert event["changes"]["customer"] == {"after": world["A"]}
    assert event["changes"]["lines"]["after"] == [
        {"product": world["X"], "quantity": 3, "unitPrice": "2.50"}
    ]


async def test_a_refused_mutation_leaves_no_audit_event(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    before = await audit_count(graph)
    async with unchanged(graph):
        payload = await mutate(client, "updateCustomer", {"id": world["A"], "expectedVersion": 99})
    assert codes(payload) == ["VERSION_CONFLICT"]
    async with unchanged(graph):
        payload = await mutate(client, "deleteCompany", {"id": world["C"]})
    assert codes(payload) == ["COMPANY_HAS_EMPLOYEES"]
    assert await audit_count(graph) == before


async def test_audit_events_cannot_be_deleted_through_the_api(client: httpx.AsyncClient) -> None:
    fields = (await gql(client, '{ __type(name: "Mutation") { fields { name } } }'))["__type"]
    assert not [f["name"] for f in fields["fields"] if "audit" in f["name"].lower()]


AUDIT_LOG = """query($id: ID!, $first: Int, $after: String) {
  auditLog(entityId: $id, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id at actorId actorEmail action entityType entityId changes } }
  }
}"""


async def test_audit_log_pages_newest_first(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    for score in range(1, 6):
        ok(await mutate(client, "updateCustomer", {"id": world["B"], "leadScore": score}))
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        log = (await gql(client, AUDIT_LOG, {"id": world["B"], "first": 2, "after": after}))[
            "auditLog"
        ]
        assert log["totalCount"] == 6  # the creation and five updates
        assert log["pageInfo"]["hasPreviousPage"] is (after is not None)
        for edge in log["edges"]:
            node = edge["node"]
            assert node["entityId"] == world["B"]
            assert node["entityType"] == "Customer"
            if node["action"] == "updateCustomer":
                seen.append(node["changes"]["leadScore"]["after"])
            else:
                assert node["action"] == "createCustomer"
        pages += 1
        if not log["pageInfo"]["hasNextPage"]:
            break
        after = log["pageInfo"]["endCursor"]
    assert seen == [5, 4, 3, 2, 1]
    assert pages == 3


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_audit_log_is_for_managers_and_admins(
    live_server_url: str, world: World, role: str
) -> None:
    async with as_role(live_server_url, world.tokens[role]) as http:
        response = await http.post(
            "/graphql", json={"query": AUDIT_LOG, "variables": {"id": world["A"]}}
        )
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not body.get("data") or body["data"].get("auditLog") is None


async def test_audit_log_serves_managers(live_server_url: str, world: World) -> None:
    async with as_role(live_server_url, world.tokens["MANAGER"]) as http:
        log = (await gql(http, AUDIT_LOG, {"id": world["A"]}))["auditLog"]
    assert log["edges"][0]["node"]["action"] == "tag"
    assert log["totalCount"] == 2


async def test_a_bad_cursor_is_a_clear_error(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/graphql",
        json={"query": AUDIT_LOG, "variables": {"id": world["A"], "after": "garbage!"}},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- importRecords ------------------------------------------------------------------------------

IMPORT = (
    "mutation M($input: ImportRecordsInput!) { importRecords(input: $input) "
    "{ created updated unchanged failed } }"
)


async def _events_about(graph: Graph, label: str, key: str, value: str) -> list[dict[str, Any]]:
    rows = await graph.read(
        f"MATCH (e:AuditEvent)-[:ABOUT]->(n:{label} {{{key}: $value}}) "
        "RETURN e.action AS action, e.actorId AS actor, e.changes AS changes ORDER BY e.at",
        {"value": value},
    )
    return [{**r, "changes": orjson.loads(r["changes"])} for r in rows]


async def test_import_records_audits_each_record_it_creates_or_changes(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ok(
        await mutate(
            client,
            "createCustomer",
            {"externalId": "IMP-1", "kind": "INDIVIDUAL", "name": "Old Name", "leadScore": 5},
        )
    )
    csv = (
        "externalId,kind,name,leadScore\n"
        "IMP-1,INDIVIDUAL,New Name,5\n"  # changes the name only
        "IMP-2,BUSINESS,Fresh s.r.o.,70\n"  # new
        "IMP-3,INDIVIDUAL,,1\n"  # refused (no name): writes nothing, audits nothing
    )
    before = await audit_count(graph)
    result = await gql(client, IMPORT, {"input": {"type": "CUSTOMERS", "data": csv}})
    assert result["importRecords"] == {"created": 1, "updated": 1, "unchanged": 0, "failed": 1}
    assert await audit_count(graph) == before + 2
    updated = await _events_about(graph, "Customer", "externalId", "IMP-1")
    assert [e["action"] for e in updated] == ["createCustomer", "importRecords"]
    assert updated[-1]["changes"] == {"name": {"before": "Old Name", "after": "New Name"}}
    assert updated[-1]["actor"] == ADMIN_USER_ID
    created = await _events_about(graph, "Customer", "externalId", "IMP-2")
    assert [e["action"] for e in created] == ["importRecords"]
    assert created[0]["changes"]["name"] == {"after": "Fresh s.r.o."}
    assert created[0]["changes"]["leadScore"] == {"after": 70}

    # Nothing changes on a re-import or a dry run, so nothing is audited.
    await gql(client, IMPORT, {"input": {"type": "CUSTOMERS", "data": csv}})
    await gql(client, IMPORT, {"input": {"type": "CUSTOMERS", "data": csv, "dryRun": True}})
    assert await audit_count(graph) == before + 2


async def test_imported_jobs_are_audited_on_the_contact(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    ok(await mutate(client, "createCompany", {"name": "Acme s.r.o.", "domain": "acme.sk"}))
    ok(
        await mutate(
            client, "createContact", {"firstName": "Eva", "lastName": "K", "email": "eva@acme.sk"}
        )
    )
    csv = "contactEmail,companyDomain,jobTitle\neva@acme.sk,acme.sk,Buyer\n"
    await gql(client, IMPORT, {"input": {"type": "EMPLOYMENTS", "data": csv}})
    events = await _events_about(graph, "Contact", "email", "eva@acme.sk")
    assert [e["action"] for e in events] == ["createContact", "importRecords"]
    (job,) = events[-1]["changes"].values()
    assert job["after"]["jobTitle"] == "Buyer"


async def test_an_update_that_changes_nothing_keeps_the_version_and_writes_no_event(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    before = await audit_count(graph)
    ok(await mutate(client, "updateCustomer", {"id": world["A"], "leadScore": 40}))
    again = ok(
        await mutate(
            client,
            "updateCustomer",
            {"id": world["A"], "leadScore": 40, "name": "Alpha"},
            "customer { version leadScore name }",
        )
    )
    assert again["customer"]["leadScore"] == 40
    assert await audit_count(graph) == before + 1  # the first update only
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN c.version AS v", {"id": raw(world["A"])}
    )
    assert again["customer"]["version"] == rows[0]["v"] == 2
