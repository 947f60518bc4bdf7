"""atRiskCustomers, topReferrers and revenueConcentration before and after the stored aggregates
(issue 16 target 3), in one run: two API servers over one Neo4j holding one seeded dataset,
this checkout and a baseline checkout (`--baseline`, e.g. `git worktree add /tmp/base <rev>`),
their answers compared equal first, then interleaved rounds of sequential requests.

The dataset is a stopped Neo4j home (`--home`; a copy, since it is migrated to version 13, which
adds the aggregates and their indexes: the migration's time is reported too). The baseline code
ignores the new properties, so both servers read the same data.

    python -m bench.aggregates --home .rapport/bench/neo4j-100000-42 --baseline /tmp/base
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PASSWORD, REPO, admin_token, free_port, nearest_rank, start_api
from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, stop
from graphdb.migrations import migrate

AS_OF = "2026-11-01T12:00:00Z"  # the seed's "today"

CASES: dict[str, str] = {
    "atRiskCustomers(first: 20, asOf)": f"""{{ atRiskCustomers(first: 20, asOf: "{AS_OF}") {{
        customer {{ externalId name }} churnRisk {{ riskScore daysSinceLastOrder }} }} }}""",
    "atRiskCustomers(first: 20), now": """{ atRiskCustomers(first: 20) {
        customer { externalId } churnRisk { riskScore } } }""",
    "topReferrers(first: 10, by: COUNT)": """{ topReferrers(first: 10, by: COUNT) {
        referrer { ... on Customer { externalId } ... on Contact { fullName } }
        size depth revenue } }""",
    "topReferrers(first: 10, by: REVENUE)": """{ topReferrers(first: 10, by: REVENUE) {
        referrer { ... on Customer { externalId } ... on Contact { fullName } }
        size depth revenue } }""",
    "revenueConcentration(share: 0.8)": """{ revenueConcentration(share: 0.8) {
        customerCount customerShare revenueShare totalRevenue
        customers(first: 20) { edges { node { externalId totalSpent } } } } }""",
}
#: answers that depend on "now" are not compared (the two servers ask a few ms apart)
NOW_DEPENDENT = {"atRiskCustomers(first: 20), now"}


def _post(http: httpx.Client, query: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = http.post("/graphql", json={"query": query})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return elapsed, body["data"]


async def _migrate(uri: str) -> tuple[list[Any], float, int]:
    """Apply the pending migrations (13 and its backfill, the first time): what they applied,
    how long it took, and how many customers the dataset holds."""
    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=600)
    try:
        started = time.perf_counter()
        applied = await migrate(graph)
        seconds = time.perf_counter() - started
        rows = await graph.read("MATCH (c:Customer) RETURN count(c) AS n")
        return applied, seconds, int(rows[0]["n"])
    finally:
        await graph.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.aggregates", description=__doc__)
    parser.add_argument("--home", type=Path, required=True, help="a copy of a seeded Neo4j home")
    parser.add_argument("--baseline", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=6, help="per case, server and round")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = LocalNeo4jConfig(
        home=args.home.resolve(),
        launcher_dir=REPO / ".rapport" / "launcher",
        port=free_port(),
        password=PASSWORD,
        heap="1g",
        pagecache="1g",
    )
    stop(config)
    start(config)
    servers = []
    try:
        applied, migrated_s, customers = asyncio.run(_migrate(config.uri))
        token = asyncio.run(admin_token(config.uri))
        env = {"RAPPORT_ENV": "production", "RAPPORT_NEO4J_TX_TIMEOUT": "120"}
        servers = [
            ("before", start_api(config, env, repo=args.baseline.resolve())),
            ("after", start_api(config, env)),
        ]
        clients = {
            name: httpx.Client(
                base_url=s.url, headers={"Authorization": f"Bearer {token}"}, timeout=300
            )
            for name, s in servers
        }
        for case, query in CASES.items():  # warm up and check the answers agree
            answers = [_post(http, query)[1] for http in clients.values()]
            if case not in NOW_DEPENDENT:
                assert answers[0] == answers[1], (case, answers)
        samples: dict[str, dict[str, list[float]]] = {c: {"before": [], "after": []} for c in CASES}
        for rnd in range(args.rounds):
            order = list(clients) if rnd % 2 == 0 else list(reversed(clients))
            for case, query in CASES.items():
                for name in order:
                    for _ in range(args.requests):
                        samples[case][name].append(_post(clients[name], query)[0])
        load = os.getloadavg()
    finally:
        for _, s in servers:
            s.stop()
        stop(config)
    rows = []
    for case, by in samples.items():
        before, after = nearest_rank(by["before"], 0.5), nearest_rank(by["after"], 0.5)
        rows.append(
            {
                "case": case,
                "before_p50_ms": before,
                "after_p50_ms": after,
                "ratio": round(after / before, 3) if before else None,
            }
        )
    result = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "customers": customers,
        "migrations_applied": [m.version for m in applied],
        "migration_s": round(migrated_s, 1),
        "load_average": [round(x, 2) for x in load],
        "rows": rows,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
