"""`rapport seed`: determinism, consistency of the generated graph, and the CLI's guards.

The graph is seeded with 300 customers (a few seconds); the read-only checks share one seeded
graph (`seeded`), re-seeding only when another test emptied the database in between.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from typer.testing import CliRunner, Result

from graphdb import seed as statements
from graphdb.driver import Graph
from graphdb.writes import customers, referrals
from rapport.cli import app
from rapport.seed import planted_duplicates, seed_graph, wipe_graph
from rapport.seed.customers import World
from rapport.seed.rand import make_id
from rapport.seed.rows import GraphRows

CUSTOMERS = 300
SEED = 11


#: Nodes outside the seeded data: migrations, and the suite's credentials (kept by wipes).
#: data nodes: not the bookkeeping, nor the revenue histogram, whose stripes a write picks at
#: random (its sums per bucket are checked by tests/_aggregates.assert_histogram)
_DATA = "NOT n:RapportMigration AND NOT n:ApiKey AND NOT n:RevenueBucket AND NOT (n)-[:HAS_KEY]->()"


async def _fingerprint(graph: Graph) -> dict[str, Any]:
    """Counts, and digests of every data node's properties and every relationship."""
    labels = await graph.read(
        f"MATCH (n) WHERE {_DATA} RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label"
    )
    types = await graph.read(
        "MATCH ()-[r]->() WHERE NOT r:HAS_KEY RETURN type(r) AS type, count(*) AS n ORDER BY type"
    )
    nodes = await graph.read(
        f"MATCH (n) WHERE {_DATA} RETURN n.id AS id, properties(n) AS p ORDER BY id"
    )
    rels = await graph.read(
        "MATCH (a)-[r]->(b) WHERE NOT r:HAS_KEY "
        "RETURN a.id AS a, type(r) AS t, b.id AS b, properties(r) AS p ORDER BY a, t, b"
    )

    def digest(rows: list[dict[str, Any]]) -> str:
        text = repr([sorted(row.items(), key=lambda kv: kv[0]) for row in rows])
        return hashlib.sha256(text.encode()).hexdigest()

    sample = await graph.read(
        "MATCH (c:Customer) RETURN c.id AS id, c.externalId AS externalId, c.name AS name, "
        "c.email AS email, c.totalSpent AS totalSpent ORDER BY c.externalId LIMIT 5"
    )
    return {
        "labels": {r["label"]: r["n"] for r in labels},
        "types": {r["type"]: r["n"] for r in types},
        "nodes": digest([{"id": r["id"], **r["p"]} for r in nodes]),
        "rels": digest(rels),
        "sample": sample,
    }


async def _ensure_seeded(graph: Graph) -> None:
    first = make_id(SEED, "customer", 0)
    rows = await graph.read(
        "MATCH (c:Customer) RETURN count(c) AS n, "
        "count { MATCH (x:Customer {id: $first}) } AS mine",
        {"first": first},
    )
    if rows and rows[0]["n"] == CUSTOMERS and rows[0]["mine"] == 1:
        return
    await wipe_graph(graph)
    await seed_graph(graph, CUSTOMERS, SEED, progress=False)


@pytest.fixture
async def seeded(session_graph: Graph) -> AsyncIterator[Graph]:
    """The session database holding the seed-11 graph of 300 customers (seeded at most once)."""
    await _ensure_seeded(session_graph)
    yield session_graph


async def test_same_seed_gives_the_same_graph_and_another_seed_other_ids(seeded: Graph) -> None:
    graph = seeded
    first = await _fingerprint(graph)
    await wipe_graph(graph)
    assert (await _fingerprint(graph))["labels"] == {}
    # a different batch size changes nothing either
    report = await seed_graph(graph, CUSTOMERS, SEED, batch_size=997, progress=False)
    second = await _fingerprint(graph)

    assert first == second
    assert first["labels"]["Customer"] == CUSTOMERS
    assert first["labels"] == report.nodes
    assert sum(first["types"].values()) == report.total_relationships

    stored = {
        r["id"] for r in await graph.read("MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id")
    }
    other = {row["id"] for _, row in GraphRows(World(CUSTOMERS, SEED + 1)).node_rows()}
    assert len(other) > 1000
    assert not stored & other


