"""mergeCustomers / mergeContacts over HTTP: everything moves, nothing duplicates, no loops."""

from __future__ import annotations

from typing import Any

import httpx

from graphdb.driver import Graph
from tests._factories import new_company, new_contact, new_customer, new_product, new_user
from tests._gql import codes, error_fields, gql, missing_id, mutate, ok, raw
from tests._graph_counts import unchanged

TYPES = (
    "PLACED",
    "WITH",
    "TAGGED",
    "HAS_CONSENT",
    "MANAGES",
    "ACCOUNT_OF",
    "REFERRED",
    "WORKS_AT",
    "REPORTS_TO",
    "KNOWS",
    "CONTAINS",
    "LOGGED",
)


async def _rels(graph: Graph) -> dict[str, int]:
    rows = await graph.read(
        "MATCH ()-[r]->() WHERE type(r) IN $types RETURN type(r) AS t, count(*) AS n",
        {"types": list(TYPES)},
    )
    counts = dict.fromkeys(TYPES, 0)
    counts.update({row["t"]: row["n"] for row in rows})
    return counts


async def _nodes(graph: Graph, label: str) -> int:
    rows = await graph.read(f"MATCH (n:{label}) RETURN count(n) AS n")
    return int(rows[0]["n"])


async def _order(client: httpx.AsyncClient, customer: str, sku: str, qty: int, at: str) -> None:
    ok(
        await mutate(
            client,
            "placeOrder",
            {"customerId": customer, "placedAt": at, "lines": [{"sku": sku, "quantity": qty}]},
        )
    )


async def _interaction(client: httpx.AsyncClient, at: str, *who: str) -> None:
    ok(
        await mutate(
            client,
            "logInteraction",
            {"kind": "CALL", "occurredAt": at, "participantIds": list(who)},
        )
    )


async def _refer(client: httpx.AsyncClient, referrer: str, referred: str) -> None:
    ok(await mutate(client, "recordReferral", {"referrerId": referrer, "referredId": referred}))


async def _tag(client: httpx.AsyncClient, who: str, *tags: str) -> None:
    ok(await mutate(client, "tag", {"entityId": who, "tags": list(tags)}))


async def _consent(client: httpx.AsyncClient, who: str, channel: str) -> None:
    ok(
        await mutate(
            client,
            "recordConsent",
            {"subjectId": who, "channel": channel, "purpose": "newsletter", "granted": True},
        )
    )


async def _no_referral_loops(graph: Graph) -> None:
    rows = await graph.read(
        "RETURN COUNT { MATCH (c:Customer) WHERE EXISTS { (c)-[:REFERRED*1..]->(c) } } AS loops, "
        "COUNT { MATCH (c:Customer) WHERE COUNT { (c)<-[:REFERRED]-() } > 1 } AS twice"
    )
    assert rows[0] == {"loops": 0, "twice": 0}


CUSTOMER = """
  id version name email phone mergedFrom orderCount totalSpent firstOrderAt lastOrderAt
  lastInteractionAt address { city country }
  orders { totalCount } interactions { totalCount }
  tags { edges { node { name } } } consents { channel }
  accountManager { id } referredBy { referrer { ... on Customer { id } ... on Contact { id } } }
  referrals { edges { node { referred { id } } } }
"""


