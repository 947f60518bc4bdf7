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
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

from bench.harness import PASSWORD, bench_neo4j, nearest_rank, start_api
from graphdb.driver import Graph
from graphdb.local.server import stop
from graphdb.migrations import migrate

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
    #: shared executions serving the subscribers (rapport_subscription_executions)
    executions: float
    #: CPU seconds per wall second during the writes: the API process, this bench process
    api_cpu: float
    bench_cpu: float
    #: the machine's 1-minute load average at the end (other work on it included)
    load_1m: float


async def _token(uri: str) -> str:
    from rapport.auth.keys import create_api_key

    graph = Graph.connect(uri, "neo4j", PASSWORD)
    try:
        await migrate(graph)
        key = await create_api_key(graph, email="bench@rapport.local", name="bench", role="ADMIN")
        return key.token
    finally:
        await graph.close()


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _executions(http: httpx.AsyncClient) -> float:
    text = (await http.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith("rapport_subscription_executions "):
            return float(line.split()[1])
    return 0.0


async def _run(
    url: str, api_pid: int, token: str, subscribers: int, rate: float, seconds: float
) -> Result:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    latencies: list[float] = []
    written: set[str] = set()
    dropped = 0
    ready = 0
    problems: list[str] = []
    stop_at = asyncio.Event()
    all_ready = asyncio.Event()
    if subscribers == 0:  # the write path alone, for comparison
        all_ready.set()

    async def subscriber(i: int) -> None:
        nonlocal dropped, ready
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
                if ready == subscribers:
                    all_ready.set()
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
        except websockets.ConnectionClosed:
            dropped += 1

    tasks = [asyncio.create_task(subscriber(i)) for i in range(subscribers)]
    await all_ready.wait()  # every subscription sent before the first write
    await asyncio.sleep(1.0)  # the operations reach the server's poller

    write_ms: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        executions = await _executions(http)
        api_cpu, bench_cpu, wall = _cpu_seconds(api_pid), time.process_time(), time.monotonic()

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
        wall = time.monotonic() - wall
        api_cpu = (_cpu_seconds(api_pid) - api_cpu) / wall
        bench_cpu = (time.process_time() - bench_cpu) / wall
    expected = len(written) * subscribers
    deadline = time.monotonic() + 30
    # the last deliveries: a condition polled with a deadline
    while len(latencies) < expected - dropped * len(written) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    stop_at.set()
    await asyncio.gather(*tasks, return_exceptions=True)
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
        executions=executions,
        api_cpu=round(api_cpu, 2),
        bench_cpu=round(bench_cpu, 2),
        load_1m=round(os.getloadavg()[0], 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    neo4j = bench_neo4j("neo4j-changes")
    results: list[Result] = []
    try:
        token = asyncio.run(_token(neo4j.uri))
        env = {"RAPPORT_MAX_IN_FLIGHT": "0", "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0"}
        api = start_api(neo4j, env)
        try:
            for count in args.subscribers:
                result = asyncio.run(
                    _run(api.url, api.process.pid, token, count, args.rate, args.seconds)
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