async def test_every_kind_of_node_and_relationship_is_there(seeded: Graph) -> None:
    fingerprint = await _fingerprint(seeded)
    for label in (
        "User",
        "Company",
        "Contact",
        "Customer",
        "Product",
        "Order",
        "Interaction",
        "Tag",
        "Consent",
    ):
        assert fingerprint["labels"].get(label, 0) > 0, label
    for rel_type in (
        "MANAGES",
        "ACCOUNT_OF",
        "WORKS_AT",
        "REPORTS_TO",
        "KNOWS",
        "REFERRED",
        "PLACED",
        "CONTAINS",
        "WITH",
        "LOGGED",
        "TAGGED",
        "HAS_CONSENT",
    ):
        assert fingerprint["types"].get(rel_type, 0) > 0, rel_type
    kinds = await seeded.read("MATCH (i:Interaction) RETURN collect(DISTINCT i.kind) AS kinds")
    assert len(kinds[0]["kinds"]) == 9
    roles = await seeded.read("MATCH (u:User) RETURN collect(DISTINCT u.role) AS roles")
    assert {"ADMIN", "ANALYST", "SALES"} <= set(roles[0]["roles"])
    # every node carries the common properties, timestamps with a zone
    missing = await seeded.read(
        f"MATCH (n) WHERE {_DATA} AND (n.id IS NULL OR n.version <> 1 "
        "OR n.createdAt IS NULL OR n.updatedAt < n.createdAt "
        "OR n.updatedAt > datetime('2026-11-01T12:00:00Z') "
        "OR n.createdAt.timezone IS NULL) RETURN count(n) AS n"
    )
    assert missing[0]["n"] == 0
    # BUSINESS customers are accounts of exactly one company, one customer per company
    accounts = await seeded.read(
        "MATCH (c:Customer) OPTIONAL MATCH (c)-[:ACCOUNT_OF]->(co:Company) "
        "WITH c, count(co) AS n RETURN c.kind AS kind, collect(DISTINCT n) AS counts"
    )
    assert {r["kind"]: sorted(r["counts"]) for r in accounts} == {
        "BUSINESS": [1],
        "INDIVIDUAL": [0],
    }
    shared = await seeded.read(
        "MATCH (co:Company)<-[:ACCOUNT_OF]-(c) WITH co, count(c) AS n WHERE n > 1 "
        "RETURN count(co) AS n"
    )
    assert shared[0]["n"] == 0


async def test_customer_aggregates_match_their_orders_and_interactions(seeded: Graph) -> None:
    rows = await seeded.read(
        """
        MATCH (c:Customer)
        OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
        WITH c, count(o) AS n, sum(o.total) AS spent, min(o.placedAt) AS first,
             max(o.placedAt) AS last
        OPTIONAL MATCH (c)<-[:WITH]-(i:Interaction)
        WITH c, n, spent, first, last, max(i.occurredAt) AS touched
        RETURN count(c) AS customers,
               sum(CASE WHEN n > 0 THEN 1 ELSE 0 END) AS buyers,
               sum(CASE WHEN c.orderCount = n AND c.totalSpent = spent
                         AND coalesce(c.firstOrderAt = first,
                                      c.firstOrderAt IS NULL AND first IS NULL)
                         AND coalesce(c.lastOrderAt = last,
                                      c.lastOrderAt IS NULL AND last IS NULL)
                         AND coalesce(c.lastInteractionAt = touched,
                                      c.lastInteractionAt IS NULL AND touched IS NULL)
                    THEN 0 ELSE 1 END) AS inconsistent
        """
    )
    assert rows[0]["customers"] == CUSTOMERS
    assert rows[0]["inconsistent"] == 0
    assert 0.4 * CUSTOMERS < rows[0]["buyers"] < 0.9 * CUSTOMERS
    totals = await seeded.read(
        """
        MATCH (o:Order)-[l:CONTAINS]->(:Product)
        WITH o, sum(l.quantity * l.unitPrice) AS lines, collect(l.position) AS positions
        RETURN count(o) AS orders,
               sum(CASE WHEN lines = o.total THEN 0 ELSE 1 END) AS wrong,
               sum(CASE WHEN size(positions) <= 5 AND reduce(m = 0, p IN positions |
                   CASE WHEN p > m THEN p ELSE m END) = size(positions) - 1
                   THEN 0 ELSE 1 END) AS badPositions
        """
    )
    assert totals[0]["wrong"] == 0
    assert totals[0]["badPositions"] == 0
    average = totals[0]["orders"] / CUSTOMERS
    assert 3 <= average <= 10


