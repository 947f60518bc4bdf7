"""`python -m bench.writes`: what a mutation costs, and how referrals scale with writers.

Two parts, against a real uvicorn process (production mode, rate limit and admission control
off) on a dedicated, empty Neo4j:

1. **Cost per mutation**, one client, requests back to back: createCustomer, updateCustomer,
   placeOrder and recordReferral. Reported: statements per mutation (from the ADMIN statement
   listing, asked for once per kind, outside the timing), p50/p95 latency and the API
   process's CPU per mutation.
2. **Referrals under 16 concurrent writers**: each writer records `--referrals` referrals,
   either each in a tree of its own ("disjoint trees") or all into one tree ("one tree"). A
   referral locks the roots of the trees it touches, so the first case runs in parallel and the
   second queues by design: the one-tree run is this benchmark's in-process baseline, the way
   every referral queued behind the single `referrals` lock before. Reported: referrals per
   second and p50/p99 latency of each, and their ratio.

Writes bench/results/writes.md and writes.json. Not a test: the numbers depend on the machine
and on whatever else runs on it (the load average is recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    ApiServer,
    admin_token,
    bench_neo4j,
    cpu_seconds,
    nearest_rank,
    start_api,
)
from graphdb.local.server import stop

RESULTS = Path(__file__).resolve().parent / "results"
WRITERS = 16

CREATE = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id version } errors { code } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { id version } errors { code } } }"""
ORDER = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  order { id total } errors { code } } }"""
PRODUCT = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
  product { id } errors { code } } }"""
REFER = """mutation($input: RecordReferralInput!) { recordReferral(input: $input) {
  referred { id } errors { code } } }"""


@dataclass
class Cost:
    mutation: str
    statements: int
    p50_ms: float
    p95_ms: float
    api_cpu_ms: float | None


@dataclass
class Contention:
    layout: str
    referrals: int
    refused: int
    per_s: float
    p50_ms: float
    p99_ms: float


class Client:
    """One HTTP client for the API, as ADMIN; `call` returns the mutation's payload."""

    def __init__(self, api: ApiServer, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=api.url, timeout=120, headers={"Authorization": f"Bearer {token}"}
        )

    async def call(self, query: str, variables: dict[str, Any], debug: bool = False) -> Any:
        headers = {"X-Rapport-Debug": "1"} if debug else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        payload = next(iter(body["data"].values()))
        return (payload, len(body["extensions"]["cypher"])) if debug else payload

    async def customer(self, external_id: str) -> str:
        payload = await self.call(
            CREATE,
            {"input": {"externalId": external_id, "kind": "INDIVIDUAL", "name": external_id}},
        )
        return str(payload["customer"]["id"])


async def _costs(client: Client, pid: int, iterations: int) -> list[Cost]:
    product = await client.call(
        PRODUCT, {"input": {"sku": "BENCH-1", "name": "Bench", "price": "9.90", "currency": "EUR"}}
    )
    product_id = product["product"]["id"]
    made: list[str] = []
    referrers: list[str] = []

    def create(i: int) -> tuple[str, dict[str, Any]]:
        return CREATE, {"input": {"externalId": f"W-{i}", "kind": "INDIVIDUAL", "name": f"W {i}"}}

    def update(i: int) -> tuple[str, dict[str, Any]]:
        return UPDATE, {"input": {"id": made[i % len(made)], "name": f"Updated {i}"}}

    def order(i: int) -> tuple[str, dict[str, Any]]:
        lines = [{"productId": product_id, "quantity": 1 + i % 3}]
        return ORDER, {"input": {"customerId": made[i % len(made)], "lines": lines}}

    def refer(i: int) -> tuple[str, dict[str, Any]]:
        return REFER, {"input": {"referrerId": referrers[i], "referredId": made[i]}}

    results = []
    for name, build in (
        ("createCustomer", create),
        ("updateCustomer", update),
        ("placeOrder", order),
        ("recordReferral", refer),
    ):
        if name == "recordReferral":
            referrers.extend([await client.customer(f"R-{i}") for i in range(iterations + 1)])
        query, variables = build(iterations)
        payload, statements = await client.call(query, variables, debug=True)
        if name == "createCustomer":
            made.append(payload["customer"]["id"])
        samples = []
        cpu_before = cpu_seconds(pid)
        for i in range(iterations):
            query, variables = build(i)
            started = time.perf_counter()
            payload = await client.call(query, variables)
            samples.append((time.perf_counter() - started) * 1000)
            if payload["errors"]:
                raise RuntimeError(f"{name}: {payload['errors']}")
            if name == "createCustomer":
                made.append(payload["customer"]["id"])
        cpu_after = cpu_seconds(pid)
        cpu_ms = (
            None
            if cpu_before is None or cpu_after is None
            else round((cpu_after - cpu_before) / iterations * 1000, 2)
        )
        p50, p95 = nearest_rank(samples, 0.5), nearest_rank(samples, 0.95)
        cost = Cost(name, statements, p50, p95, cpu_ms)
        print(cost, flush=True)
        results.append(cost)
    return results


