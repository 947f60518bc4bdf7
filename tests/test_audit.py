"""The audit trail (issue 6, part 3): one correct AuditEvent per successful mutation, none for
a refused one, and `auditLog` with keyset paging for MANAGER and ADMIN only."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from core import global_id
from graphdb.driver import Graph
from resolvers.writes import _audit
from resolvers.writes._audit import Subject
from tests._factories import new_customer
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


@pytest.mark.parametrize(
    ("mutation", "input", "field"),
    [
        (
            "createCustomer",
            {
                "externalId": "ERP-7",
                "kind": "BUSINESS",
                "name": "Žilinská pekáreň",
                "email": "objednavky@pekaren.sk",
                "phone": "+421 905 123 456",
                "address": {"line1": "Hlavná 1", "city": "Žilina", "country": "SK"},
                "leadSource": "veľtrh",
                "leadScore": 72,
            },
            "customer",
        ),
        ("createCompany", {"name": "Pekáreň a.s.", "industry": "Food"}, "company"),
        ("createContact", {"firstName": "Ľudmila", "lastName": "Nováková"}, "contact"),
        (
            "createProduct",
            {"sku": "P-1", "name": "Rožok", "price": "0.15", "currency": "EUR"},
            "product",
        ),
    ],
)
async def test_a_plain_create_records_what_the_stored_record_shows(
    client: httpx.AsyncClient, graph: Graph, mutation: str, input: dict[str, Any], field: str
) -> None:
    # a create with nothing to link writes its event in its own statement, from the values it
    # sends: they must be exactly what the audit reads back from the stored record
    created = ok(await mutate(client, mutation, input, f"{field} {{ id }}"))[field]["id"]
    type_name, raw_id = global_id.decode(created)
    event = await _only_event(graph, mutation)
    stored = await graph.write_tx(lambda tx: _audit.capture(tx, Subject(type_name, raw_id)))
    assert event["changes"] == _audit.diff(None, stored.state)
    assert event["change"] == "CREATED"
    assert event["about"] == raw_id


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


async def _error_code(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> str:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code < 500, response.text
    body = response.json()
    assert not body.get("data") or all(v is None for v in body["data"].values()), body
    return str(body["errors"][0]["extensions"]["code"])


#: A record nobody wrote through the API, whose 25 events are written directly: times from
#: 2026-01-01 on, the 11th to 14th in one instant (so the uuid breaks the tie), newest last.
SUBJECT = "aaaaaaaa-0000-4000-8000-0000000000aa"


async def _write_events(graph: Graph) -> list[str]:
    """The events' uuids, newest first: the order auditLog must return them in."""
    events = [
        {
            "id": f"aaaaaaaa-0000-4000-8000-{i:012d}",
            "minute": 13 if 10 <= i < 14 else i,
            "score": i,
        }
        for i in range(25)
    ]
    await graph.write(
        "UNWIND $events AS e CREATE (:AuditEvent {id: e.id, "
        "at: datetime('2026-01-01T00:00:00Z') + duration({minutes: e.minute}), "
        "actorId: $actor, actorEmail: 'admin@rapport.test', action: 'updateCustomer', "
        "entityType: 'Customer', entityId: $subject, "
        "changes: '{\"leadScore\": {\"after\": ' + toString(e.score) + '}}'})",
        {"events": events, "subject": SUBJECT, "actor": ADMIN_USER_ID},
    )
    return [e["id"] for e in sorted(events, key=lambda e: (e["minute"], e["id"]), reverse=True)]