async def test_referrals_are_an_acyclic_forest_several_levels_deep(seeded: Graph) -> None:
    indegree = await seeded.read(
        "MATCH (c:Customer)<-[r:REFERRED]-() WITH c, count(r) AS n "
        "RETURN count(c) AS referred, max(n) AS most"
    )
    assert indegree[0]["most"] == 1
    assert 0.15 * CUSTOMERS < indegree[0]["referred"] < 0.35 * CUSTOMERS
    cycles = await seeded.read(
        "MATCH (c:Customer) WHERE EXISTS { (c)-[:REFERRED*1..]->(c) } RETURN count(c) AS n"
    )
    assert cycles[0]["n"] == 0
    depth = await seeded.read(
        "MATCH p = (:Customer|Contact)-[:REFERRED*]->(:Customer) RETURN max(length(p)) AS depth"
    )
    assert depth[0]["depth"] >= 4
    from_contacts = await seeded.read(
        "MATCH (:Contact)-[r:REFERRED]->(:Customer) RETURN count(r) AS n"
    )
    assert from_contacts[0]["n"] > 0


async def test_org_charts_are_trees_of_current_staff(seeded: Graph) -> None:
    rank = "{OWNER: 0, C_LEVEL: 1, VP: 2, DIRECTOR: 3, MANAGER: 4, SENIOR: 5, STAFF: 6}"
    rows = await seeded.read(
        f"""
        MATCH (a:Contact)-[:REPORTS_TO]->(b:Contact)
        OPTIONAL MATCH (a)-[wa:WORKS_AT]->(co:Company)<-[wb:WORKS_AT]-(b)
        WHERE wa.endedOn IS NULL AND wb.endedOn IS NULL
        WITH a, b, wa, wb, co
        RETURN count(*) AS edges,
               sum(CASE WHEN co IS NULL THEN 1 ELSE 0 END) AS outside,
               sum(CASE WHEN {rank}[wb.seniority] > {rank}[wa.seniority] THEN 1 ELSE 0 END)
                   AS inverted
        """
    )
    assert rows[0]["edges"] > 100
    assert rows[0]["outside"] == 0
    assert rows[0]["inverted"] == 0
    managers = await seeded.read(
        "MATCH (a:Contact)-[r:REPORTS_TO]->() WITH a, count(r) AS n RETURN max(n) AS n"
    )
    assert managers[0]["n"] == 1
    cycles = await seeded.read(
        "MATCH (c:Contact) WHERE EXISTS { (c)-[:REPORTS_TO*1..]->(c) } RETURN count(c) AS n"
    )
    assert cycles[0]["n"] == 0
    roots = await seeded.read(
        """
        MATCH (co:Company)<-[w:WORKS_AT]-(c:Contact)
        WHERE w.endedOn IS NULL AND NOT (c)-[:REPORTS_TO]->()
        WITH co, collect(w.seniority) AS tops
        RETURN count(co) AS companies,
               sum(CASE WHEN size(tops) = 1 AND tops[0] IN ['OWNER', 'C_LEVEL']
                   THEN 0 ELSE 1 END) AS bad
        """
    )
    assert roots[0]["bad"] == 0
    employments = await seeded.read("MATCH (:Contact)-[w:WORKS_AT]->() RETURN count(w) AS n")
    former = await seeded.read(
        """
        MATCH (c:Contact)-[w:WORKS_AT]->() WHERE w.endedOn IS NOT NULL
        RETURN count(w) AS n,
               sum(CASE WHEN w.endedOn >= date('2026-11-01') OR EXISTS { (c)-[:REPORTS_TO]-() }
                   THEN 1 ELSE 0 END) AS misplaced
        """
    )
    assert 0.03 < former[0]["n"] / employments[0]["n"] < 0.15
    assert former[0]["misplaced"] == 0
    big = await seeded.read(
        "MATCH (co:Company)<-[:WORKS_AT]-(c) WITH co, count(c) AS n RETURN max(n) AS n"
    )
    assert big[0]["n"] >= 50


