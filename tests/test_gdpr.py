"""GDPR (issue 6, part 4): erasure leaves no personal value anywhere; revenue does not move;
exportSubjectData returns everything held about a person."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from graphdb.driver import Graph
from tests._gql import codes, gql, mutate, ok, raw
from tests._world import World, as_role, build_world

CUSTOMER_PERSONAL = {
    "name": "Jarmila Erasable",
    "email": "jarmila.erasable@example.com",
    "phone": "+421905111222",
    "addressLine1": "Tajná 17",
    "postalCode": "811 09",
    "externalId": "ERP-JARMILA",
}
CONTACT_PERSONAL = {
    "firstName": "Zdenka",
    "lastName": "Mazateľná",
    "email": "zdenka.mazatelna@firma.example",
    "phone": "+420602777888",
    "videoHandle": "teams:zdenka.mazatelna",
    "birthday": "1981-07-23",
    "personalNotes": "Two cats, Mourek and Micka.\nLoves bouldering.",
    "addressLine1": "Skrytá 4",
}


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph, make_token: Any) -> World:
    return await build_world(client, graph, make_token)


async def _person_customer(client: httpx.AsyncClient, w: World) -> str:
    p = CUSTOMER_PERSONAL
    cid: str = ok(
        await mutate(
            client,
            "createCustomer",
            {
                "externalId": p["externalId"],
                "kind": "INDIVIDUAL",
                "name": p["name"],
                "email": p["email"],
                "phone": p["phone"],
                "address": {
                    "line1": p["addressLine1"],
                    "postalCode": p["postalCode"],
                    "city": "Bratislava",
                    "country": "SK",
                },
                "accountManagerId": w.users["SALES"],
            },
            "customer { id }",
        )
    )["customer"]["id"]
    # history: updates (audit events holding personal values), orders, referrals, consents
    ok(await mutate(client, "updateCustomer", {"id": cid, "email": "old." + p["email"]}))
    ok(await mutate(client, "updateCustomer", {"id": cid, "email": p["email"]}))
    for quantity in (2, 5):
        ok(
            await mutate(
                client,
                "placeOrder",
                {"customerId": cid, "lines": [{"productId": w["X"], "quantity": quantity}]},
            )
        )
    ok(
        await mutate(
            client,
            "recordReferral",
            {"referrerId": cid, "referredId": w["B"], "note": f"Told by {p['name']} herself"},
        )
    )
    ok(
        await mutate(
            client,
            "recordReferral",
            {"referrerId": w["E"], "referredId": cid, "note": "Met at the fair"},
        )
    )
    ok(
        await mutate(
            client,
            "recordConsent",
            {
                "subjectId": cid,
                "channel": "EMAIL",
                "purpose": "newsletter",
                "granted": True,
                "source": "web form",
            },
        )
    )
    ok(await mutate(client, "tag", {"entityId": cid, "tags": ["vip"]}))
    return cid


async def _interactions(client: httpx.AsyncClient, w: World, person: str, name: str) -> list[str]:
    shared = ok(
        await mutate(
            client,
            "logInteraction",
            {
                "kind": "MEETING",
                "participantIds": [person, w["A"]],
                "subject": f"Lunch with {name}",
                "summary": f"{name} liked the offer.",
            },
            "interaction { id }",
        )
    )["interaction"]["id"]
    alone = ok(
        await mutate(
            client,
            "logInteraction",
            {"kind": "CALL", "participantIds": [person], "summary": "Private chat about kids."},
            "interaction { id }",
        )
    )["interaction"]["id"]
    return [shared, alone]


async def _all_text(graph: Graph) -> list[str]:
    """Every property value of every node and relationship, as text."""
    nodes = await graph.read("MATCH (n) RETURN properties(n) AS p")
    rels = await graph.read("MATCH ()-[r]->() RETURN properties(r) AS p")
    return [str(v) for row in nodes + rels for v in row["p"].values()]


async def _revenue(client: httpx.AsyncClient, graph: Graph) -> tuple[Any, Any]:
    total = (await graph.read("MATCH (o:Order) RETURN sum(o.total) AS t"))[0]["t"]
    concentration = (
        await gql(client, "{ revenueConcentration(share: 0.8) { totalRevenue customerCount } }")
    )["revenueConcentration"]
    return total, concentration["totalRevenue"]


async def test_erasing_a_customer_leaves_no_personal_value_anywhere(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    cid = await _person_customer(client, world)
    shared, alone = await _interactions(client, world, cid, CUSTOMER_PERSONAL["name"])
    revenue = await _revenue(client, graph)
    payload = ok(
        await mutate(
            client,
            "eraseCustomer",
            {"id": cid, "reason": f"Art. 17 request from {CUSTOMER_PERSONAL['email']}"},
            "erasedId tombstoneId",
        )
    )
    assert payload["erasedId"] == cid

    texts = await _all_text(graph)
    for field, value in CUSTOMER_PERSONAL.items():
        leaks = [t for t in texts if value in t]
        assert not leaks, f"{field} survived erasure: {leaks}"
    assert await _revenue(client, graph) == revenue

    rows = await graph.read(
        "MATCH (p:Customer:Erased) RETURN p.orderCount AS n, p.totalSpent AS spent, "
        "COUNT { (p)-[:PLACED]->() } AS orders, COUNT { (p)-[:REFERRED]->() } AS out, "
        "COUNT { ()-[:REFERRED]->(p) } AS into"
    )
    assert rows == [{"n": 2, "spent": 70000, "orders": 2, "out": 1, "into": 1}]
    notes = await graph.read("MATCH ()-[r:REFERRED]->(:Customer:Erased) RETURN r.note AS note")
    assert notes == [{"note": None}]
    gone = await graph.read("MATCH (n {id: $id}) RETURN n", {"id": raw(cid)})
    assert gone == []
    consents = await graph.read("MATCH (c:Consent) RETURN count(c) AS n")
    assert consents == [{"n": 0}]
    tomb = await graph.read("MATCH (t:Tombstone) RETURN properties(t) AS t")
    assert tomb[0]["t"]["entityType"] == "Customer"
    assert tomb[0]["t"]["reason"] == "Art. 17 request from [erased]"

    interactions = {
        r["id"]: r
        for r in await graph.read(
            "MATCH (i:Interaction) RETURN i.id AS id, i.summary AS summary, "
            "i.subject AS subject, COUNT { (i)-[:WITH]->() } AS n"
        )
    }
    assert interactions[raw(shared)]["n"] == 1
    assert interactions[raw(shared)]["subject"] == "Lunch with [erased]"
    assert interactions[raw(alone)] == {
        "id": raw(alone),
        "summary": "[erased]",
        "subject": None,
        "n": 0,
    }

    events = await graph.read(
        "MATCH (e:AuditEvent {entityId: $id}) RETURN e.action AS action, e.changes AS changes "
        "ORDER BY e.at",
        {"id": raw(cid)},
    )
    assert events[-1]["action"] == "eraseCustomer"
    assert '"[erased]"' in events[0]["changes"]  # the creation, redacted


async def test_erasing_a_contact_keeps_their_referrals_and_others_interactions(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    p = CONTACT_PERSONAL
    contact = ok(
        await mutate(
            client,
            "createContact",
            {
                "firstName": p["firstName"],
                "lastName": p["lastName"],
                "email": p["email"],
                "phone": p["phone"],
                "videoHandle": p["videoHandle"],
                "birthday": p["birthday"],
                "personalNotes": p["personalNotes"],
                "address": {"line1": p["addressLine1"], "city": "Praha", "country": "CZ"},
            },
            "contact { id }",
        )
    )["contact"]["id"]
    ok(await mutate(client, "setEmployment", {"contactId": contact, "companyId": world["C"]}))
    ok(await mutate(client, "connectContacts", {"contactId": contact, "otherId": world["P"]}))
    ok(await mutate(client, "recordReferral", {"referrerId": contact, "referredId": world["A"]}))
    ok(
        await mutate(
            client,
            "recordConsent",
            {"subjectId": contact, "channel": "PHONE", "purpose": "calls", "granted": False},
        )
    )
    await _interactions(client, world, contact, f"{p['firstName']} {p['lastName']}")
    async with as_role(_base(client), world.tokens["SALES"]) as sales:
        payload = await mutate(sales, "eraseContact", {"id": contact, "reason": "request"})
    assert codes(payload) == ["FORBIDDEN"]
    async with as_role(_base(client), world.tokens["MANAGER"]) as manager:
        ok(await mutate(manager, "eraseContact", {"id": contact, "reason": "request"}))

    texts = await _all_text(graph)
    for field, value in p.items():
        if len(value) < 3:
            continue
        leaks = [t for t in texts if value in t]
        assert not leaks, f"{field} survived erasure: {leaks}"
    referral = await graph.read(
        "MATCH (x:Contact:Erased)-[:REFERRED]->(c:Customer {id: $a}) RETURN x.fullName AS name",
        {"a": raw(world["A"])},
    )
    assert referral == [{"name": "Erased contact"}]


def _base(client: httpx.AsyncClient) -> str:
    return str(client.base_url).rstrip("/")


async def test_erase_refuses_unknown_and_wrong_ids(client: httpx.AsyncClient, world: World) -> None:
    payload = await mutate(client, "eraseCustomer", {"id": world["P"], "reason": "x"})
    assert codes(payload) == ["WRONG_TYPE"]
    payload = await mutate(client, "eraseContact", {"id": world["P"], "reason": " "})
    assert codes(payload) == ["BLANK"] or codes(payload) == ["REQUIRED"]


EXPORT = "query($id: ID!) { exportSubjectData(id: $id) }"


async def test_export_contains_everything_held_about_a_customer(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await _person_customer(client, world)
    await _interactions(client, world, cid, "her")
    doc = (await gql(client, EXPORT, {"id": cid}))["exportSubjectData"]
    assert doc["subject"] == {"type": "Customer", "id": cid}
    assert doc["profile"]["email"] == CUSTOMER_PERSONAL["email"]
    assert doc["profile"]["addressLine1"] == CUSTOMER_PERSONAL["addressLine1"]
    assert doc["profile"]["totalSpent"] == "7.00"
    assert [c["purpose"] for c in doc["consents"]] == ["newsletter"]
    assert doc["consents"][0]["source"] == "web form"
    assert len(doc["interactions"]) == 2
    assert [o["total"] for o in doc["orders"]] == ["2.00", "5.00"]
    assert doc["orders"][0]["lines"] == [
        {"sku": "X-1", "name": "X", "quantity": 2, "unitPrice": "1.00"}
    ]
    assert doc["referrals"]["referred"][0]["id"] == world["B"]
    assert doc["referrals"]["referredBy"][0]["id"] == world["E"]
    assert doc["tags"] == ["vip"]
    assert doc["accountManager"]["id"] == world.users["SALES"]
    actions = [e["action"] for e in doc["auditEvents"]]
    assert actions[:3] == ["createCustomer", "updateCustomer", "updateCustomer"]
    assert doc["auditEvents"][1]["changes"]["email"]["after"].startswith("old.")


async def test_export_is_a_mutation_as_the_contract_says_and_the_old_query_agrees(
    client: httpx.AsyncClient, world: World
) -> None:
    cid = await _person_customer(client, world)
    mutation = "mutation($id: ID!) { exportSubjectData(id: $id) }"
    by_mutation = (await gql(client, mutation, {"id": cid}))["exportSubjectData"]
    by_query = (await gql(client, EXPORT, {"id": cid}))["exportSubjectData"]
    assert by_mutation["profile"]["email"] == CUSTOMER_PERSONAL["email"]
    assert by_mutation.pop("exportedAt") <= by_query.pop("exportedAt")
    # the second export lists the first among the subject's audit events: serving it is audited
    disclosed = by_query["auditEvents"].pop()
    assert disclosed["action"] == "exportSubjectData"
    assert by_mutation == by_query


async def test_export_of_a_contact_has_their_jobs(client: httpx.AsyncClient, world: World) -> None:
    doc = (await gql(client, EXPORT, {"id": world["P"]}))["exportSubjectData"]
    assert doc["subject"]["type"] == "Contact"
    assert doc["employments"][0]["companyId"] == world["C"]
    assert doc["employments"][0]["company"] == "Alpha s.r.o."


@pytest.mark.parametrize(
    ("role", "target", "allowed"),
    [
        ("MANAGER", "B", True),
        ("SALES", "A", True),
        ("SALES", "P", True),
        ("SALES", "B", False),
        ("SALES", "Q", False),
        ("ANALYST", "A", False),
    ],
)
async def test_export_access(
    live_server_url: str, world: World, role: str, target: str, allowed: bool
) -> None:
    async with as_role(live_server_url, world.tokens[role]) as http:
        body = (
            await http.post("/graphql", json={"query": EXPORT, "variables": {"id": world[target]}})
        ).json()
    if allowed:
        assert not body.get("errors"), body
        assert body["data"]["exportSubjectData"]["subject"]["id"] == world[target]
    else:
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_serving_an_export_is_audited_and_a_refusal_is_not(
    live_server_url: str, client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    mutation = "mutation($id: ID!) { exportSubjectData(id: $id) }"
    before = await graph.read(
        "MATCH (e:AuditEvent {action: 'exportSubjectData'}) RETURN count(e) AS n"
    )
    assert before == [{"n": 0}]
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        doc = (await gql(http, mutation, {"id": world["A"]}))["exportSubjectData"]
        refused = (
            await http.post("/graphql", json={"query": mutation, "variables": {"id": world["B"]}})
        ).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert refused["data"]["exportSubjectData"] is None
    events = await graph.read(
        "MATCH (e:AuditEvent {action: 'exportSubjectData'})-[:ABOUT]->(n) "
        "RETURN e.actorId AS actor, e.entityId AS entity, e.changes AS changes, n.id AS about"
    )
    assert len(events) == 1, events
    assert events[0]["actor"] == raw(world.users["SALES"])
    assert events[0]["entity"] == events[0]["about"] == raw(world["A"])
    assert '"disclosed"' in events[0]["changes"]
    assert "profile" in events[0]["changes"]
    assert doc["subject"]["id"] == world["A"]
    # the deprecated query form is the same act, audited the same way
    ok_query = (await gql(client, EXPORT, {"id": world["A"]}))["exportSubjectData"]
    assert ok_query["subject"]["id"] == world["A"]
    count = await graph.read(
        "MATCH (e:AuditEvent {action: 'exportSubjectData'}) RETURN count(e) AS n"
    )
    assert count == [{"n": 2}]


async def test_erasure_finds_the_person_in_other_peoples_free_text_and_saved_segments(
    client: httpx.AsyncClient, graph: Graph, world: World
) -> None:
    p = CUSTOMER_PERSONAL
    cid = await _person_customer(client, world)
    # pasted by users where it does not belong, in any letter case
    ok(
        await mutate(
            client,
            "updateCustomer",
            {"id": world["B"], "leadSource": f"Referred by {p['email'].upper()}"},
        )
    )
    ok(
        await mutate(
            client,
            "logInteraction",
            {
                "kind": "CALL",
                "participantIds": [world["A"]],
                "summary": f"Asked about {p['name']}, call her on {p['phone']}.",
            },
        )
    )
    ok(await mutate(client, "updateCompany", {"id": world["D"], "legalForm": p["addressLine1"]}))
    segment = ok(
        await mutate(
            client,
            "createSegment",
            {
                "name": f"Follow up {p['name']}",
                "description": f"Everyone like {p['email']}",
                "filter": {"or": [{"email": {"eq": p["email"]}}, {"phone": {"in": [p["phone"]]}}]},
            },
            "segment { id version }",
        )
    )["segment"]
    # a namesake is somebody else: their own name stays
    namesake = ok(
        await mutate(
            client,
            "createCustomer",
            {"externalId": "NAMESAKE", "kind": "INDIVIDUAL", "name": p["name"]},
            "customer { id }",
        )
    )["customer"]["id"]

    ok(await mutate(client, "eraseCustomer", {"id": cid, "reason": "Art. 17"}))

    texts = [t.lower() for t in await _all_text(graph)]
    for field, value in p.items():
        if field == "name":
            continue
        leaks = [t for t in texts if value.lower() in t]
        assert not leaks, f"{field} survived erasure: {leaks}"
    holders = await graph.read(
        "MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IS :: STRING AND n[k] CONTAINS $name) "
        "RETURN n.id AS id, n.name AS name",
        {"name": p["name"]},
    )
    assert holders == [{"id": raw(namesake), "name": p["name"]}]

    read = await gql(
        client,
        "query($id: ID!) { segment(id: $id) { name description filter version "
        "customers { totalCount } } }",
        {"id": segment["id"]},
    )
    assert read["segment"] == {
        "name": "Follow up [erased]",
        "description": "Everyone like [erased]",
        "filter": {"or": [{"email": {"eq": "[erased]"}}, {"phone": {"in": ["[erased]"]}}]},
        "version": segment["version"] + 1,
        "customers": {"totalCount": 0},
    }
    lead = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { leadSource } } }",
        {"id": world["B"]},
    )
    assert lead["node"]["leadSource"] == "Referred by [erased]"