async def test_merge_customers_moves_everything_once(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_product(client, "BOLT", price="10.00")
    eva = await new_user(client, "eva@rapport.example")
    ivan = await new_user(client, "ivan@rapport.example")
    keep = await new_customer(
        client, "K-1", name="Jana Nováková", phone="+421905111222", accountManagerId=eva
    )
    dup = await new_customer(
        client,
        "K-2",
        name="Jana Novakova",
        email="jana@example.sk",
        phone="+421905999888",
        address={"city": "Žilina", "country": "SK"},
        accountManagerId=ivan,
    )
    referrer = await new_customer(client, "REF", name="Referrer")
    friend = await new_customer(client, "FRIEND", name="Friend")
    await _refer(client, referrer, dup)  # the duplicate was referred; the kept one was not
    await _refer(client, dup, friend)  # the duplicate referred someone
    await _order(client, keep, "BOLT", 1, "2025-01-10T10:00:00Z")
    await _order(client, dup, "BOLT", 2, "2024-06-01T10:00:00Z")
    await _order(client, dup, "BOLT", 3, "2025-03-01T10:00:00Z")
    await _interaction(client, "2025-02-01T09:00:00Z", keep, dup)  # both took part
    await _interaction(client, "2025-04-01T09:00:00Z", dup)
    await _tag(client, keep, "vip")
    await _tag(client, dup, "vip", "fair")
    await _consent(client, keep, "EMAIL")
    await _consent(client, dup, "PHONE")

    before, customers_before = await _rels(graph), await _nodes(graph, "Customer")
    version = (await gql(client, f'{{ node(id: "{keep}") {{ ... on Customer {{ version }} }} }}'))[
        "node"
    ]["version"]
    payload = ok(
        await mutate(
            client,
            "mergeCustomers",
            {"keepId": keep, "mergeId": dup, "expectedVersion": version},
            f"mergedId customer {{ {CUSTOMER} }}",
        )
    )
    after = await _rels(graph)
    # one WITH (the shared interaction), one TAGGED (vip twice) and one MANAGES (the kept
    # account's manager stays) collapse; everything else is conserved
    assert after == {
        **before,
        "WITH": before["WITH"] - 1,
        "TAGGED": before["TAGGED"] - 1,
        "MANAGES": before["MANAGES"] - 1,
    }
    assert await _nodes(graph, "Customer") == customers_before - 1
    assert payload["mergedId"] == dup

    c = payload["customer"]
    assert c["id"] == keep
    assert c["version"] == version + 1
    assert c["mergedFrom"] == [dup]
    assert c["name"] == "Jana Nováková"  # conflicts keep the kept value
    assert c["phone"] == "+421905111222"
    assert c["email"] == "jana@example.sk"  # empty fields are filled
    assert c["address"] == {"city": "Žilina", "country": "SK"}
    assert c["orders"]["totalCount"] == 3
    assert (c["orderCount"], c["totalSpent"]) == (3, "60.00")
    assert c["firstOrderAt"].startswith("2024-06-01T10:00:00")
    assert c["lastOrderAt"].startswith("2025-03-01T10:00:00")
    assert c["lastInteractionAt"].startswith("2025-04-01T09:00:00")
    assert c["interactions"]["totalCount"] == 2
    assert sorted(e["node"]["name"] for e in c["tags"]["edges"]) == ["fair", "vip"]
    assert sorted(x["channel"] for x in c["consents"]) == ["EMAIL", "PHONE"]
    assert c["accountManager"]["id"] == eva
    assert c["referredBy"]["referrer"]["id"] == referrer
    assert [e["node"]["referred"]["id"] for e in c["referrals"]["edges"]] == [friend]

    gone = await gql(client, f'{{ node(id: "{dup}") {{ id }} }}')
    assert gone["node"] is None
    await _no_referral_loops(graph)

    # provenance accumulates over merges
    third = await new_customer(client, "K-3", name="Jana N.")
    again = ok(
        await mutate(
            client, "mergeCustomers", {"keepId": third, "mergeId": keep}, "customer { mergedFrom }"
        )
    )
    assert again["customer"]["mergedFrom"] == [keep, dup]


async def test_merge_keeps_one_referral_and_never_closes_a_loop(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # dup -> a -> keep: keeping a's referral of `keep` would close dup=keep -> a -> keep
    keep, dup, a = [await new_customer(client, x, name=x) for x in ("KEEP", "DUP", "A")]
    await _refer(client, dup, a)
    await _refer(client, a, keep)
    ok(await mutate(client, "mergeCustomers", {"keepId": keep, "mergeId": dup}))
    await _no_referral_loops(graph)
    rows = await graph.read(
        "MATCH (x:Customer)-[:REFERRED]->(y:Customer) RETURN x.externalId AS x, y.externalId AS y"
    )
    assert rows == [{"x": "KEEP", "y": "A"}]

    # both referred: the kept customer's referral wins, the other is dropped
    k2, d2, x, y = [await new_customer(client, n, name=n) for n in ("K2", "D2", "X", "Y")]
    await _refer(client, x, k2)
    await _refer(client, y, d2)
    ok(await mutate(client, "mergeCustomers", {"keepId": k2, "mergeId": d2}))
    rows = await graph.read(
        "MATCH (r)-[:REFERRED]->(:Customer {id: $id}) RETURN r.externalId AS r", {"id": raw(k2)}
    )
    assert rows == [{"r": "X"}]

    # one referred the other: that referral disappears (it would be a self-loop)
    k3, d3 = [await new_customer(client, n, name=n) for n in ("K3", "D3")]
    await _refer(client, k3, d3)
    ok(await mutate(client, "mergeCustomers", {"keepId": k3, "mergeId": d3}))
    rows = await graph.read(
        "MATCH (:Customer {id: $id})-[r:REFERRED]-() RETURN count(r) AS n", {"id": raw(k3)}
    )
    assert rows[0]["n"] == 0
    await _no_referral_loops(graph)


async def test_merge_contacts_jobs_org_chart_and_acquaintances(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    acme, beta = await new_company(client, "Acme s.r.o."), await new_company(client, "Beta a.s.")
    keep = await new_contact(client, "Peter", "Horváth")
    dup = await new_contact(client, "Petr", "Horvath", email="peter@acme.sk")
    boss, report, x, y = [
        await new_contact(client, n, "Kováč") for n in ("Boss", "Report", "Xena", "Yuri")
    ]
    job = "setEmployment"
    ok(await mutate(client, job, {"contactId": keep, "companyId": acme}))
    ok(await mutate(client, job, {"contactId": dup, "companyId": acme, "jobTitle": "Buyer"}))
    ok(await mutate(client, job, {"contactId": dup, "companyId": beta, "jobTitle": "Advisor"}))
    ok(await mutate(client, "setReportsTo", {"contactId": dup, "managerId": boss}))
    ok(await mutate(client, "setReportsTo", {"contactId": report, "managerId": dup}))
    for a, b in ((keep, dup), (dup, x), (dup, y), (keep, y)):
        ok(await mutate(client, "connectContacts", {"contactId": a, "otherId": b}))
    await _tag(client, keep, "champion")
    await _tag(client, dup, "champion", "fair")
    await _consent(client, dup, "EMAIL")
    await _interaction(client, "2025-02-01T09:00:00Z", keep, dup)

    before, contacts_before = await _rels(graph), await _nodes(graph, "Contact")
    payload = ok(
        await mutate(
            client,
            "mergeContacts",
            {"keepId": keep, "mergeId": dup},
            "mergedId contact { id fullName email employments { edges { jobTitle node { name } } } "
            "reportsTo { fullName } directReports { edges { node { fullName } } } "
            "knows { edges { node { fullName } } } tags { edges { node { name } } } "
            "consents { channel } interactions { totalCount } }",
        )
    )
    after = await _rels(graph)
    assert after == {
        **before,
        "WORKS_AT": before["WORKS_AT"] - 1,  # both at Acme: one job, title filled in
        "KNOWS": before["KNOWS"] - 2,  # keep-dup (self) and dup-y (keep already knows y)
        "TAGGED": before["TAGGED"] - 1,  # champion twice
        "WITH": before["WITH"] - 1,  # the shared interaction
    }
    assert await _nodes(graph, "Contact") == contacts_before - 1
    c = payload["contact"]
    assert c["fullName"] == "Peter Horváth"
    assert c["email"] == "peter@acme.sk"
    jobs = sorted((e["node"]["name"], e["jobTitle"]) for e in c["employments"]["edges"])
    assert jobs == [("Acme s.r.o.", "Buyer"), ("Beta a.s.", "Advisor")]
    assert c["reportsTo"]["fullName"] == "Boss Kováč"
    assert [e["node"]["fullName"] for e in c["directReports"]["edges"]] == ["Report Kováč"]
    assert sorted(e["node"]["fullName"] for e in c["knows"]["edges"]) == [
        "Xena Kováč",
        "Yuri Kováč",
    ]
    assert sorted(e["node"]["name"] for e in c["tags"]["edges"]) == ["champion", "fair"]
    assert [x["channel"] for x in c["consents"]] == ["EMAIL"]
    assert c["interactions"]["totalCount"] == 1
    rows = await graph.read(
        "MATCH (p:Contact {id: $id}) RETURN p.mergedFrom AS m, p.version AS v", {"id": raw(keep)}
    )
    assert rows == [{"m": [dup], "v": 2}]


async def test_merge_contacts_never_closes_a_reporting_loop(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # keep reports to boss, boss reports to dup: as one person, keep would report to itself
    keep, dup, boss, top = [await new_contact(client, n, "Z") for n in ("K", "D", "B", "T")]
    ok(await mutate(client, "setReportsTo", {"contactId": keep, "managerId": boss}))
    ok(await mutate(client, "setReportsTo", {"contactId": boss, "managerId": dup}))
    ok(await mutate(client, "setReportsTo", {"contactId": dup, "managerId": top}))
    ok(await mutate(client, "mergeContacts", {"keepId": keep, "mergeId": dup}))
    rows = await graph.read(
        "MATCH (a:Contact)-[:REPORTS_TO]->(b:Contact) RETURN a.firstName AS a, b.firstName AS b "
        "ORDER BY a"
    )
    assert rows == [{"a": "B", "b": "K"}, {"a": "K", "b": "T"}]
    loops = await graph.read(
        "MATCH (c:Contact) WHERE EXISTS { (c)-[:REPORTS_TO*1..]->(c) } RETURN count(c) AS n"
    )
    assert loops[0]["n"] == 0


async def _refused(
    client: httpx.AsyncClient, graph: Graph, name: str, input: dict[str, Any]
) -> dict[str, Any]:
    async with unchanged(graph):
        payload = await mutate(client, name, input, "mergedId")
    assert payload["mergedId"] is None
    return payload


async def test_refusals_write_nothing(client: httpx.AsyncClient, graph: Graph) -> None:
    keep = await new_customer(client, "K-1")
    dup = await new_customer(client, "K-2")
    contact = await new_contact(client)
    await _tag(client, dup, "vip")

    same = await _refused(client, graph, "mergeCustomers", {"keepId": keep, "mergeId": keep})
    assert codes(same) == ["SAME_NODE"]
    assert error_fields(same) == [["input", "mergeId"]]

    wrong = await _refused(client, graph, "mergeCustomers", {"keepId": keep, "mergeId": contact})
    assert codes(wrong) == ["WRONG_TYPE"]
    wrong = await _refused(client, graph, "mergeContacts", {"keepId": contact, "mergeId": dup})
    assert codes(wrong) == ["WRONG_TYPE"]

    missing = missing_id("Customer")
    gone = await _refused(client, graph, "mergeCustomers", {"keepId": keep, "mergeId": missing})
    assert codes(gone) == ["NOT_FOUND"]
    assert error_fields(gone) == [["input", "mergeId"]]
    gone = await _refused(client, graph, "mergeCustomers", {"keepId": missing, "mergeId": dup})
    assert error_fields(gone) == [["input", "keepId"]]

    stale = await _refused(
        client, graph, "mergeCustomers", {"keepId": keep, "mergeId": dup, "expectedVersion": 7}
    )
    assert codes(stale) == ["VERSION_CONFLICT"]
    stale = await _refused(
        client,
        graph,
        "mergeCustomers",
        {"keepId": keep, "mergeId": dup, "mergeExpectedVersion": 7},
    )
    assert error_fields(stale) == [["input", "mergeExpectedVersion"]]

    bad = await _refused(client, graph, "mergeCustomers", {"keepId": "nope", "mergeId": dup})
    assert codes(bad) == ["INVALID_ID"]
