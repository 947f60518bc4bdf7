"""Benchmark plumbing: a dedicated Neo4j, a seeded dataset, a real uvicorn, timing helpers.

The API server runs as a separate process (as in production) so the load generator does not
share its interpreter; the "floor" replays the exact statement and parameters the API ran,
straight through the driver, so the ratio isolates Rapport's own overhead.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, stop
from graphdb.migrations import migrate

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "rapport-bench-password"  # noqa: S105 - loopback-only benchmark database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_neo4j(name: str, plugins: tuple[Path, ...] = ()) -> LocalNeo4jConfig:
    """A Neo4j for one dataset size, kept between runs so seeding happens once (with these
    plugin jars, e.g. APOC for bench/peer)."""
    config = LocalNeo4jConfig(
        home=REPO / ".rapport" / "bench" / name,
        launcher_dir=REPO / ".rapport" / "launcher",
        port=free_port(),
        password=PASSWORD,
        heap="1g",
        pagecache="1g",
        plugins=plugins,
    )
    stop(config)  # a run killed earlier may have left it running on another port
    start(config)
    return config


async def ensure_dataset(uri: str, customers: int, seed: int) -> tuple[float, str]:
    """Migrate and seed (with `rapport seed`'s own code) once per data directory. Returns the
    seconds spent seeding (0 when the data was already there) and a new ADMIN key for the API."""
    from rapport.auth.keys import create_api_key
    from rapport.seed import seed_graph

    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=600)
    try:
        await migrate(graph)
        token = (
            await create_api_key(graph, email="bench@rapport.local", name="bench", role="ADMIN")
        ).token
        rows = await graph.read("MATCH (c:Customer) RETURN count(c) AS n")
        if rows[0]["n"] >= customers:
            return 0.0, token
        started = time.perf_counter()
        await seed_graph(graph, customers=customers, seed=seed, progress=True)
        return time.perf_counter() - started, token
    finally:
        await graph.close()


@dataclass
class ApiServer:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_api(
    neo4j: LocalNeo4jConfig, extra_env: dict[str, str] | None = None, repo: Path = REPO
) -> ApiServer:
    """The API of the checkout at `repo` (another checkout serves as a baseline) over `neo4j`."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(repo),
        "NEO4J_URI": neo4j.uri,
        "NEO4J_PASSWORD": PASSWORD,
        "RAPPORT_ENV": "development",
        "RAPPORT_LOG_LEVEL": "WARNING",
        # One client sends requests back to back; the per-token limit is not what we measure.
        "RAPPORT_RATE_LIMIT": "100000",
        "RAPPORT_RATE_BURST": "100000",
        "RAPPORT_MAX_QUERY_DEPTH": "20",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "rapport.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=repo,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return ApiServer(url, process)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError("API server did not become ready")


@dataclass
class Timing:
    samples_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def nearest_rank(values: list[float], q: float) -> float:
    """The `q` quantile (0-1) by nearest rank, rounded to 0.1: what the load benchmarks report
    as p50/p95/p99 of their latencies in milliseconds (0.0 for no samples)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def admin_token(uri: str, *, empty: bool = False) -> str:
    """Migrate the benchmark database and create an ADMIN key for the load generator; with
    `empty`, delete everything but the migration records first, so every run starts alike."""
    from rapport.auth.keys import create_api_key  # the CLI's import cost, only when used

    graph = Graph.connect(uri, "neo4j", PASSWORD)
    try:
        await migrate(graph)
        if empty:
            await graph.write("MATCH (n) WHERE NOT n:RapportMigration DETACH DELETE n")
        key = await create_api_key(graph, email="bench@rapport.local", name="bench", role="ADMIN")
        return key.token
    finally:
        await graph.close()


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) a process has used so far; None where /proc is unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(fn: Callable[[], Any], iterations: int, warmup: int = 5) -> Timing:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return Timing(samples)


def measure_interleaved(
    fns: list[Callable[[], Any]], iterations: int, warmup: int = 5
) -> list[Timing]:
    """Time each of `fns` `iterations` times in rounds of one call each, the first of a round
    rotating: the machine's load at any moment weighs on all of them alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for i in range(iterations):
        for k in range(len(fns)):
            j = (i + k) % len(fns)
            started = time.perf_counter()
            fns[j]()
            samples[j].append((time.perf_counter() - started) * 1000)
    return [Timing(s) for s in samples]
