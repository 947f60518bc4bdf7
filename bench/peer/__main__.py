"""`make bench-peer` / `python -m bench.peer`: Rapport side by side with @neo4j/graphql on Apollo.

Seeds (once, with `rapport seed`'s code; kept in .rapport/bench/) N customers into a Neo4j of
its own, starts Rapport (one uvicorn process, production mode, rate limit and admission control
off) and the peer (one `node bench/peer/server.mjs`: @neo4j/graphql 7.6.3 on Apollo Server 5,
type definitions mapped onto the stored model) on that same Neo4j, and for each query of the
issue-16 mix (bench/peer/cases.py):

1. checks both answers equal once normalised, before anything is timed;
2. times it in interleaved rounds (each round alternates which server goes first, so neither
   gets the warmer caches): sequential latency, then closed-loop throughput at concurrency 16;
3. reads each server process's CPU time from /proc around its phases (and Neo4j's, which both
   share), and counts the Cypher statements per request (Rapport: its debug listing; the peer:
   counted driver-side in server.mjs).

Reports Rapport ÷ peer ratios in bench/results/peer-<N>.md and .json. Not a test: the numbers
depend on the machine and on whatever else runs on it (the report gives the load average).
Customers created by the createCustomer case are deleted again after each of its phases.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver, GraphDatabase

from bench.harness import (
    PASSWORD,
    REPO,
    ApiServer,
    Timing,
    bench_neo4j,
    cpu_seconds,
    ensure_dataset,
    free_port,
    measure,
    start_api,
)
from bench.peer.cases import CREATED_PREFIX, Case, Side, build_cases
from graphdb.local.server import LocalNeo4jConfig, status, stop

PEER_DIR = Path(__file__).resolve().parent
RESULTS = REPO / "bench" / "results"
#: A GraphQL error list (top level, or a Rapport payload's `errors`) in a compact JSON body.
ERROR_MARK = b'"errors":[{'
DEBUG = {"X-Rapport-Debug": "1"}
#: @neo4j/graphql needs APOC Core (it formats DateTime fields with apoc.date.convertFormat);
#: the 5.26 line's release, from Maven Central like the project's Neo4j itself.
APOC = "org.neo4j.procedure:apoc-core:5.26.0:jar:core"


def apoc_jar() -> Path:
    """APOC Core's jar, fetched once with Maven into .rapport/bench/plugins/."""
    folder = REPO / ".rapport" / "bench" / "plugins"
    _, artifact, version, _, classifier = APOC.split(":")
    jar = folder / f"{artifact}-{version}-{classifier}.jar"
    if not jar.exists():
        print(f"fetching {APOC} with Maven", flush=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "dependency:copy",
                f"-Dartifact={APOC}",
                f"-DoutputDirectory={folder}",
            ],
            check=True,
        )
    return jar


