"""`python -m bench.recommendations`: exact vs approximate recommendations, cost and precision.

`recommendations(approximate: true)` scores over at most APPROXIMATE_CO_BUYERS co-buyers per
product of the customer instead of all of them. This measures, on a seeded dataset through the
API, what that buys and what it costs:

- **latency**: p50 of both modes for the busiest buyer and the median buyer;
- **precision**: over a sample of buyers, the share of the approximate top 5 that is in the
  exact top 5 (precision@5), and how often the first recommendation is the same.

Writes bench/results/recommendations-<customers>.md and .json. Not a test: the numbers depend
on the machine and on whatever else runs on it (the load average is recorded).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
from pathlib import Path
from typing import Any

import httpx
from neo4j import GraphDatabase

from bench.harness import PASSWORD, bench_neo4j, ensure_dataset, measure, start_api
from core import global_id
from graphdb.compiler.recommendations import APPROXIMATE_CO_BUYERS
from graphdb.local.server import stop

RESULTS = Path(__file__).resolve().parent / "results"

QUERY = """query Recs($id: ID!, $approximate: Boolean!) {
  node(id: $id) { ... on Customer {
    recommendations(first: 5, approximate: $approximate) { score product { sku } } } }
}"""


class Refused(Exception):
    """The API answered with an error code (at 1M customers, the busiest buyer's exact
    recommendations are QUERY_TOO_LARGE): reported as such, not timed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _skus(http: httpx.Client, customer: str, approximate: bool) -> list[str]:
    response = http.post(
        "/graphql",
        json={"query": QUERY, "variables": {"id": customer, "approximate": approximate}},
    )
    body = response.json()
    if body.get("errors"):
        codes = [(e.get("extensions") or {}).get("code") for e in body["errors"]]
        if not all(codes) or "INTERNAL_ERROR" in codes:
            raise RuntimeError(body["errors"])
        raise Refused(",".join(sorted(set(map(str, codes)))))
    return [r["product"]["sku"] for r in body["data"]["node"]["recommendations"]]


def run(customers: int, seed: int, sample: int, iterations: int, warmup: int) -> dict[str, Any]:
    neo4j = bench_neo4j(f"neo4j-{customers}-{seed}")
    try:
        _, token = asyncio.run(ensure_dataset(neo4j.uri, customers, seed))
        with GraphDatabase.driver(
            neo4j.uri, auth=("neo4j", PASSWORD), notifications_min_severity="OFF"
        ) as driver:
            buyers = [
                r["id"]
                for r in driver.execute_query(
                    "MATCH (c:Customer) WHERE c.orderCount >= 1 "
                    "RETURN c.id AS id ORDER BY c.orderCount DESC, c.id"
                )[0]
            ]
        busiest, median = buyers[0], buyers[len(buyers) // 2]
        step = max(1, len(buyers) // sample)
        sampled = buyers[::step][:sample]
        api = start_api(neo4j, {"RAPPORT_ENV": "production"})
        try:
            with httpx.Client(
                base_url=api.url, timeout=120, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                latency = {}
                for label, raw in (("busiest buyer", busiest), ("median buyer", median)):
                    gid = global_id.encode("Customer", raw)
                    for approximate in (False, True):

                        def once(g: str = gid, a: bool = approximate) -> list[str]:
                            return _skus(http, g, a)

                        mode = "approximate" if approximate else "exact"
                        try:
                            p50: float | str = round(measure(once, iterations, warmup).p50, 1)
                        except Refused as refused:
                            p50 = f"refused: {refused.code}"
                        latency[f"{label}, {mode}"] = p50
                        print(label, mode, p50, flush=True)
                precision, same_first, refusals = [], 0, 0
                for raw in sampled:
                    gid = global_id.encode("Customer", raw)
                    try:
                        exact = _skus(http, gid, False)
                    except Refused:
                        refusals += 1  # no exact answer to compare with
                        continue
                    approx = _skus(http, gid, True)
                    if exact:
                        precision.append(len(set(exact) & set(approx)) / len(exact))
                        same_first += bool(approx) and approx[0] == exact[0]
        finally:
            api.stop()
    finally:
        stop(neo4j)
    return {
        "customers": customers,
        "seed": seed,
        "co_buyers_per_product": APPROXIMATE_CO_BUYERS,
        "p50_ms": latency,
        "sampled_buyers": len(precision),
        "exact_refused": refusals,
        "precision_at_5": round(statistics.mean(precision), 3) if precision else None,
        "same_first": round(same_first / len(precision), 3) if precision else None,
    }


def write(result: dict[str, Any], load: float) -> None:
    RESULTS.mkdir(exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result = {"when": when, "load_average_1m": load, **result}
    name = f"recommendations-{result['customers']}"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"# Recommendations, exact vs approximate, {result['customers']:,} customers",
        "",
        f"{when}; load average {load:.1f} at the start; sample of "
        f"{result['co_buyers_per_product']} co-buyers per product.",
        "",
        "| subject, mode | p50 ms |",
        "|---|---:|",
        *(f"| {k} | {v} |" for k, v in result["p50_ms"].items()),
        "",
        f"Over {result['sampled_buyers']} buyers spread over the order counts: precision@5 "
        f"**{result['precision_at_5']}**, same first recommendation **{result['same_first']}**"
        f" ({result.get('exact_refused', 0)} more sampled buyers had no exact answer to compare).",
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recommendations",
        description="Exact vs approximate recommendations: p50 and precision@5.",
    )
    parser.add_argument("--customers", type=int, default=10_000, help="dataset size (10000)")
    parser.add_argument("--seed", type=int, default=42, help="dataset seed (default 42)")
    parser.add_argument("--sample", type=int, default=100, help="buyers compared (default 100)")
    parser.add_argument("--iterations", type=int, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    write(run(args.customers, args.seed, args.sample, args.iterations, args.warmup), load)


if __name__ == "__main__":
    main()
