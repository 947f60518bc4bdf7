"""Saved segments: named, dynamic customer filters with an optional consent rule (issue 5.8).

A segment's members are whatever its filter selects *now*, read through the same compiler as
`customers`, in one statement per root field. The oracle test builds random customer bases and
compares every segment's members, page by page, with the same rule evaluated in Python.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from graphdb.driver import Graph
from graphdb.segments import SEGMENTS
from rapport.cli import app
from tests._factories import new_customer
from tests._gql import codes, error_fields, gql, missing_id, mutate, ok, raw
from tests._graph_counts import unchanged
from tests.graphql_client import gql as gql_body

SEGMENT = "segment { id name description filter requireConsent { channel purpose } version }"
COUNTRIES = ("SK", "CZ", "PL", "PT", "CN")
STAGES = ("LEAD", "PROSPECT", "CUSTOMER", "CHURNED")
TAGS = ("vip", "trade-fair", "newsletter")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

MEMBERS = """
query Members($id: ID!, $first: Int, $after: String) {
  segment(id: $id) {
    name
    customers(first: $first, after: $after) {
      totalCount
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


@dataclass
class FakeCustomer:
    id: str
    name: str
    country: str
    stage: str
    lead_score: int
    spent: int  # whole euros
    tags: set[str]
    #: (channel, purpose, granted, recorded day offset) in no particular order
    consents: list[tuple[str, str, bool, int]] = field(default_factory=list)

    def granted(self, channel: str, purpose: str) -> bool:
        records = [c for c in self.consents if (c[0], c[1]) == (channel, purpose)]
        return bool(records) and max(records, key=lambda c: c[3])[2]


def _random_customers(rng: random.Random, n: int) -> list[FakeCustomer]:
    customers = []
    for i in range(n):
        consents = [
            (
                rng.choice(("EMAIL", "SMS")),
                rng.choice(("newsletter", "offers")),
                rng.random() < 0.6,
                day,
            )
            for day in rng.sample(range(100), rng.randint(0, 4))
        ]
        customers.append(
            FakeCustomer(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                name=f"Customer {i:03d} {rng.choice('ABCDEFGH')}",
                country=rng.choice(COUNTRIES),
                stage=rng.choice(STAGES),
                lead_score=rng.randint(0, 100),
                spent=rng.choice((0, 0, 50, 120, 999, 1000, 4800, 12000)),
                tags={t for t in TAGS if rng.random() < 0.3},
                consents=consents,
            )
        )
    return customers


async def _store(graph: Graph, customers: list[FakeCustomer]) -> None:
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "country": c.country,
            "stage": c.stage,
            "leadScore": c.lead_score,
            "spent": c.spent * 10_000,  # money is stored in ten-thousandths
            "tags": sorted(c.tags),
            "consents": [
                {
                    "id": str(uuid.uuid4()),
                    "channel": ch,
                    "purpose": pu,
                    "granted": g,
                    "recordedAt": NOW + dt.timedelta(days=day),
                }
                for ch, pu, g, day in c.consents
            ],
        }
        for c in customers
    ]
    await graph.write(
        "UNWIND $rows AS row "
        "CREATE (c:Customer {id: row.id, name: row.name, kind: 'INDIVIDUAL', country: row.country, "
        "  lifecycleStage: row.stage, leadScore: row.leadScore, totalSpent: row.spent, "
        "  orderCount: 0, version: 1, createdAt: $now, updatedAt: $now, externalId: row.id}) "
        "FOREACH (t IN row.tags | MERGE (tag:Tag {key: toLower(t)}) "
        "  ON CREATE SET tag.id = randomUUID(), tag.name = t, tag.version = 1, "
        "  tag.createdAt = $now, tag.updatedAt = $now MERGE (c)-[:TAGGED]->(tag)) "
        "FOREACH (k IN row.consents | CREATE (c)-[:HAS_CONSENT]->(:Consent {id: k.id, "
        "  channel: k.channel, purpose: k.purpose, granted: k.granted, "
        "  recordedAt: k.recordedAt, createdAt: $now, updatedAt: $now, version: 1}))",
        {"rows": rows, "now": NOW},
    )


#: (saved filter, consent rule or None, the same rule in Python)
Rule = tuple[dict[str, Any], dict[str, str] | None, Callable[[FakeCustomer], bool]]

RULES: list[Rule] = [
    ({}, None, lambda c: True),
    ({"country": {"eq": "SK"}}, None, lambda c: c.country == "SK"),
    (
        {"country": {"in": ["CZ", "PL"]}, "lifecycleStage": {"eq": "CUSTOMER"}},
        None,
        lambda c: c.country in ("CZ", "PL") and c.stage == "CUSTOMER",
    ),
    (
        {"totalSpent": {"gte": "1000"}, "leadScore": {"lt": 50}},
        None,
        lambda c: c.spent >= 1000 and c.lead_score < 50,
    ),
    ({"tags": {"name": {"eq": "vip"}}}, None, lambda c: "vip" in c.tags),
    (
        {"or": [{"tags": {"name": {"eq": "trade-fair"}}}, {"not": {"country": {"eq": "CN"}}}]},
        {"channel": "EMAIL", "purpose": "newsletter"},
        lambda c: (
            ("trade-fair" in c.tags or c.country != "CN") and c.granted("EMAIL", "newsletter")
        ),
    ),
    ({}, {"channel": "SMS", "purpose": "offers"}, lambda c: c.granted("SMS", "offers")),
]


async def _create(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    payload = ok(await mutate(client, "createSegment", {"name": name, **fields}, SEGMENT))
    return payload["segment"]  # type: ignore[no-any-return]


async def _all_members(client: httpx.AsyncClient, segment_id: str, page: int) -> list[str]:
    """Every member's name, following cursors; checks totalCount on each page."""
    names: list[str] = []
    after = None
    while True:
        body = await gql_body(
            client, MEMBERS, {"id": segment_id, "first": page, "after": after}, **{"X-Debug": "1"}
        )
        assert not body.get("errors"), body["errors"]
        members = body["data"]["segment"]["customers"]
        names += [e["node"]["name"] for e in members["edges"]]
        if not members["pageInfo"]["hasNextPage"]:
            assert members["totalCount"] == len(names)
            return names
        after = members["pageInfo"]["endCursor"]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_members_are_exactly_the_customers_the_rule_selects(
    client: httpx.AsyncClient, graph: Graph, seed: int
) -> None:
    rng = random.Random(seed)
    customers = _random_customers(rng, 80)
    await _store(graph, customers)
    for i, (flt, consent, rule) in enumerate(RULES):
        segment = await _create(client, f"Rule {i}", filter=flt, requireConsent=consent)
        expected = sorted(c.name for c in customers if rule(c))
        assert await _all_members(client, segment["id"], page=rng.choice((7, 20, 100))) == expected


async def test_saved_filter_reads_back_as_it_was_sent(client: httpx.AsyncClient) -> None:
    flt = {"country": {"in": ["SK", "CZ"]}, "totalSpent": {"gte": "1000.5"}}
    segment = await _create(
        client,
        "Big spenders",
        description="Over a thousand euros",
        filter=flt,
        requireConsent={"channel": "EMAIL", "purpose": "offers"},
    )
    assert segment["filter"] == {"country": {"in": ["SK", "CZ"]}, "totalSpent": {"gte": "1000.50"}}
    assert segment["requireConsent"] == {"channel": "EMAIL", "purpose": "offers"}
    assert segment["version"] == 1
    listed = await gql(client, "{ segments { edges { node { name filter } } totalCount } }")
    assert listed["segments"]["totalCount"] == 1
    assert listed["segments"]["edges"][0]["node"]["filter"] == segment["filter"]


async def test_members_follow_the_data_and_the_filter(client: httpx.AsyncClient) -> None:
    segment = await _create(client, "Slovaks", filter={"country": {"eq": "SK"}})
    assert await _all_members(client, segment["id"], 10) == []
    await new_customer(client, "Jana", address={"country": "SK"})
    await new_customer(client, "Tomas", address={"country": "CZ"})
    assert await _all_members(client, segment["id"], 10) == ["Jana"]
    updated = ok(
        await mutate(
            client,
            "updateSegment",
            {"id": segment["id"], "filter": {"country": {"in": ["SK", "CZ"]}}},
            SEGMENT,
        )
    )["segment"]
    assert updated["version"] == 2
    assert await _all_members(client, segment["id"], 10) == ["Jana", "Tomas"]
    ok(await mutate(client, "updateSegment", {"id": segment["id"], "filter": None}))
    assert await _all_members(client, segment["id"], 10) == ["Jana", "Tomas"]


async def test_a_later_refusal_overrides_an_earlier_consent(client: httpx.AsyncClient) -> None:
    segment = await _create(
        client, "Newsletter", requireConsent={"channel": "EMAIL", "purpose": "newsletter"}
    )
    ids = {name: await new_customer(client, name) for name in ("Ana", "Bo", "Cy", "Di")}

    async def consent(name: str, granted: bool, at: str, purpose: str = "newsletter") -> None:
        data = {
            "subjectId": ids[name],
            "channel": "EMAIL",
            "purpose": purpose,
            "granted": granted,
            "recordedAt": at,
        }
        ok(await mutate(client, "recordConsent", data))

    await consent("Ana", True, "2025-01-01T00:00:00Z")
    await consent("Bo", True, "2025-01-01T00:00:00Z")
    await consent("Bo", False, "2025-06-01T00:00:00Z")  # withdrawn later
    await consent("Cy", False, "2025-01-01T00:00:00Z")
    await consent("Cy", True, "2025-06-01T00:00:00Z")  # granted later
    await consent("Di", True, "2025-01-01T00:00:00Z", purpose="offers")  # another purpose
    assert await _all_members(client, segment["id"], 10) == ["Ana", "Cy"]
    ok(await mutate(client, "updateSegment", {"id": segment["id"], "requireConsent": None}))
    assert await _all_members(client, segment["id"], 10) == ["Ana", "Bo", "Cy", "Di"]


async def test_members_can_be_narrowed_sorted_and_counted_in_one_statement(
    client: httpx.AsyncClient,
) -> None:
    segment = await _create(client, "Scored", filter={"leadScore": {"gte": 10}})
    for name, score in (("Low", 5), ("Mid", 40), ("High", 90), ("Top", 99)):
        await new_customer(client, name, leadScore=score)
    body = await gql_body(
        client,
        """query($id: ID!) {
          segment(id: $id) {
            hot: customers(filter: {leadScore: {gte: 90}}, orderBy: [{field: LEAD_SCORE,
              direction: DESC}]) { totalCount edges { node { name leadScore } } }
            all: customers(first: 1) { totalCount edges { node { name } } }
          }
          segments { edges { node { name customers { totalCount } } } }
        }""",
        {"id": segment["id"]},
        **{"X-Debug": "1"},
    )
    assert not body.get("errors"), body["errors"]
    hot = body["data"]["segment"]["hot"]
    assert [e["node"]["name"] for e in hot["edges"]] == ["Top", "High"]
    assert hot["totalCount"] == 2
    assert body["data"]["segment"]["all"]["totalCount"] == 3
    assert body["data"]["segments"]["edges"][0]["node"]["customers"]["totalCount"] == 3
    assert body["extensions"]["statementCount"] == 2  # one per root field


async def test_a_segment_changed_by_another_process_is_never_read_stale(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    segment = await _create(client, "Czechs", filter={"country": {"eq": "CZ"}})
    await new_customer(client, "Jana", address={"country": "SK"})
    await new_customer(client, "Tomas", address={"country": "CZ"})
    assert await _all_members(client, segment["id"], 10) == ["Tomas"]
    # Another server process edits the segment: this process's registry still has version 1.
    await graph.write(
        "MATCH (s:Segment {id: $id}) SET s.filter = $filter, s.version = s.version + 1",
        {"id": raw(segment["id"]), "filter": '{"country": {"eq": "SK"}}'},
    )
    assert await _all_members(client, segment["id"], 10) == ["Jana"]
    # …and one this process has never seen.
    SEGMENTS.replace([])
    listed = await gql(client, "{ segments { edges { node { customers { totalCount } } } } }")
    assert listed["segments"]["edges"][0]["node"]["customers"]["totalCount"] == 1


async def test_deleting_a_segment_keeps_its_customers(client: httpx.AsyncClient) -> None:
    segment = await _create(client, "Everyone")
    await new_customer(client, "Jana")
    payload = ok(await mutate(client, "deleteSegment", {"id": segment["id"]}, "deletedId"))
    assert payload["deletedId"] == segment["id"]
    data = await gql(
        client,
        "query($id: ID!) { segment(id: $id) { name } customers { totalCount } }",
        {"id": segment["id"]},
    )
    assert data == {"segment": None, "customers": {"totalCount": 1}}


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"name": "  "}, "BLANK", ["input", "name"]),
        ({"name": "x" * 201}, "TOO_LONG", ["input", "name"]),
        (
            {"name": "Bad id", "filter": {"accountManager": {"id": {"eq": "nope"}}}},
            "INVALID_ID",
            ["input", "filter", "accountManager", "id", "eq"],
        ),
        (
            {"name": "Too precise", "filter": {"totalSpent": {"gte": "1.00001"}}},
            "INVALID_VALUE",
            ["input", "filter", "totalSpent", "gte"],
        ),
        (
            {"name": "No purpose", "requireConsent": {"channel": "EMAIL", "purpose": " "}},
            "BLANK",
            ["input", "requireConsent", "purpose"],
        ),
        (
            {"name": "Huge", "filter": {"name": {"in": ["x" * 50] * 500}}},
            "TOO_LONG",
            ["input", "filter"],
        ),
    ],
)
async def test_invalid_segments_are_refused_and_write_nothing(
    client: httpx.AsyncClient, graph: Graph, data: dict[str, Any], code: str, field: list[str]
) -> None:
    async with unchanged(graph):
        payload = await mutate(client, "createSegment", data, SEGMENT)
    assert payload["segment"] is None
    assert codes(payload) == [code]
    assert error_fields(payload) == [field]