def cpu(pid: int) -> float:
    """CPU seconds the process has used so far (bench/harness.py reads /proc)."""
    seconds = cpu_seconds(pid)
    if seconds is None:
        raise SystemExit("this benchmark reads CPU times from /proc (Linux)")
    return seconds


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat), for the others' share."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    """One API under test: where it listens and how to count one request's statements."""

    name: str
    url: str
    headers: dict[str, str]
    pid: int
    side: Callable[[Case], Side]
    statements: Callable[[httpx.Client, Case], int]


@dataclass
class Tally:
    """Everything measured for one (query, server) pair, summed over the rounds."""

    samples_ms: list[float] = field(default_factory=list)
    concurrent_requests: int = 0
    concurrent_seconds: float = 0.0
    requests: int = 0
    errors: int = 0
    server_cpu_s: float = 0.0
    neo4j_cpu_s: float = 0.0
    statements: int | None = None

    def row(self) -> dict[str, Any]:
        timing = Timing(self.samples_ms)
        per = max(1, self.requests)
        return {
            "p50_ms": round(timing.p50, 2),
            "p95_ms": round(timing.p95, 2),
            "req_per_s": round(self.concurrent_requests / self.concurrent_seconds, 1),
            "server_cpu_ms_per_req": round(1000 * self.server_cpu_s / per, 2),
            "neo4j_cpu_ms_per_req": round(1000 * self.neo4j_cpu_s / per, 2),
            "statements_per_req": self.statements,
            "requests": self.requests,
            "errors": self.errors,
        }


def post(http: httpx.Client, side: Side, headers: dict[str, str] | None = None) -> httpx.Response:
    return http.post(
        "/graphql", json={"query": side.query, "variables": side.variables()}, headers=headers
    )


def answer(http: httpx.Client, side: Side) -> Any:
    body = post(http, side).json()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors']}")
    return side.canon(body["data"])


def rapport_statements(http: httpx.Client, case: Case) -> int:
    body = post(http, case.rapport, DEBUG).json()
    return int(body["extensions"]["statementCount"])


def peer_statements(stats_url: str) -> Callable[[httpx.Client, Case], int]:
    def count(http: httpx.Client, case: Case) -> int:
        before = httpx.get(stats_url).json()["statements"]
        post(http, case.peer).raise_for_status()
        return int(httpx.get(stats_url).json()["statements"]) - int(before)

    return count


@dataclass
class PeerServer:
    url: str
    stats_url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_peer(neo4j: LocalNeo4jConfig) -> PeerServer:
    if not (PEER_DIR / "node_modules" / "@neo4j" / "graphql").is_dir():
        raise SystemExit("bench/peer has no node_modules: run `make bench-peer` (npm ci).")
    port, stats_port = free_port(), free_port()
    env = {
        **os.environ,
        "NODE_ENV": "production",
        "NEO4J_URI": neo4j.uri,
        "NEO4J_USER": "neo4j",
        "NEO4J_PASSWORD": PASSWORD,
        "PORT": str(port),
        "STATS_PORT": str(stats_port),
    }
    process = subprocess.Popen(["node", "server.mjs"], cwd=PEER_DIR, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=2)
            if probe.status_code == 200:
                return PeerServer(url, f"http://127.0.0.1:{stats_port}/", process)
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("the peer did not start (node bench/peer/server.mjs)")


def verify(
    cases: list[Case], clients: dict[str, httpx.Client], rapports: list[str]
) -> dict[str, str | None]:
    """Each case's answers, normalised, must be equal (every Rapport process's to the peer's);
    returns the differences by case key."""
    problems: dict[str, str | None] = {}
    for case in cases:
        problems[case.key] = None
        try:
            theirs = answer(clients["peer"], case.peer)
            for name in rapports:
                ours = answer(clients[name], case.rapport)
                if ours != theirs:
                    problems[case.key] = f"{name}: {_difference(ours, theirs)}"
        except (RuntimeError, KeyError, TypeError, ValueError) as exc:
            problems[case.key] = f"no comparable answer: {exc}"[:300]
        state = "equal" if problems[case.key] is None else f"DIFFERENT: {problems[case.key]}"
        print(f"  verify {case.name}: {state}", flush=True)
    return problems


def _difference(ours: Any, theirs: Any) -> str:
    a, b = json.dumps(ours, default=str), json.dumps(theirs, default=str)
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"Rapport …{a[max(0, at - 80) : at + 80]}… vs peer …{b[max(0, at - 80) : at + 80]}…"


def sequential(http: httpx.Client, side: Side, iterations: int, warmup: int) -> Timing:
    def once() -> None:
        response = post(http, side)
        if response.status_code != 200 or ERROR_MARK in response.content:
            raise RuntimeError(f"failed request: {response.status_code} {response.text[:300]}")

    return measure(once, iterations, warmup)


async def concurrent(
    target: Target, side: Side, concurrency: int, seconds: float
) -> tuple[int, int, float]:
    """Closed loop: `concurrency` clients send back to back for `seconds`. Returns (answered,
    failed, elapsed seconds)."""
    done = failed = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=target.url, headers=target.headers, timeout=120, limits=limits
    ) as http:
        stop_at = time.monotonic() + seconds

        async def client() -> None:
            nonlocal done, failed
            while time.monotonic() < stop_at:
                response = await http.post(
                    "/graphql", json={"query": side.query, "variables": side.variables()}
                )
                if response.status_code == 200 and ERROR_MARK not in response.content:
                    done += 1
                else:
                    failed += 1

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return done, failed, time.monotonic() - started


def _stored_difference(driver: Driver) -> str | None:
    """Both createCustomer answers agreed; the nodes they stored must have the same properties."""
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer) WHERE c.externalId STARTS WITH $prefix "
        "RETURN substring(c.externalId, size($prefix), 1) AS side, keys(c) AS keys",
        {"prefix": CREATED_PREFIX},
    )
    stored = {r["side"]: sorted(r["keys"]) for r in records}
    same = stored.get("R") == stored.get("P")
    print(f"  stored properties of the created customers: {'same' if same else stored}")
    return None if same else f"stored properties differ: {stored}"


def delete_created(driver: Driver) -> int:
    """Remove the customers the createCustomer case made (both servers'), in batches."""
    removed = 0
    while True:
        records, _, _ = driver.execute_query(
            "MATCH (c:Customer) WHERE c.externalId STARTS WITH $prefix "
            "WITH c LIMIT 2000 DETACH DELETE c RETURN count(*) AS n",
            {"prefix": CREATED_PREFIX},
        )
        batch = int(records[0]["n"])
        removed += batch
        if batch == 0:
            return removed


@dataclass
class Settings:
    customers: int
    seed: int
    rounds: int
    iterations: int
    seconds: float
    concurrency: int
    only: list[str]
    #: More Rapport processes, each (label, extra environment), timed in the same rounds.
    variants: list[tuple[str, dict[str, str]]] = field(default_factory=list)


#: Rapport as the issue measures it: production mode, no rate limit, no admission control.
RAPPORT_ENV = {
    "RAPPORT_ENV": "production",
    "RAPPORT_RATE_LIMIT": "0",
    "RAPPORT_MAX_IN_FLIGHT": "0",
    "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0",
}


def run(settings: Settings) -> dict[str, Any]:
    neo4j = bench_neo4j(f"neo4j-{settings.customers}-{settings.seed}", plugins=(apoc_jar(),))
    servers: list[ApiServer | PeerServer] = []
    try:
        print(f"dataset: {settings.customers:,} customers, seed {settings.seed}", flush=True)
        seed_seconds, token = asyncio.run(
            ensure_dataset(neo4j.uri, settings.customers, settings.seed)
        )
        neo4j_pid = status(neo4j).pid
        assert neo4j_pid is not None
        rapports = []
        for _label, env in [("Rapport", {}), *settings.variants]:
            rapports.append(start_api(neo4j, {**RAPPORT_ENV, **env}))
            servers.append(rapports[-1])
        peer = start_peer(neo4j)
        servers.append(peer)
        with GraphDatabase.driver(
            neo4j.uri, auth=("neo4j", PASSWORD), notifications_min_severity="OFF"
        ) as driver:
            delete_created(driver)  # a run killed earlier may have left some
            cases = [c for c in build_cases(driver) if not settings.only or c.key in settings.only]
            targets = [
                Target(
                    label,
                    api.url,
                    {"Authorization": f"Bearer {token}"},
                    api.process.pid,
                    lambda c: c.rapport,
                    rapport_statements,
                )
                for (label, _env), api in zip(
                    [("Rapport", {}), *settings.variants], rapports, strict=True
                )
            ] + [
                Target(
                    "peer",
                    peer.url,
                    {},
                    peer.process.pid,
                    lambda c: c.peer,
                    peer_statements(peer.stats_url),
                ),
            ]
            report = _measure(settings, cases, targets, neo4j_pid, driver)
    finally:
        for server in servers:
            server.stop()
        stop(neo4j)
    report["seed_seconds"] = round(seed_seconds, 1)
    return report


def _measure(
    settings: Settings, cases: list[Case], targets: list[Target], neo4j_pid: int, driver: Driver
) -> dict[str, Any]:
    clients = {
        t.name: httpx.Client(base_url=t.url, headers=t.headers, timeout=120) for t in targets
    }
    try:
        print("checking the answers are equal:", flush=True)
        problems = verify(cases, clients, [t.name for t in targets[:-1]])
        if "create" in problems and problems["create"] is None:
            problems["create"] = _stored_difference(driver)
        delete_created(driver)
        tallies = {(c.key, t.name): Tally() for c in cases for t in targets}
        for case in cases:
            for target in targets:
                tallies[case.key, target.name].statements = target.statements(
                    clients[target.name], case
                )
        delete_created(driver)
        if settings.rounds == 0:
            return {
                "checked": {
                    c.key: {
                        "different": problems[c.key],
                        "statements": {t.name: tallies[c.key, t.name].statements for t in targets},
                    }
                    for c in cases
                }
            }
        timed = [c for c in cases if problems[c.key] is None]
        loads = [os.getloadavg()]
        busy0 = machine_busy_seconds()
        ours0 = sum(cpu(t.pid) for t in targets) + cpu(neo4j_pid)
        client0 = time.process_time()
        started = time.monotonic()
        for r in range(settings.rounds + 1):  # round 0 warms up and is not counted
            label = "warm-up" if r == 0 else f"round {r}/{settings.rounds}"
            for i, case in enumerate(timed):
                turn = (r + i) % len(targets)  # who goes first rotates
                order = targets[turn:] + targets[:turn]
                for target in order:
                    _phase(settings, case, target, clients, neo4j_pid, tallies, counted=r > 0)
                    if case.writes:
                        delete_created(driver)
                    if r > 0:
                        row = tallies[case.key, target.name].row()
                        print(
                            f"  {label} {case.name} · {target.name}: p50 {row['p50_ms']} ms, "
                            f"{row['req_per_s']} req/s so far",
                            flush=True,
                        )
            loads.append(os.getloadavg())
            print(f"{label} done; load average {loads[-1][0]:.1f}", flush=True)
        elapsed = time.monotonic() - started
        busy = machine_busy_seconds() - busy0
        ours = sum(cpu(t.pid) for t in targets) + cpu(neo4j_pid) - ours0
        client = time.process_time() - client0
    finally:
        for http in clients.values():
            http.close()
    queries = []
    for case in cases:
        entry: dict[str, Any] = {"key": case.key, "query": case.name, "notes": case.notes}
        if problems[case.key] is not None:
            entry["different"] = problems[case.key]
        else:
            rows = {t.name: tallies[case.key, t.name].row() for t in targets}
            theirs = rows["peer"]
            entry |= {"rapport": rows["Rapport"], "peer": theirs}
            entry |= _versus(rows["Rapport"], theirs)
            entry["variants"] = {
                t.name: {**rows[t.name], **_versus(rows[t.name], theirs)} for t in targets[1:-1]
            }
        queries.append(entry)
    return {
        "customers": settings.customers,
        "settings": asdict(settings),
        "queries": queries,
        "machine": {
            "cores": os.cpu_count(),
            "load_average_1m": [round(x[0], 2) for x in loads],
            "busy_cores": round(busy / elapsed, 2),
            "others_busy_cores": round(max(0.0, busy - ours - client) / elapsed, 2),
            "client_busy_cores": round(client / elapsed, 2),
            "timed_seconds": round(elapsed, 1),
        },
        "versions": _versions(),
    }


def _phase(
    settings: Settings,
    case: Case,
    target: Target,
    clients: dict[str, httpx.Client],
    neo4j_pid: int,
    tallies: dict[tuple[str, str], Tally],
    counted: bool,
) -> None:
    side = target.side(case)
    iterations = settings.iterations if counted else 5
    seconds = settings.seconds if counted else min(2.0, settings.seconds)
    cpu0, db0 = cpu(target.pid), cpu(neo4j_pid)
    timing = sequential(clients[target.name], side, iterations, warmup=0 if counted else 5)
    done, failed, elapsed = asyncio.run(concurrent(target, side, settings.concurrency, seconds))
    if not counted:
        return
    tally = tallies[case.key, target.name]
    tally.samples_ms += timing.samples_ms
    tally.concurrent_requests += done
    tally.concurrent_seconds += elapsed
    tally.requests += len(timing.samples_ms) + done + failed
    tally.errors += failed
    tally.server_cpu_s += cpu(target.pid) - cpu0
    tally.neo4j_cpu_s += cpu(neo4j_pid) - db0


def _versus(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, float | None]:
    return {
        "p50_ratio": _ratio(mine["p50_ms"], theirs["p50_ms"]),
        "req_per_s_ratio": _ratio(mine["req_per_s"], theirs["req_per_s"]),
        "cpu_ratio": _ratio(mine["server_cpu_ms_per_req"], theirs["server_cpu_ms_per_req"]),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def _versions() -> dict[str, str]:
    def out(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.strip()
        except OSError:
            return "?"

    lock = json.loads((PEER_DIR / "package-lock.json").read_text())["packages"]
    commit = out("git", "rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if out("git", "status", "--porcelain") else ""
    return {
        "rapport": commit + dirty,
        "python": sys.version.split()[0],
        "node": out("node", "--version"),
        **{
            name: lock[f"node_modules/{name}"]["version"]
            for name in ("@neo4j/graphql", "@apollo/server", "graphql", "neo4j-driver")
        },
    }


def markdown(report: dict[str, Any]) -> str:
    s, m, v = report["settings"], report["machine"], report["versions"]
    loads = m["load_average_1m"]
    lines = [
        f"# Rapport vs @neo4j/graphql — {report['customers']:,} customers",
        "",
        f"Run {report['generated_at']} by `make bench-peer` (bench/peer/): Rapport {v['rapport']} "
        f"(Python {v['python']}, one uvicorn process, production mode, rate limit and admission "
        f"off) and @neo4j/graphql {v['@neo4j/graphql']} on @apollo/server {v['@apollo/server']} "
        f"(graphql {v['graphql']}, neo4j-driver {v['neo4j-driver']}, Node {v['node']}, one "
        "process, no authentication) on one Neo4j 5.26 with the same seeded data. Every answer "
        "was checked equal (normalised) before timing. "
        f"{s['rounds']} interleaved rounds after a warm-up round; per round and server: "
        f"{s['iterations']} sequential requests (p50/p95), then {s['seconds']:g} s closed-loop at "
        f"concurrency {s['concurrency']} (req/s).",
        "",
        f"Machine: {m['cores']} cores shared with other work: 1-minute load average "
        f"{min(loads):.1f} to {max(loads):.1f} during the run; {m['busy_cores']} cores busy on "
        f"average, of which {m['others_busy_cores']} by other processes and "
        f"{m['client_busy_cores']} by this load generator. Ratios are Rapport ÷ peer, measured "
        "in the same rounds; absolute numbers move with the load.",
        "",
        "| query | Rapport p50 ms | peer p50 ms | **p50 ratio** | Rapport p95 | peer p95 "
        "| Rapport req/s | peer req/s | **req/s ratio** |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in report["queries"]:
        if "different" in q:
            lines.append(f"| {q['query']} | not timed: {q['different']} ||||||||")
            continue
        r, p = q["rapport"], q["peer"]
        lines.append(
            f"| {q['query']} | {r['p50_ms']} | {p['p50_ms']} | **{q['p50_ratio']}** | "
            f"{r['p95_ms']} | {p['p95_ms']} | {r['req_per_s']} | {p['req_per_s']} | "
            f"**{q['req_per_s_ratio']}** |"
        )
    lines += [
        "",
        "Cost per request: CPU of the server process (from /proc, over all its timed requests), "
        "CPU of Neo4j while that server was being timed, and Cypher statements per request "
        "(Rapport: its debug listing; the peer: counted in its driver).",
        "",
        "| query | Rapport CPU ms | peer CPU ms | CPU ratio | Neo4j CPU ms (Rapport) "
        "| Neo4j CPU ms (peer) | statements Rapport | statements peer | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in report["queries"]:
        if "different" in q:
            continue
        r, p = q["rapport"], q["peer"]
        lines.append(
            f"| {q['query']} | {r['server_cpu_ms_per_req']} | {p['server_cpu_ms_per_req']} | "
            f"{q['cpu_ratio']} | {r['neo4j_cpu_ms_per_req']} | {p['neo4j_cpu_ms_per_req']} | "
            f"{r['statements_per_req']} | {p['statements_per_req']} | "
            f"{r['errors'] + p['errors']} |"
        )
    notes = [f"- {q['query']}: {n}" for q in report["queries"] for n in q["notes"]]
    if notes:
        lines += ["", *notes]
    for label in report["settings"]["variants"]:
        lines += ["", *_variant_table(report, label[0])]
    if "baseline" in report:
        lines += ["", *_versus_baseline(report)]
    return "\n".join(lines) + "\n"


def _variant_table(report: dict[str, Any], label: str) -> list[str]:
    """Another Rapport process of the same rounds (`--variant`), against the peer and Rapport."""
    env = dict(report["settings"]["variants"])[label]
    lines = [
        f"Rapport with {', '.join(f'{k}={v}' for k, v in env.items())} ({label}), a third "
        "process in the same rounds:",
        "",
        f"| query | {label} p50 ms | {label} req/s | {label} CPU ms | {label} ÷ peer p50 "
        f"| {label} ÷ peer req/s | Rapport ÷ {label} p50 | Rapport ÷ {label} CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for q in report["queries"]:
        if "variants" not in q:
            continue
        v, r = q["variants"][label], q["rapport"]
        lines.append(
            f"| {q['query']} | {v['p50_ms']} | {v['req_per_s']} | {v['server_cpu_ms_per_req']} | "
            f"{v['p50_ratio']} | {v['req_per_s_ratio']} | {_ratio(r['p50_ms'], v['p50_ms'])} | "
            f"{_ratio(r['server_cpu_ms_per_req'], v['server_cpu_ms_per_req'])} |"
        )
    return lines


def _versus_baseline(report: dict[str, Any]) -> list[str]:
    """Rapport's numbers against an earlier run (`--baseline`), ratios to the same peer."""
    base = report["baseline"]
    earlier = {q["key"]: q for q in base["queries"] if "rapport" in q}
    lines = [
        f"Against the earlier run {base.get('generated_at', '?')} (Rapport "
        f"{base['versions']['rapport']}, load average "
        f"{min(base['machine']['load_average_1m']):.1f} to "
        f"{max(base['machine']['load_average_1m']):.1f}): Rapport ÷ peer then → now.",
        "",
        "| query | p50 ratio | req/s ratio | Rapport CPU ms/req | statements |",
        "|---|---:|---:|---:|---:|",
    ]
    for q in report["queries"]:
        b = earlier.get(q["key"])
        if b is None or "rapport" not in q:
            continue
        lines.append(
            f"| {q['query']} | {b['p50_ratio']} → {q['p50_ratio']} | "
            f"{b['req_per_s_ratio']} → {q['req_per_s_ratio']} | "
            f"{b['rapport']['server_cpu_ms_per_req']} → {q['rapport']['server_cpu_ms_per_req']} | "
            f"{b['rapport']['statements_per_req']} → {q['rapport']['statements_per_req']} |"
        )
    return lines


def _variant(text: str) -> tuple[str, dict[str, str]]:
    label, _, assignments = text.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if "=" in a)
    if not label or not env:
        raise SystemExit(f"--variant {text!r}: expected LABEL:VAR=VALUE[,VAR=VALUE]")
    return label, env


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peer", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--customers", type=int, default=10_000, help="dataset size (10000)")
    parser.add_argument("--seed", type=int, default=42, help="dataset seed (42, as make bench)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds (3); 0: only check the answers"
    )
    parser.add_argument(
        "--iterations", type=int, default=30, help="sequential requests per round and server (30)"
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="concurrent seconds per round and server (5)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients (16)")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated cases: page,orders,contacts,deep,count,top,create (all)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="LABEL:VAR=VALUE[,VAR=VALUE]",
        help="also time a Rapport process with this extra environment, in the same rounds "
        "(e.g. 'fast path off:RAPPORT_FAST_PATH=false'); repeatable",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="an earlier run's JSON report: adds a then → now table of Rapport's ratios",
    )
    args = parser.parse_args()
    settings = Settings(
        customers=args.customers,
        seed=args.seed,
        rounds=args.rounds,
        iterations=args.iterations,
        seconds=args.seconds,
        concurrency=args.concurrency,
        only=[x for x in args.only.split(",") if x],
        variants=[_variant(v) for v in args.variant],
    )
    report = run(settings)
    if "checked" in report:  # --rounds 0
        print(json.dumps(report["checked"], indent=2))
        if any(c["different"] for c in report["checked"].values()):
            raise SystemExit("some answers differ")
        return
    report["generated_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if args.baseline:
        report["baseline"] = {
            k: v
            for k, v in json.loads(args.baseline.read_text()).items()
            if k in ("generated_at", "versions", "machine", "queries")
        }
    if settings.only:  # a partial run is printed, not written over the full report
        print(markdown(report))
        return
    RESULTS.mkdir(exist_ok=True)
    stem = f"peer-{settings.customers}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    if any("different" in q for q in report["queries"]):
        raise SystemExit("some answers differ (see the report)")


if __name__ == "__main__":
    main()
