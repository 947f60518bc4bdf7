"""`python -m bench.changes`: commit → delivery latency of `Subscription.changes`.

A dedicated Neo4j, one API process (a real uvicorn), N WebSocket
subscribers (graphql-transport-ws, each selecting the entity through the read path), and a
writer creating products at a steady rate (open loop, `--rate` writes/s) for `--seconds`.

Latency of one delivery = the time the subscriber received the event minus the event's `at`. `at`
is taken before the writing transaction begins, so this is an upper bound on commit → delivery
(it includes the write's own transaction). Subscribers and writer share this one process and the
machine with the API and Neo4j: reported numbers include their CPU contention.

Writes `bench/results/changes-<subscribers>.json` and appends nothing else; bench/results/
changes.md summarises the runs. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from bench.harness import PASSWORD, admin_token, bench_neo4j, cpu_seconds, nearest_rank, start_api
from graphdb.driver import Graph
from graphdb.local.server import stop
from resolvers.changes import decode_cursor

RESULTS = Path(__file__).resolve().parent / "results"

SUBSCRIPTION = (
    "subscription { changes(types: [PRODUCT]) { cursor at action entityId "
    "entity { id ... on Product { name sku price } } } }"
)
WRITE = (
    "mutation($input: CreateProductInput!) { createProduct(input: $input) { "
    "product { id } errors { code } } }"
)


@dataclass
class Result:
    subscribers: int
    rate_per_s: float
    seconds: float
    writes: int
    write_errors: int
    expected_deliveries: int
    deliveries: int
    dropped_sockets: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    write_p50_ms: float
    #: receive time - the event's `sequencedAt` (numbered, after its commit): a lower bound
    numbered_p50_ms: float
    numbered_p95_ms: float
    numbered_p99_ms: float
    #: shared executions serving the subscribers (rapport_subscription_executions)
    executions: float
    #: from the first write to the last delivery: wall seconds, CPU seconds of the API process
    #: and of this bench process (the subscribers' clients and the writer)
    wall_s: float
    api_cpu_s: float
    bench_cpu_s: float
    neo4j_cpu_s: float
    #: the machine's 1-minute load average at the end (other work on it included)
    load_1m: float


def _cpu_seconds(pid: int) -> float:
    return cpu_seconds(pid) or 0.0


def _pid_of(marker: str) -> int | None:
    """The java process whose command line mentions `marker` (the bench Neo4j's home)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "java" in cmdline and marker in cmdline:
            return int(entry.name)
    return None


async def _open(http: httpx.AsyncClient) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith("rapport_subscriptions_open "):
            return float(line.split()[1])
    return 0.0


async def _executions(http: httpx.AsyncClient) -> float:
    text = (await http.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("rapport_subscription_executions "):
            return float(line.split()[1])
    return 0.0


async def _numbered_at(uri: str, seqs: set[int]) -> dict[int, float]:
    """When each event was numbered (`sequencedAt`, after its commit), as epoch seconds."""
    graph = Graph.connect(uri, "neo4j", PASSWORD)
    try:
        rows = await graph.read(
            "MATCH (e:AuditEvent) WHERE e.seq IN $seqs RETURN e.seq AS seq, e.sequencedAt AS t",
            {"seqs": sorted(seqs)},
        )
        return {int(r["seq"]): r["t"].to_native().timestamp() for r in rows}
    finally:
        await graph.close()


async def _run(
    url: str,
    neo4j_uri: str,
    api_pid: int,
    neo4j_pid: int | None,
    token: str,
    subscribers: int,
    rate: float,
    seconds: float,
    profile: Callable[[float], subprocess.Popen[bytes]] | None = None,
) -> Result:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    latencies: list[float] = []
    received_at: list[tuple[int, float]] = []  # (seq, receive time)
    written: set[str] = set()
    dropped = 0
    ready = 0
    problems: list[str] = []
    stop_at = asyncio.Event()
    all_ready = asyncio.Event()
    if subscribers == 0:  # the write path alone, for comparison
        all_ready.set()

    failed: list[str] = []

    def settled() -> None:
        if ready + len(failed) == subscribers:
            all_ready.set()

    async def subscriber(i: int) -> None:
        nonlocal dropped, ready
        subscribed = False
        try:
            async with websockets.connect(
                ws_url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                max_queue=None,
            ) as ws:
                await ws.send(
                    json.dumps({"type": "connection_init", "payload": {"authToken": token}})
                )
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                payload = {"query": SUBSCRIPTION}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                ready += 1
                subscribed = True
                settled()
                while not stop_at.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 1.0)
                    except TimeoutError:
                        continue
                    received = time.time()
                    message = orjson.loads(raw)
                    data = (message.get("payload") or {}).get("data") or {}
                    if message.get("type") != "next" or not data.get("changes"):
                        problems.append(str(raw)[:300])
                        continue
                    event = data["changes"]
                    at = dt.datetime.fromisoformat(event["at"]).timestamp()
                    latencies.append((received - at) * 1000)
                    received_at.append((decode_cursor(event["cursor"])[1], received))
        except Exception as exc:
            if subscribed:
                dropped += 1
            else:
                failed.append(repr(exc)[:200])
                settled()

    tasks = [asyncio.create_task(subscriber(i)) for i in range(subscribers)]
    await all_ready.wait()  # every subscription sent (or failed) before the first write
    if failed:
        print(f"{len(failed)} subscribers failed to subscribe, e.g. {failed[0]}", flush=True)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        # every subscription registered with the server's poller (as the metrics say)
        deadline = time.monotonic() + 120
        while await _open(http) < ready and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    if profile is not None:
        spy = profile(seconds)

    write_ms: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        executions = await _executions(http)
        api_cpu, bench_cpu, wall = _cpu_seconds(api_pid), time.process_time(), time.monotonic()
        db_cpu = _cpu_seconds(neo4j_pid) if neo4j_pid else 0.0

        async def write(n: int) -> None:
            nonlocal errors
            body = {
                "query": WRITE,
                "variables": {
                    "input": {
                        "sku": f"BENCH-{time.time_ns()}-{n}",
                        "name": f"Bench product {n}",
                        "price": "9.90",
                        "currency": "EUR",
                    }
                },
            }
            started = time.perf_counter()
            response = await http.post("/graphql", json=body)
            write_ms.append((time.perf_counter() - started) * 1000)
            data = response.json().get("data") or {}
            payload = data.get("createProduct") or {}
            if response.status_code != 200 or payload.get("errors") or not payload.get("product"):
                errors += 1
            else:
                written.add(payload["product"]["id"])

        pending = []
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < seconds:
            pending.append(asyncio.create_task(write(n)))
            n += 1
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        await asyncio.gather(*pending)
    expected = len(written) * subscribers
    deadline = time.monotonic() + 30
    # the last deliveries: a condition polled with a deadline
    while len(latencies) < expected - dropped * len(written) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    wall = time.monotonic() - wall
    api_cpu = _cpu_seconds(api_pid) - api_cpu
    bench_cpu = time.process_time() - bench_cpu
    db_cpu = _cpu_seconds(neo4j_pid) - db_cpu if neo4j_pid else 0.0
    stop_at.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if profile is not None:
        spy.wait()
    numbered = await _numbered_at(neo4j_uri, {seq for seq, _ in received_at})
    after_numbering = [(t - numbered[seq]) * 1000 for seq, t in received_at if seq in numbered]
    if problems:
        print(f"{len(problems)} messages that were not events, e.g. {problems[0]}", flush=True)
    return Result(
        subscribers=subscribers,
        rate_per_s=rate,
        seconds=seconds,
        writes=n,
        write_errors=errors,
        expected_deliveries=expected,
        deliveries=len(latencies),
        dropped_sockets=dropped,
        p50_ms=nearest_rank(latencies, 0.50),
        p95_ms=nearest_rank(latencies, 0.95),
        p99_ms=nearest_rank(latencies, 0.99),
        max_ms=round(max(latencies, default=0.0), 1),
        write_p50_ms=nearest_rank(write_ms, 0.50),
        numbered_p50_ms=nearest_rank(after_numbering, 0.50),
        numbered_p95_ms=nearest_rank(after_numbering, 0.95),
        numbered_p99_ms=nearest_rank(after_numbering, 0.99),
        executions=executions,
        wall_s=round(wall, 1),
        api_cpu_s=round(api_cpu, 2),
        bench_cpu_s=round(bench_cpu, 2),
        neo4j_cpu_s=round(db_cpu, 2),
        load_1m=round(os.getloadavg()[0], 1),
    )


def _profile(pid: int, subscribers: int, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy on the API process from the first write, for the writes and the tail."""
    out = RESULTS / f"changes-profile-{subscribers}.txt"
    spy = Path(sys.executable).parent / "py-spy"
    duration = str(int(seconds + 10))
    cmd = [str(spy), "record", "--pid", str(pid), "--duration", duration, "--format", "raw"]
    return subprocess.Popen([*cmd, "--output", str(out), "--nonblocking"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="Sample the API process with py-spy (pip install py-spy) during each run, into "
        "bench/results/changes-profile-<N>.txt (collapsed stacks).",
    )
    args = parser.parse_args()
    neo4j = bench_neo4j("neo4j-changes")
    results: list[Result] = []
    try:
        token = asyncio.run(admin_token(neo4j.uri))
        env = {"RAPPORT_MAX_IN_FLIGHT": "0", "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0"}
        api = start_api(neo4j, env)
        try:
            for count in args.subscribers:
                pid = api.process.pid
                result = asyncio.run(
                    _run(
                        api.url,
                        neo4j.uri,
                        api.process.pid,
                        _pid_of(str(neo4j.home)),
                        token,
                        count,
                        args.rate,
                        args.seconds,
                        functools.partial(_profile, pid, count) if args.profile else None,
                    )
                )
                print(result, flush=True)
                results.append(result)
        finally:
            api.stop()
    finally:
        stop(neo4j)
    RESULTS.mkdir(exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    for r in results:
        data: dict[str, Any] = {"when": when, **asdict(r)}
        path = RESULTS / f"changes-{r.subscribers}.json"
        path.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