async def test_segment_names_are_unique(client: httpx.AsyncClient, graph: Graph) -> None:
    await _create(client, "VIP")
    other = await _create(client, "Other")
    async with unchanged(graph):
        created = await mutate(client, "createSegment", {"name": "VIP"})
        renamed = await mutate(client, "updateSegment", {"id": other["id"], "name": "VIP"})
    assert codes(created) == codes(renamed) == ["DUPLICATE"]
    assert error_fields(renamed) == [["input", "name"]]


async def test_stale_version_and_unknown_ids_are_refused(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    segment = await _create(client, "VIP")
    customer = await new_customer(client, "Jana")
    async with unchanged(graph):
        stale = await mutate(
            client, "updateSegment", {"id": segment["id"], "expectedVersion": 7, "name": "X"}
        )
        unknown = await mutate(client, "updateSegment", {"id": missing_id("Segment"), "name": "X"})
        wrong_type = await mutate(client, "deleteSegment", {"id": customer})
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(unknown) == ["NOT_FOUND"]
    assert codes(wrong_type) == ["WRONG_TYPE"]
    body = await gql_body(client, "query($id: ID!) { segment(id: $id) { name } }", {"id": customer})
    assert body["errors"][0]["extensions"]["code"] == "WRONG_TYPE"


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_only_managers_and_admins_save_segments(
    live_server_url: str, graph: Graph, make_token: Any, role: str
) -> None:
    token = await make_token(role)
    async with (
        httpx.AsyncClient(
            base_url=live_server_url, headers={"Authorization": f"Bearer {token}"}
        ) as http,
        unchanged(graph),
    ):
        payload = await mutate(http, "createSegment", {"name": "Mine"}, SEGMENT)
    assert codes(payload) == ["FORBIDDEN"]


async def test_masked_roles_see_members_masked_but_not_segments_built_on_personal_data(
    client: httpx.AsyncClient, live_server_url: str, make_token: Any
) -> None:
    by_country = await _create(client, "Slovaks", filter={"country": {"eq": "SK"}})
    by_email = await _create(client, "Gmail", filter={"email": {"contains": "gmail"}})
    await new_customer(client, "Jana", email="jana@gmail.com", address={"country": "SK"})
    token = await make_token("ANALYST")
    async with httpx.AsyncClient(
        base_url=live_server_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        seen = await gql(
            http,
            "query($id: ID!) { segment(id: $id) { customers { edges { node { name email } } } } }",
            {"id": by_country["id"]},
        )
        refused = await gql_body(
            http,
            "query($id: ID!) { segment(id: $id) { customers { totalCount } } }",
            {"id": by_email["id"]},
        )
        names_only = await gql(http, "{ segments { totalCount edges { node { name } } } }")
    assert seen["segment"]["customers"]["edges"] == [{"node": {"name": "Jana", "email": None}}]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN_FIELD"
    assert names_only["segments"]["totalCount"] == 2


PERSONAL_FILTER = {
    "or": [
        {"email": {"eq": "jana.private@gmail.com"}},
        {"phone": {"in": ["+421901222333", "+421901222444"]}},
        {"not": {"postalCode": {"startsWith": "811"}}},
    ],
    "addressLine1": {"isNull": False},
    "country": {"eq": "SK"},
    "company": {"industry": {"eq": "Retail"}},
}

MASKED_FILTER = {
    "or": [
        {"email": {"eq": "[masked]"}},
        {"phone": {"in": ["[masked]", "[masked]"]}},
        {"not": {"postalCode": {"startsWith": "[masked]"}}},
    ],
    "addressLine1": {"isNull": False},
    "country": {"eq": "SK"},
    "company": {"industry": {"eq": "Retail"}},
}


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_personal_values_in_saved_filters_are_masked_for_masked_roles(
    client: httpx.AsyncClient, live_server_url: str, make_token: Any, role: str
) -> None:
    saved = await _create(client, "Private", filter=PERSONAL_FILTER)
    assert saved["filter"] == PERSONAL_FILTER  # ADMIN sees the filter as saved
    token = await make_token(role)
    async with httpx.AsyncClient(
        base_url=live_server_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        one = await gql(
            http, "query($id: ID!) { segment(id: $id) { filter } }", {"id": saved["id"]}
        )
        listed = await gql(http, "{ segments { edges { node { filter } } } }")
        as_node = await gql(
            http,
            "query($id: ID!) { node(id: $id) { ... on Segment { f: filter } } }",
            {"id": saved["id"]},
        )
    assert one["segment"]["filter"] == MASKED_FILTER
    assert listed["segments"]["edges"] == [{"node": {"filter": MASKED_FILTER}}]
    assert as_node["node"]["f"] == MASKED_FILTER
    for body in (one, listed, as_node):
        assert "jana.private" not in str(body) and "+42190122" not in str(body)


async def test_a_stored_filter_the_schema_no_longer_accepts_is_reported(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    segment = await _create(client, "Old")
    await graph.write(
        'MATCH (s:Segment {id: $id}) SET s.filter = \'{"shoeSize": {"eq": 42}}\', '
        "s.version = s.version + 1",
        {"id": raw(segment["id"])},
    )
    body = await gql_body(
        client,
        "query($id: ID!) { segment(id: $id) { customers { totalCount } } }",
        {"id": segment["id"]},
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FILTER"
    assert "shoeSize" in body["errors"][0]["message"]


# --- export --segment -----------------------------------------------------------------------------


def _export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["export", "--no-progress", *args])
    return result.exit_code, result.output


async def test_export_of_a_segment_writes_exactly_its_members(
    client: httpx.AsyncClient, graph: Graph, cli_env: Path
) -> None:
    rng = random.Random(11)
    customers = _random_customers(rng, 40)
    await _store(graph, customers)
    flt, consent, rule = RULES[5]
    segment = await _create(client, "Newsletter", filter=flt, requireConsent=consent)
    expected = sorted(c.id for c in customers if rule(c))
    for key in (segment["id"], "Newsletter"):
        out = cli_env / "members.csv"
        code, output = await asyncio.to_thread(
            _export, "--type", "customers", "--segment", key, "--out", str(out)
        )
        assert code == 0, output
        with out.open(encoding="utf-8") as handle:
            # The export's `id` column holds the global ids clients use.
            assert sorted(raw(row["id"]) for row in csv.DictReader(handle)) == expected


async def test_export_of_a_segment_refuses_what_it_cannot_do(
    client: httpx.AsyncClient, cli_env: Path, make_token: Any
) -> None:
    await _create(client, "Gmail", filter={"email": {"contains": "gmail"}})
    analyst = await make_token("ANALYST")
    cases = [
        (("--type", "customers", "--segment", "Nope"), "No segment"),
        (("--type", "orders", "--segment", "Gmail"), "use --type customers"),
        (("--type", "customers", "--segment", "Gmail", "--token", analyst), "personal data"),
    ]
    for args, message in cases:
        code, output = await asyncio.to_thread(_export, *args)
        assert code != 0
        assert message in " ".join(output.split()), output