async def _contention(client: Client, layout: str, per_writer: int) -> Contention:
    """16 writers, each recording `per_writer` referrals of fresh customers: each down a chain
    of its own, or all under one shared root."""
    tag = f"{layout[:3]}-{time.monotonic_ns()}"
    shared = await client.customer(f"{tag}-root")
    targets = [
        [await client.customer(f"{tag}-{w}-{i}") for i in range(per_writer)] for w in range(WRITERS)
    ]
    tops = (
        [shared] * WRITERS
        if layout == "one tree"
        else [await client.customer(f"{tag}-top-{w}") for w in range(WRITERS)]
    )
    samples: list[float] = []
    refused = 0

    async def writer(w: int) -> None:
        nonlocal refused
        referrer = tops[w]
        for target in targets[w]:
            started = time.perf_counter()
            payload = await client.call(
                REFER, {"input": {"referrerId": referrer, "referredId": target}}
            )
            samples.append((time.perf_counter() - started) * 1000)
            refused += bool(payload["errors"])
            referrer = target  # the chain grows downwards: every writer stays in its tree

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(WRITERS)))
    elapsed = time.perf_counter() - started
    result = Contention(
        layout,
        len(samples),
        refused,
        round(len(samples) / elapsed, 1),
        nearest_rank(samples, 0.5),
        nearest_rank(samples, 0.99),
    )
    print(result, flush=True)
    return result


async def _run(api: ApiServer, token: str, iterations: int, per_writer: int) -> dict[str, Any]:
    client = Client(api, token)
    try:
        costs = await _costs(client, api.process.pid, iterations)
        await _contention(client, "disjoint trees", max(2, per_writer // 4))  # warm-up
        runs = []
        for layout in ("disjoint trees", "one tree", "disjoint trees", "one tree"):
            runs.append(await _contention(client, layout, per_writer))
    finally:
        await client.http.aclose()
    return {"costs": costs, "contention": runs}


def run(iterations: int, per_writer: int) -> dict[str, Any]:
    neo4j = bench_neo4j("neo4j-writes")
    try:
        token = asyncio.run(admin_token(neo4j.uri, empty=True))
        api = start_api(
            neo4j,
            {
                "RAPPORT_ENV": "production",
                "RAPPORT_MAX_IN_FLIGHT": "0",
                "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0",
            },
        )
        try:
            return asyncio.run(_run(api, token, iterations, per_writer))
        finally:
            api.stop()
    finally:
        stop(neo4j)


def _best(runs: list[Contention], layout: str) -> Contention:
    return max((r for r in runs if r.layout == layout), key=lambda r: r.per_s)


def write(result: dict[str, Any], args: argparse.Namespace, load: float) -> None:
    RESULTS.mkdir(exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    costs: list[Cost] = result["costs"]
    runs: list[Contention] = result["contention"]
    disjoint, one = _best(runs, "disjoint trees"), _best(runs, "one tree")
    data = {
        "when": when,
        "load_average_1m": load,
        "iterations": args.iterations,
        "referrals_per_writer": args.referrals,
        "writers": WRITERS,
        "costs": [asdict(c) for c in costs],
        "contention": [asdict(r) for r in runs],
        "disjoint_over_one_tree": round(disjoint.per_s / one.per_s, 2) if one.per_s else None,
    }
    (RESULTS / "writes.json").write_text(json.dumps(data, indent=2) + "\n")
    lines = [
        "# Write path: cost per mutation and referral contention",
        "",
        f"{when}; load average {load:.1f} at the start; `python -m bench.writes "
        f"--iterations {args.iterations} --referrals {args.referrals}`.",
        "",
        "| mutation | statements | p50 ms | p95 ms | API CPU ms |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {c.mutation} | {c.statements} | {c.p50_ms} | {c.p95_ms} | {c.api_cpu_ms} |"
            for c in costs
        ),
        "",
        f"{WRITERS} concurrent writers, {args.referrals} referrals each (best of two runs):",
        "",
        "| layout | referrals/s | p50 ms | p99 ms | refused |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r.layout} | {r.per_s} | {r.p50_ms} | {r.p99_ms} | {r.refused} |"
            for r in (disjoint, one)
        ),
        "",
        f"Disjoint trees ÷ one tree: **{data['disjoint_over_one_tree']} times** the throughput.",
        "",
    ]
    (RESULTS / "writes.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.writes",
        description="Cost per mutation and referral throughput under 16 concurrent writers.",
    )
    parser.add_argument(
        "--iterations", type=int, default=200, help="mutations of each kind (default 200)"
    )
    parser.add_argument(
        "--referrals", type=int, default=20, help="referrals per writer per run (default 20)"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    write(run(args.iterations, args.referrals), args, load)


if __name__ == "__main__":
    main()
