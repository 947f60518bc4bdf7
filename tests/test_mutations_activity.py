"""logInteraction, tag, untag, recordConsent."""

from __future__ import annotations

import asyncio

import httpx

from graphdb.driver import Graph
from tests._factories import new_company, new_contact, new_customer, new_product, new_user
from tests._gql import MALFORMED_ID, codes, error_fields, gql, missing_id, mutate, ok, raw
from tests._graph_counts import unchanged

INTERACTION = """interaction { id kind occurredAt subject summary outcome sentiment
  loggedBy { name } participants { __typename ... on Customer { id lastInteractionAt }
  ... on Contact { id } } }"""

# --- interactions ------------------------------------------------------------------------------


async def test_logged_interaction_links_participants_and_updates_recency(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await new_customer(client)
    contact_id = await new_contact(client)
    user_id = await new_user(client)
    payload = ok(
        await mutate(
            client,
            "logInteraction",
            {
                "kind": "CALL",
                "occurredAt": "2025-04-02T09:30:00+02:00",
                "subject": "Renewal",
                "summary": "Discussed the renewal.\nSend offer.",
                "outcome": "Offer by Friday",
                "sentiment": 0.5,
                "participantIds": [customer_id, contact_id, customer_id],
                "loggedById": user_id,
            },
            INTERACTION,
        )
    )
    interaction = payload["interaction"]
    assert interaction["kind"] == "CALL"
    assert interaction["sentiment"] == 0.5
    assert interaction["loggedBy"] == {"name": "Eva Kováčová"}
    by_type = {p["__typename"]: p for p in interaction["participants"]}
    assert set(by_type) == {"Customer", "Contact"}
    assert len(interaction["participants"]) == 2
    assert by_type["Customer"]["lastInteractionAt"] == "2025-04-02T07:30:00+00:00"


async def test_older_interaction_does_not_move_last_interaction_back(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await new_customer(client)
    for when in ("2025-04-02T00:00:00Z", "2025-01-01T00:00:00Z"):
        ok(
            await mutate(
                client,
                "logInteraction",
                {"kind": "EMAIL", "occurredAt": when, "participantIds": [customer_id]},
            )
        )
    data = await gql(
        client,
        "query Q($id: ID!) { node(id: $id) { ... on Customer { lastInteractionAt "
        "interactions { totalCount } } } }",
        {"id": customer_id},
    )
    assert data["node"] == {
        "lastInteractionAt": "2025-04-02T00:00:00+00:00",
        "interactions": {"totalCount": 2},
    }


async def test_concurrent_interactions_leave_the_newest_time(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    await asyncio.gather(
        *(
            mutate(
                client,
                "logInteraction",
                {
                    "kind": "CHAT",
                    "occurredAt": f"2025-01-{day:02d}T00:00:00Z",
                    "participantIds": [customer_id],
                },
            )
            for day in range(1, 21)
        )
    )
    rows = await graph.read(
        "MATCH (c:Customer {id: $id}) RETURN toString(c.lastInteractionAt) AS at",
        {"id": raw(customer_id)},
    )
    assert rows[0]["at"].startswith("2025-01-20T00:00")


async def test_interaction_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    async with unchanged(graph):
        nobody = await mutate(client, "logInteraction", {"kind": "CALL", "participantIds": []})
        bad = await mutate(
            client,
            "logInteraction",
            {
                "kind": "CALL",
                "participantIds": [product_id, MALFORMED_ID, missing_id("Contact")],
                "sentiment": -2,
                "loggedById": customer_id,
                "occurredAt": "2301-01-01T00:00:00Z",
            },
        )
        missing = await mutate(
            client,
            "logInteraction",
            {
                "kind": "CALL",
                "participantIds": [missing_id("Contact")],
                "loggedById": missing_id("User"),
            },
        )
    assert codes(nobody) == ["REQUIRED"]
    assert sorted(zip(codes(bad), map(tuple, error_fields(bad)), strict=True)) == sorted(
        [
            ("WRONG_TYPE", ("input", "participantIds", "0")),
            ("INVALID_ID", ("input", "participantIds", "1")),
            ("WRONG_TYPE", ("input", "loggedById")),
            ("OUT_OF_RANGE", ("input", "occurredAt")),
            ("OUT_OF_RANGE", ("input", "sentiment")),
        ]
    )
    assert codes(missing) == ["NOT_FOUND", "NOT_FOUND"]


# --- tags --------------------------------------------------------------------------------------


async def test_a_tag_is_one_per_name_regardless_of_case_and_keeps_its_first_spelling(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    customer_id = await new_customer(client)
    company_id = await new_company(client)
    payload = ok(
        await mutate(
            client,
            "tag",
            {"entityId": customer_id, "tags": [" VIP ", "vip", "Trade-Fair-2025"]},
            "customer { tags { edges { node { name } } } } contact { id } company { id }",
        )
    )
    names = sorted(e["node"]["name"] for e in payload["customer"]["tags"]["edges"])
    assert names == ["Trade-Fair-2025", "VIP"]
    assert payload["contact"] is None and payload["company"] is None
    ok(await mutate(client, "tag", {"entityId": company_id, "tags": ["Vip"]}))
    ok(await mutate(client, "tag", {"entityId": customer_id, "tags": ["vip"]}))
    rows = await graph.read(
        "MATCH (t:Tag) RETURN t.name AS name, t.key AS key, COUNT { (t)<-[:TAGGED]-() } AS uses "
        "ORDER BY key"
    )
    assert rows == [
        {"name": "Trade-Fair-2025", "key": "trade-fair-2025", "uses": 1},
        {"name": "VIP", "key": "vip", "uses": 2},
    ]


async def test_a_tag_filter_ignores_case(client: httpx.AsyncClient) -> None:
    tagged, other = await new_customer(client, "C-1"), await new_customer(client, "C-2")
    ok(await mutate(client, "tag", {"entityId": tagged, "tags": ["VIP"]}))
    ok(await mutate(client, "tag", {"entityId": other, "tags": ["Newsletter"]}))
    for spelling in ("VIP", "vip", " Vip "):
        for flt in ({"eq": spelling}, {"in": [spelling, "nobody"]}):
            data = await gql(
                client,
                "query($f: CustomerFilter) { customers(filter: $f) { edges { node { id } } } }",
                {"f": {"tags": {"name": flt}}},
            )
            assert [e["node"]["id"] for e in data["customers"]["edges"]] == [tagged], flt


async def test_migration_12_merges_tags_that_differ_only_in_case(graph: Graph) -> None:
    from graphdb.migrations.m0012_tag_keys import STATEMENTS

    # Tags as written before migration 12: no key, one node per spelling.
    await graph.write(
        "CREATE (:Tag {id: 'old', name: 'VIP', createdAt: datetime('2025-01-01T00:00:00Z')})"
        "<-[:TAGGED]-(:Customer {id: 'c1', name: 'One'}) "
        "CREATE (:Tag {id: 'new', name: 'vip', createdAt: datetime('2025-06-01T00:00:00Z')})"
        "<-[:TAGGED]-(:Customer {id: 'c2', name: 'Two'})"
    )
    for statement in STATEMENTS:
        await graph.write(statement)
    rows = await graph.read(
        "MATCH (t:Tag) RETURN t.id AS id, t.name AS name, t.key AS key, "
        "COLLECT { MATCH (t)<-[:TAGGED]-(c) RETURN c.id ORDER BY c.id } AS tagged"
    )
    assert rows == [{"id": "old", "name": "VIP", "key": "vip", "tagged": ["c1", "c2"]}]


async def test_untag_removes_only_the_named_tags(client: httpx.AsyncClient, graph: Graph) -> None:
    contact_id = await new_contact(client)
    ok(await mutate(client, "tag", {"entityId": contact_id, "tags": ["a", "b"]}))
    payload = ok(
        await mutate(
            client,
            "untag",
            {"entityId": contact_id, "tags": [" A ", "never-there"]},
            "contact { tags { edges { node { name } } } }",
        )
    )
    assert payload["contact"]["tags"]["edges"] == [{"node": {"name": "b"}}]
    rows = await graph.read("MATCH (t:Tag) RETURN count(t) AS n")
    assert rows[0]["n"] == 2


async def test_tag_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    customer_id = await new_customer(client)
    product_id = await new_product(client)
    async with unchanged(graph):
        bad_names = await mutate(
            client, "tag", {"entityId": customer_id, "tags": ["  ", "x" * 51, "ok"]}
        )
        none = await mutate(client, "tag", {"entityId": customer_id, "tags": []})
        wrong = await mutate(client, "tag", {"entityId": product_id, "tags": ["a"]})
        missing = await mutate(client, "untag", {"entityId": missing_id("Company"), "tags": ["a"]})
        malformed = await mutate(client, "untag", {"entityId": MALFORMED_ID, "tags": ["a"]})
    assert sorted(zip(codes(bad_names), map(tuple, error_fields(bad_names)), strict=True)) == [
        ("BLANK", ("input", "tags", "0")),
        ("TOO_LONG", ("input", "tags", "1")),
    ]
    assert codes(none) == ["REQUIRED"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(malformed) == ["INVALID_ID"]


# --- consents ----------------------------------------------------------------------------------


async def test_consent_history_is_kept(client: httpx.AsyncClient) -> None:
    customer_id = await new_customer(client)
    base = {"subjectId": customer_id, "channel": "EMAIL", "purpose": "newsletter"}
    ok(
        await mutate(
            client,
            "recordConsent",
            {**base, "granted": True, "recordedAt": "2024-01-01T00:00:00Z", "source": "web form"},
        )
    )
    payload = ok(
        await mutate(
            client,
            "recordConsent",
            {**base, "granted": False, "recordedAt": "2025-01-01T00:00:00Z"},
            "consent { granted channel purpose source } "
            "customer { consents { granted recordedAt } } contact { id }",
        )
    )
    assert payload["consent"] == {
        "granted": False,
        "channel": "EMAIL",
        "purpose": "newsletter",
        "source": None,
    }
    assert payload["contact"] is None
    assert payload["customer"]["consents"] == [
        {"granted": False, "recordedAt": "2025-01-01T00:00:00+00:00"},
        {"granted": True, "recordedAt": "2024-01-01T00:00:00+00:00"},
    ]


async def test_consent_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    company_id = await new_company(client)
    contact_id = await new_contact(client)
    base = {"channel": "SMS", "purpose": "offers", "granted": True}
    async with unchanged(graph):
        wrong = await mutate(client, "recordConsent", {**base, "subjectId": company_id})
        missing = await mutate(
            client, "recordConsent", {**base, "subjectId": missing_id("Contact")}
        )
        malformed = await mutate(client, "recordConsent", {**base, "subjectId": MALFORMED_ID})
        blank = await mutate(
            client, "recordConsent", {**base, "subjectId": contact_id, "purpose": " "}
        )
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(malformed) == ["INVALID_ID"]
    assert codes(blank) == ["BLANK"]