async def test_planted_duplicates_exist_and_look_alike(seeded: Graph) -> None:
    pairs = planted_duplicates(CUSTOMERS, SEED)
    assert 2 <= len(pairs) <= 0.05 * CUSTOMERS
    rows = await seeded.read(
        """
        UNWIND $pairs AS pair
        MATCH (a:Customer {id: pair.a, externalId: pair.ax})
        MATCH (b:Customer {id: pair.b, externalId: pair.bx})
        RETURN a.name AS an, b.name AS bn, a.email AS ae, b.email AS be, a.phone AS ap,
               b.phone AS bp, a.city AS ac, b.city AS bc, a.country AS country
        """,
        {
            "pairs": [
                {
                    "a": p.original_id,
                    "ax": p.original_external_id,
                    "b": p.duplicate_id,
                    "bx": p.duplicate_external_id,
                }
                for p in pairs
            ]
        },
    )
    assert len(rows) == len(pairs)
    for row in rows:
        assert row["an"] != row["bn"]
        assert row["ae"].strip().lower() == row["be"].strip().lower()
        assert row["ac"] == row["bc"]
        same = [phonenumbers.parse(row[key], row["country"]) for key in ("ap", "bp")]
        assert same[0] == same[1]


async def test_wipe_keeps_migrations_and_credentials(graph: Graph) -> None:
    await graph.write(
        "CREATE (:User {id: 'u1', email: 'key@holder.example'})-[:HAS_KEY]->"
        "(:ApiKey {id: 'k1', prefix: 'rk_test'}), "
        "(:User {id: 'u2', email: 'plain@user.example'}), (:Customer {id: 'c1'})"
    )
    kept = await graph.read("MATCH (n) WHERE NOT n:RapportMigration RETURN n.id AS id")
    deleted = await wipe_graph(graph, batch_size=1)
    assert deleted == 2
    left = await graph.read("MATCH (n) WHERE NOT n:RapportMigration RETURN n.id AS id")
    assert {r["id"] for r in left} == {r["id"] for r in kept} - {"u2", "c1"}
    assert {"k1", "u1"} <= {r["id"] for r in left}
    assert (await graph.read("MATCH (m:RapportMigration) RETURN count(m) AS n"))[0]["n"] > 0


async def _customers(graph: Graph) -> int:
    return int((await graph.read("MATCH (c:Customer) RETURN count(c) AS n"))[0]["n"])


