"""`python -m bench.explorer`: page-load time of each explorer view, through the real browser.

Not a test: it seeds (once) a dataset in its own Neo4j, starts the API as a separate process,
drives Debian's Chromium with Playwright (offline: every host but 127.0.0.1 is aborted) and, for
every view, times `runs` in-app navigations (what a click on a link does: the URL changes, the
view asks for its data and renders) and `runs` cold loads (a fresh tab typing the address, which
also downloads the app and checks the key with `me`). A view is loaded when its `h1` is there and
no "Loading…" status is left. Results go to bench/results/explorer-<customers>.md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Page, async_playwright

from bench.harness import PASSWORD, REPO, bench_neo4j, start_api
from core import global_id
from graphdb.driver import Graph
from graphdb.local.server import stop
from graphdb.migrations import migrate

RESULTS = REPO / "bench" / "results"

# The previous view's h1 is remembered in window.__old: until React has replaced it, the new
# view has not rendered (an in-app navigation keeps the old page on screen for a moment).
READY = """() => document.querySelectorAll('h1').length === 1
  && document.querySelector('h1') !== window.__old
  && ![...document.querySelectorAll('[role=status]')].some(e => e.textContent.startsWith('Loading'))
  && !document.querySelector('.loading')"""


@dataclass
class Subjects:
    token: str
    views: dict[str, str]


async def _prepare(uri: str, customers: int, seed: int) -> Subjects:
    from rapport.auth.keys import create_api_key
    from rapport.seed import seed_graph

    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=600)
    try:
        await migrate(graph)
        if (await graph.read("MATCH (c:Customer) RETURN count(c) AS n"))[0]["n"] < customers:
            await seed_graph(graph, customers=customers, seed=seed, progress=True)
        # The busiest SALES user (the biggest "my accounts"), and the median business account.
        sales = await graph.read(
            "MATCH (u:User {role: 'SALES'})-[:MANAGES]->(c) WITH u, count(c) AS n "
            "RETURN u.email AS email ORDER BY n DESC LIMIT 1"
        )
        token = (
            await create_api_key(graph, email=sales[0]["email"], name="bench", role="SALES")
        ).token
        rows = await graph.read(
            "MATCH (c:Customer {kind: 'BUSINESS'})-[:ACCOUNT_OF]->(co:Company) "
            "WITH c, co ORDER BY c.orderCount, c.id WITH collect([c.id, co.id]) AS pairs "
            "UNWIND pairs[size(pairs) / 2 ..] AS pair "
            "MATCH (co:Company {id: pair[1]})<-[w:WORKS_AT]-(boss:Contact) "
            "WHERE w.endedOn IS NULL AND w.seniority IN ['OWNER', 'C_LEVEL'] "
            "MATCH (co)<-[:WORKS_AT]-(:Contact)-[:KNOWS]-(friend:Contact) "
            "WHERE NOT (friend)-[:WORKS_AT]->(co) "
            "RETURN pair[0] AS customer, pair[1] AS company, boss.id AS boss, friend.id AS friend "
            "LIMIT 1"
        )
        r = rows[0]
        customer = global_id.encode("Customer", r["customer"])
        company = global_id.encode("Company", r["company"])
        boss = global_id.encode("Contact", r["boss"])
        friend = global_id.encode("Contact", r["friend"])
        return Subjects(
            token,
            {
                "my accounts": "/app",
                "customer": f"/app/customers/{customer}",
                "contact": f"/app/contacts/{boss}",
                "company (org chart)": f"/app/companies/{company}",
                "graph": f"/app/graph/{company}",
                "introduction": f"/app/introduce?to={boss}&from={friend}",
                "at risk": "/app/lists/at-risk",
                "top referrers": "/app/lists/referrers",
                "revenue concentration": "/app/lists/revenue",
                "segments": "/app/lists/segments",
            },
        )
    finally:
        await graph.close()


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


async def _in_app(page: Page, path: str) -> float:
    await page.evaluate(
        "() => { window.__old = document.querySelector('h1'); window.__t0 = performance.now(); }"
    )
    await page.evaluate(
        "p => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
        path,
    )
    await page.wait_for_function(READY, polling="raf", timeout=60_000)
    return float(await page.evaluate("() => performance.now() - window.__t0"))


async def _cold(page: Page, url: str) -> float:
    await page.goto(url, wait_until="commit")
    await page.wait_for_function(READY, polling="raf", timeout=60_000)
    return float(await page.evaluate("() => performance.now()"))  # since navigation start


async def _measure(base: str, subjects: Subjects, runs: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 900})

        async def offline(route: Any, request: Any) -> None:
            if urlsplit(request.url).hostname == "127.0.0.1":
                await route.continue_()
            else:
                await route.abort("internetdisconnected")

        await context.route("**/*", offline)
        page = await context.new_page()
        await page.goto(base + "/app")
        await page.get_by_label("API key").fill(subjects.token)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_function(READY, timeout=60_000)
        for view, path in subjects.views.items():
            elsewhere = "/app/lists/at-risk" if path.endswith("segments") else "/app/lists/segments"
            await _in_app(page, elsewhere)  # warm-up
            await _in_app(page, path)
            warm = []
            for _ in range(runs):
                await _in_app(page, elsewhere)  # leave the view, then come back
                warm.append(await _in_app(page, path))
            cold = [await _cold(page, base + path) for _ in range(runs)]
            rows.append({"view": view, "in_app": _stats(warm), "cold": _stats(cold)})
            print(view, rows[-1], flush=True)
        await browser.close()
    return rows


def _load(report: dict[str, Any]) -> str:
    load = report.get("load_average")
    if not load:
        return "not recorded"
    return f"{load[0]} at the start, {load[1]} at the end"


def _table(views: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| view | in-app p50 ms | in-app p95 ms | cold p50 ms | cold p95 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in views:
        lines.append(
            f"| {r['view']} | {r['in_app']['p50_ms']} | {r['in_app']['p95_ms']} | "
            f"{r['cold']['p50_ms']} | {r['cold']['p95_ms']} |"
        )
    return lines


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Explorer page loads — {report['customers']:,} customers",
        "",
        f"Run {report['generated_at']} on this machine (2 cores, shared; 1-minute load average "
        f"{_load(report)}); {report['runs']} runs "
        "per view, signed in as the SALES user with the most accounts. *In-app*: the URL changes "
        "as a click on a link does it, the view fetches and renders. *Cold*: a full page load "
        "(HTML, the app's script, the `me` check, the view). Loaded = the view's `h1` is there "
        "and nothing says Loading. Absolute times move with the machine's load.",
        "",
        *_table(report["views"]),
    ]
    before = report.get("before")
    if before:
        lines += [
            "",
            f"## Before: the run of {before['generated_at']} ({before['runs']} runs per view, "
            f"load average {_load(before)})",
            "",
            *_table(before["views"]),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.explorer", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--before", type=Path, help="an earlier run's JSON report, shown under this run's table"
    )
    args = parser.parse_args()
    before = json.loads(args.before.read_text()) if args.before else None
    if before:
        before.pop("before", None)  # one generation back only
    neo4j = bench_neo4j(f"neo4j-{args.customers}-{args.seed}")
    try:
        subjects = asyncio.run(_prepare(neo4j.uri, args.customers, args.seed))
        api = start_api(neo4j)
        load_before = os.getloadavg()[0]
        try:
            views = asyncio.run(_measure(api.url, subjects, args.runs))
        finally:
            api.stop()
    finally:
        stop(neo4j)
    report = {
        "customers": args.customers,
        "seed": args.seed,
        "runs": args.runs,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "views": views,
        "before": before,
    }
    RESULTS.mkdir(exist_ok=True)
    stem = f"explorer-{args.customers}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
