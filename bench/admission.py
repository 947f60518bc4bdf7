"""`python -m bench.admission`: latency under overload, admission control off and on.

A mixed workload (4 reads : 1 write) from closed-loop clients at concurrency 8, 32 and 64,
each client with its own API key (so the per-viewer bound is not what limits them), against a
real uvicorn process per mode and a dedicated, seeded Neo4j. Each concurrency level runs for
`--seconds`; both modes run in the same invocation, on the same data, alternating.

A refused client (503 OVERLOADED) waits its `Retry-After` before the next request, as a polite
client would. Reported per level: p50/p99 of the requests that were served, the share refused,
and throughput. Writes `bench/results/admission-<in flight>-<per viewer>.md` and `.json`
(bench/results/admission.md summarises the runs).

Not a test: the numbers depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PASSWORD, bench_neo4j, nearest_rank, start_api
from graphdb.driver import Graph
from graphdb.local.server import stop
from graphdb.migrations import migrate

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = (8, 32, 64)

READ = """query($first: Int!) {
  customers(first: $first, orderBy: [{field: TOTAL_SPENT, direction: DESC}]) {
    totalCount
    edges { node { id name orders(first: 3) { totalCount edges { node { id total } } } } }
  }
}"""
WRITE = """mutation($input: LogInteractionInput!) { logInteraction(input: $input) {
  interaction { id } errors { code } } }"""


@dataclass
class Level:
    mode: str
    concurrency: int
    served: int
    refused: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    refused_p99_ms: float
    per_s: float


async def _setup(uri: str, customers: int, clients: int) -> tuple[list[str], list[str]]:
    from rapport.auth.keys import create_api_key
    from rapport.seed import seed_graph

    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=600)
    try:
        await migrate(graph)
        rows = await graph.read("MATCH (c:Customer) RETURN count(c) AS n")
        if rows[0]["n"] < customers:
            await seed_graph(graph, customers=customers, seed=1, progress=True)
        tokens = [
            (
                await create_api_key(
                    graph, email=f"bench-{i}@rapport.local", name="admission", role="ADMIN"
                )
            ).token
            for i in range(clients)
        ]
        from core import global_id

        ids = await graph.read("MATCH (c:Customer) RETURN c.id AS id LIMIT 500")
        return tokens, [global_id.encode("Customer", r["id"]) for r in ids]
    finally:
        await graph.close()


async def _level(
    url: str, tokens: list[str], customers: list[str], mode: str, concurrency: int, seconds: float
) -> Level:
    served: list[float] = []
    refused: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        rng = random.Random(i)
        headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
            while time.monotonic() < stop_at:
                if rng.random() < 0.2:
                    body: dict[str, Any] = {
                        "query": WRITE,
                        "variables": {
                            "input": {"kind": "CALL", "participantIds": [rng.choice(customers)]}
                        },
                    }
                else:
                    body = {"query": READ, "variables": {"first": rng.choice((5, 10, 20))}}
                started = time.perf_counter()
                response = await http.post("/graphql", json=body)
                ms = (time.perf_counter() - started) * 1000
                if response.status_code == 503:
                    refused.append(ms)
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                elif response.status_code == 200 and not response.json().get("errors"):
                    served.append(ms)
                else:
                    errors += 1

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    return Level(
        mode=mode,
        concurrency=concurrency,
        served=len(served),
        refused=len(refused),
        errors=errors,
        p50_ms=nearest_rank(served, 0.50),
        p99_ms=nearest_rank(served, 0.99),
        max_ms=round(max(served, default=0.0), 1),
        refused_p99_ms=nearest_rank(refused, 0.99),
        per_s=round(len(served) / elapsed, 1),
    )


def run(customers: int, seconds: float, max_in_flight: int, per_viewer: int) -> list[Level]:
    """Both API processes run side by side on the same Neo4j; the levels alternate between
    them (off 8, on 8, off 32, …) after a warm-up, so that neither mode gets the colder JVM."""
    neo4j = bench_neo4j(f"neo4j-admission-{customers}")
    results: list[Level] = []
    apis = []
    try:
        tokens, ids = asyncio.run(_setup(neo4j.uri, customers, max(LEVELS)))
        modes = {
            "off": {"RAPPORT_MAX_IN_FLIGHT": "0", "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0"},
            "on": {
                "RAPPORT_MAX_IN_FLIGHT": str(max_in_flight),
                "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": str(per_viewer),
            },
        }
        for env in modes.values():
            apis.append(start_api(neo4j, {**env, "RAPPORT_ENV": "production"}))
        for api in apis:  # warm-up: JIT, page cache, connection pools, auth caches
            asyncio.run(_level(api.url, tokens, ids, "warm-up", 8, seconds / 2))
        for concurrency in LEVELS:
            for mode, api in zip(modes, apis, strict=True):
                level = asyncio.run(_level(api.url, tokens, ids, mode, concurrency, seconds))
                print(level, flush=True)
                results.append(level)
    finally:
        for api in apis:
            api.stop()
        stop(neo4j)
    return results


def write(results: list[Level], args: argparse.Namespace) -> None:
    RESULTS.mkdir(exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta = {
        "when": when,
        "customers": args.customers,
        "seconds_per_level": args.seconds,
        "max_in_flight": args.max_in_flight,
        "max_in_flight_per_viewer": args.per_viewer,
    }
    (RESULTS / f"admission-{args.max_in_flight}-{args.per_viewer}.json").write_text(
        json.dumps({**meta, "levels": [asdict(r) for r in results]}, indent=2) + "\n"
    )
    lines = [
        "# Admission control under a mixed load",
        "",
        f"{when}; {args.customers} customers; 4 reads : 1 write (logInteraction); closed-loop "
        f"clients, one API key each; {args.seconds:g} s per level; admission on = "
        f"RAPPORT_MAX_IN_FLIGHT={args.max_in_flight}, "
        f"RAPPORT_MAX_IN_FLIGHT_PER_VIEWER={args.per_viewer}. `python -m bench.admission`.",
        "",
        "| admission | concurrency | served | refused (503) | p50 ms | p99 ms | max ms | "
        "refusal p99 ms | served/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.concurrency} | {r.served} | {r.refused} | {r.p50_ms} | "
            f"{r.p99_ms} | {r.max_ms} | {r.refused_p99_ms} | {r.per_s} |"
        )
    (RESULTS / f"admission-{args.max_in_flight}-{args.per_viewer}.md").write_text(
        "\n".join(lines) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-in-flight", type=int, default=16)
    parser.add_argument("--per-viewer", type=int, default=8)
    args = parser.parse_args()
    results = run(args.customers, args.seconds, args.max_in_flight, args.per_viewer)
    write(results, args)


if __name__ == "__main__":
    main()