PAGE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  auditLog(entityId: $id, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id entityId changes } } } }"""


async def test_the_audit_log_pages_both_ways_with_cursors_without_gaps_or_repeats(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    newest_first = await _write_events(graph)
    subject = global_id.encode("Customer", SUBJECT)
    default = (await gql(client, PAGE, {"id": subject}))["auditLog"]
    assert len(default["edges"]) == 20  # `first` is optional: a page of 20
    assert default["totalCount"] == 25
    assert default["pageInfo"]["hasNextPage"] is True

    seen: list[str] = []
    after = None
    while True:
        log = (await gql(client, PAGE, {"id": subject, "first": 7, "after": after}))["auditLog"]
        assert log["pageInfo"]["hasPreviousPage"] is (after is not None)
        for edge in log["edges"]:
            assert edge["node"]["entityId"] == subject
            seen.append(global_id.decode(edge["node"]["id"])[1])
        if not log["pageInfo"]["hasNextPage"]:
            break
        after = log["pageInfo"]["endCursor"]
    assert seen == newest_first

    backwards: list[str] = []
    before = None
    while True:
        variables = {"id": subject, "last": 6, "before": before}
        log = (await gql(client, PAGE, variables))["auditLog"]
        backwards = [global_id.decode(e["node"]["id"])[1] for e in log["edges"]] + backwards
        if not log["pageInfo"]["hasPreviousPage"]:
            break
        before = log["pageInfo"]["startCursor"]
    assert backwards == newest_first


async def test_an_audit_event_is_a_node_with_a_global_id(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    newest_first = await _write_events(graph)
    subject = global_id.encode("Customer", SUBJECT)
    log = (await gql(client, PAGE, {"id": subject, "first": 2}))["auditLog"]
    event = log["edges"][0]["node"]
    assert global_id.decode(event["id"]) == ("AuditEvent", newest_first[0])
    by_id = """query($id: ID!) { node(id: $id) { __typename id ... on AuditEvent {
      at actorId actorEmail action entityType entityId changes } } }"""
    node = (await gql(client, by_id, {"id": event["id"]}))["node"]
    assert node == {
        "__typename": "AuditEvent",
        "id": event["id"],
        "at": "2026-01-01T00:24:00+00:00",
        "actorId": global_id.encode("User", ADMIN_USER_ID),
        "actorEmail": "admin@rapport.test",
        "action": "updateCustomer",
        "entityType": "Customer",
        "entityId": subject,
        "changes": {"leadScore": {"after": 24}},
    }
    second = log["edges"][1]["node"]["id"]
    many = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
      ... on AuditEvent { change: changes } } }"""
    missing = global_id.encode("AuditEvent", "aaaaaaaa-0000-4000-8000-999999999999")
    nodes = (await gql(client, many, {"ids": [second, missing, event["id"]]}))["nodes"]
    assert nodes == [
        {"__typename": "AuditEvent", "id": second, "change": {"leadScore": {"after": 23}}},
        None,
        {"__typename": "AuditEvent", "id": event["id"], "change": {"leadScore": {"after": 24}}},
    ]


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_audit_events_by_id_are_for_managers_and_admins_too(
    live_server_url: str, client: httpx.AsyncClient, world: World, role: str
) -> None:
    log = (await gql(client, AUDIT_LOG, {"id": world["A"]}))["auditLog"]
    event = log["edges"][0]["node"]["id"]
    async with as_role(live_server_url, world.tokens[role]) as http:
        code = await _error_code(http, "query($id: ID!) { node(id: $id) { id } }", {"id": event})
        assert code == "FORBIDDEN"
        code = await _error_code(
            http, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [world["A"], event]}
        )
        assert code == "FORBIDDEN"
    async with as_role(live_server_url, world.tokens["MANAGER"]) as http:
        node = await gql(http, "query($id: ID!) { node(id: $id) { id } }", {"id": event})
    assert node["node"] == {"id": event}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"after": "garbage!"}, "INVALID_CURSOR"),
        ({"after": "eyJzIjoiMTIzIiwidiI6WyJ4Il19"}, "FOREIGN_CURSOR"),
        ({"first": -1}, "INVALID_PAGINATION"),
        ({"first": 501}, "PAGE_TOO_LARGE"),
        ({"first": 2, "last": 2}, "INVALID_PAGINATION"),
        ({"id": "not-an-id"}, "INVALID_ID"),
    ],
)
async def test_bad_audit_log_arguments_are_clear_errors(
    client: httpx.AsyncClient, variables: dict[str, Any], code: str
) -> None:
    subject = global_id.encode("Customer", SUBJECT)
    assert await _error_code(client, PAGE, {"id": subject, **variables}) == code


async def test_a_cursor_of_another_list_is_foreign_to_the_audit_log(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await _write_events(graph)
    await new_customer(client, "FC-1")
    customers = await gql(client, "{ customers(first: 1) { pageInfo { endCursor } } }")
    cursor = customers["customers"]["pageInfo"]["endCursor"]
    subject = global_id.encode("Customer", SUBJECT)
    assert await _error_code(client, PAGE, {"id": subject, "after": cursor}) == "FOREIGN_CURSOR"


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