async def test_cli_seeds_writes_duplicates_and_respects_if_empty(
    graph: Graph, cli_env: Path
) -> None:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["seed", *args])

    # the command runs its own event loop, so it gets a thread of its own
    result = await asyncio.to_thread(invoke, "--customers", "60", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert await _customers(graph) == 60
    ground_truth = json.loads((cli_env / "seed-duplicates-3.json").read_text())
    assert ground_truth["seed"] == 3
    assert len(ground_truth["pairs"]) == len(planted_duplicates(60, 3))

    before = await _fingerprint(graph)
    result = await asyncio.to_thread(invoke, "--customers", "80", "--seed", "4", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "nothing seeded" in result.output
    assert await _fingerprint(graph) == before

    result = await asyncio.to_thread(invoke, "--customers", "80", "--seed", "4")
    assert result.exit_code == 1
    assert "--wipe" in result.output
    assert await _fingerprint(graph) == before

    # The suite's own API keys are in the database: a wipe needs --force, and without it
    # nothing is deleted.
    result = await asyncio.to_thread(invoke, "--customers", "80", "--seed", "4", "--wipe")
    assert result.exit_code == 1
    assert "--force" in result.output
    assert await _fingerprint(graph) == before

    out = cli_env / "elsewhere" / "dups.json"
    result = await asyncio.to_thread(
        invoke,
        "--customers",
        "80",
        "--seed",
        "4",
        "--wipe",
        "--force",
        "--duplicates-out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert await _customers(graph) == 80
    assert json.loads(out.read_text())["customers"] == 80


async def _plan_every_split_size(graph: Graph) -> None:
    """Plan the aggregates' statements for lists of the sizes that splitting their batches makes.

    Neo4j plans a statement again for a list parameter of another size bucket (measured: one
    id 0.37 s, another single id 0.01 s, ten ids 0.37 s again), and planning the aggregates'
    statements takes about 0.3 s on a slow machine: longer than the tiny timeouts
    below, so a split batch of a new size could never even be planned (BatchTooSlow for one
    row). Planned here on the full graph, the split batches of the tiny run reuse the plans;
    the statements rewrite nothing on a correctly seeded graph, and the graph is wiped next.
    """
    ids = [r["id"] for r in await graph.read("MATCH (c:Customer) RETURN c.id AS id ORDER BY id")]
    referrers = sorted((await graph.read(referrals.REFERRERS))[0]["ids"])
    for statement, keys in (
        (customers.recount(), ids),
        (referrals.networks(upstream=False), referrers),
    ):
        sizes, todo = set(), [len(keys)]
        while todo:
            size = todo.pop()
            if size >= 1 and size not in sizes:
                sizes.add(size)
                todo += [size // 2, size - size // 2]
        for size in sorted(sizes):
            await graph.write(statement, {"ids": keys[:size]})


async def test_a_tiny_transaction_timeout_completes_by_splitting_batches(seeded: Graph) -> None:
    """A machine too slow for the batches as asked: each batch that outlasts the transaction
    timeout is split until its parts fit, and the graph is the same as with roomy batches.

    Each kind is asked for as one batch (up to 3,151 rows). How long that takes depends on the
    machine and its load, so the timeout is searched for, not fixed: it starts at a quarter of
    the slowest kind's time in a warm roomy run and halves until some batch outlasts it, never
    below five times a one-row write (a statement's planning alone must fit). The splitting
    itself is specified deterministically in tests/test_batches.py; this checks that the seed
    goes through it and loses nothing."""
    graph = seeded
    expected = await _fingerprint(graph)
    await wipe_graph(graph)
    roomy = await seed_graph(graph, CUSTOMERS, SEED, batch_size=1_000_000, progress=False)
    await _plan_every_split_size(graph)
    await wipe_graph(graph)
    one_row = []
    for _ in range(5):
        started = time.perf_counter()
        await graph.write("CREATE (p:SeedProbe) DELETE p")
        one_row.append(time.perf_counter() - started)
    floor = 5 * statistics.median(one_row)
    tiny = max(max(roomy.seconds.values()) / 4, floor)
    for _ in range(6):
        report = await seed_graph(
            graph, CUSTOMERS, SEED, batch_size=1_000_000, tx_timeout_s=tiny, progress=False
        )
        assert await _fingerprint(graph) == expected
        if report.splits > 0 or tiny <= floor:
            break
        await wipe_graph(graph)
        tiny = max(tiny / 2, floor)
    assert report.splits > 0, f"no batch outlasted {tiny:.4f} s, the floor being {floor:.4f} s"


def test_seed_statements_take_labels_types_and_parsers_only_from_the_whitelists() -> None:
    assert statements.node_statement("Tag", {}) == (
        "UNWIND $rows AS r CREATE (n:Tag) SET n = r RETURN count(*) AS written"
    )
    with pytest.raises(ValueError, match="unknown node label"):
        statements.node_statement("Tag) DETACH DELETE (n", {})
    with pytest.raises(ValueError, match="unknown relationship type"):
        statements.rel_statement("Contact", "OWNS", "Company", {})
    with pytest.raises(ValueError, match="unknown node label"):
        statements.rel_statement("Contact", "WORKS_AT", "Firm", {})
    with pytest.raises(ValueError, match="bad temporal property"):
        statements.node_statement("Order", {"placedAt": "apoc.date.parse"})
