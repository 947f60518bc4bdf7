"""`python -m bench`: seed datasets, run the read-path benchmark, write bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import httpx
from neo4j import GraphDatabase

from bench.harness import PASSWORD, bench_neo4j, ensure_dataset, start_api
from bench.intelligence import intelligence_cases
from bench.read_path import cases, run_case
from graphdb.local.server import stop

RESULTS = Path(__file__).resolve().parent / "results"


def run_read_path(
    customers: int,
    seed: int,
    iterations: int,
    baseline: Path | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    neo4j = bench_neo4j(f"neo4j-{customers}-{seed}")
    try:
        seed_seconds, token = asyncio.run(ensure_dataset(neo4j.uri, customers, seed))
        load_before = os.getloadavg()[0]
        api = start_api(neo4j)
        other = start_api(neo4j, repo=baseline) if baseline is not None else None
        auth = {"Authorization": f"Bearer {token}"}
        try:
            with (
                GraphDatabase.driver(
                    neo4j.uri, auth=("neo4j", PASSWORD), notifications_min_severity="OFF"
                ) as driver,
                httpx.Client(base_url=api.url, timeout=60, headers=auth) as http,
                httpx.Client(
                    base_url=other.url if other else api.url, timeout=60, headers=auth
                ) as http_baseline,
            ):
                all_cases = [
                    case
                    for case in cases(driver) + intelligence_cases(driver)
                    if not only or any(word in case.name for word in only)
                ]
                results = [
                    run_case(http, driver, case, iterations, http_baseline if other else None)
                    for case in all_cases
                ]
        finally:
            api.stop()
            if other is not None:
                other.stop()
    finally:
        stop(neo4j)
    rows = [r.row() for r in results]
    by_name = {r["query"]: r for r in rows}

    def ratio(a: str, b: str) -> float | None:
        if a not in by_name or b not in by_name:
            return None
        return round(float(by_name[a]["api_p50_ms"]) / float(by_name[b]["api_p50_ms"]), 2)

    return {
        "customers": customers,
        "seed": seed,
        "baseline": str(baseline) if baseline is not None else None,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "seed_seconds": round(seed_seconds, 1),
        "iterations": iterations,
        "queries": rows,
        "page1000_over_page1": {
            "filtered list": ratio(
                "filtered+sorted list, page 1000", "filtered+sorted list, page 1"
            ),
            "totalSpent sort": ratio("sort by totalSpent, page 1000", "sort by totalSpent, page 1"),
        },
    }


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Read-path benchmark — {report['customers']:,} customers",
        "",
        f"Run {report['generated_at']} on this machine (2 cores, shared; 1-minute load average "
        f"{' at the start, '.join(map(str, report.get('load_average') or []))} at the end); "
        f"{report['iterations']} timed requests per query after 5 warm-up requests, one client, "
        "sequential, the API's and the floor's interleaved request by request. *Floor* replays "
        "the identical Cypher statement and parameters straight through the Python driver."
        + (
            f" *Baseline*: the API of the checkout `{report['baseline']}` in the same rounds."
            if report.get("baseline")
            else ""
        ),
        "",
    ]
    baseline = bool(report.get("baseline"))
    head = "| query | API p50 ms | API p95 ms | floor p50 ms | floor p95 ms | API ÷ floor (p50) "
    rule = "|---|---:|---:|---:|---:|---:|"
    if baseline:
        head += "| baseline p50 ms | baseline ÷ floor "
        rule += "---:|---:|"
    lines += [head + "| statements |", rule + "---:|"]
    for q in report["queries"]:
        extra = f"{q['baseline_p50_ms']} | {q['baseline_ratio_p50']} | " if baseline else ""
        lines.append(
            f"| {q['query']} | {q['api_p50_ms']} | {q['api_p95_ms']} | {q['floor_p50_ms']} | "
            f"{q['floor_p95_ms']} | {q['ratio_p50']} | {extra}{q['statements_per_request']} |"
        )
    lines += ["", "Page 1000 ÷ page 1 (API p50):", ""]
    for name, value in report["page1000_over_page1"].items():
        lines.append(f"- {name}: {value}")
    return "\n".join(lines) + "\n"


def _growth(small: dict[str, Any], large: dict[str, Any]) -> str:
    lines = [
        f"# Growth: {small['customers']:,} → {large['customers']:,} customers",
        "",
        "API p50 at the large size ÷ API p50 at the small size (target ≤ 1.5 for decision-makers,",
        "referral chain, recommendations and introductionPath).",
        "",
        "| query | small p50 ms | large p50 ms | growth |",
        "|---|---:|---:|---:|",
    ]
    small_rows = {q["query"]: q for q in small["queries"]}
    for q in large["queries"]:
        s_row = small_rows.get(q["query"])
        if s_row is None:
            continue
        growth = round(q["api_p50_ms"] / s_row["api_p50_ms"], 2) if s_row["api_p50_ms"] else None
        lines.append(f"| {q['query']} | {s_row['api_p50_ms']} | {q['api_p50_ms']} | {growth} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated dataset sizes; the last is the main report (default 10000,100000)",
    )
    parser.add_argument("--seed", type=int, default=42, help="dataset seed (default 42)")
    parser.add_argument("--iterations", type=int, default=40, help="timed requests per query")
    parser.add_argument(
        "--only", choices=("read", "import"), help="run one benchmark (default: both)"
    )
    parser.add_argument(
        "--import-rows", type=int, default=100_000, help="customer rows to import (default 100000)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose API is timed in the same rounds (a lever's before/after)",
    )
    parser.add_argument(
        "--cases", help="comma-separated words: time only the queries whose name holds one"
    )
    args = parser.parse_args()
    if args.only != "read":
        _import_bench(args.import_rows)
    if args.only == "import":
        return
    sizes = [int(x) for x in args.sizes.split(",") if x]
    RESULTS.mkdir(exist_ok=True)
    reports = []
    for size in sizes:
        only = [w for w in (args.cases or "").split(",") if w]
        report = run_read_path(size, args.seed, args.iterations, args.baseline, only)
        report["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        stem = f"read-path-{size}"
        (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / f"{stem}.md").write_text(_markdown(report))
        print(_markdown(report))
        reports.append(report)
    if len(reports) >= 2:
        growth = _growth(reports[0], reports[-1])
        (RESULTS / f"growth-{sizes[0]}-{sizes[-1]}.md").write_text(growth)
        print(growth)


def _import_bench(rows: int) -> None:
    from bench.import_path import markdown, run_import_path

    report = run_import_path(rows)
    report["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"import-{rows}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"import-{rows}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
