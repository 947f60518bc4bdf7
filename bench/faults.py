"""`make test-faults`: kill -9 Neo4j under concurrent writers, then check what clients were told.

A dedicated Neo4j and a real uvicorn process; `--writers` clients create companies and log
interactions, each request with its own idempotency key, and retry a request (same key) until
it is acknowledged. Meanwhile Neo4j is killed with SIGKILL `--kills` times and restarted.

Checked afterwards (the script exits 1 on any violation):

- every answer during the run was a success, 503 DATABASE_UNAVAILABLE (with Retry-After),
  503 OVERLOADED, or COMMIT_UNKNOWN — never a 500, INTERNAL_ERROR or another code;
- every acknowledged write exists, with the id the client was given;
- each key produced exactly one record (no duplicates from the retries), and replaying every
  key now returns the same id;
- one audit event per record created.

Not part of `make test` (it kills a database and takes minutes); results go to
bench/results/faults.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.harness import PASSWORD, bench_neo4j, start_api
from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, status, stop
from graphdb.migrations import migrate

RESULTS = Path(__file__).resolve().parent / "results"
COMPANY = """mutation($input: CreateCompanyInput!) { createCompany(input: $input) {
  company { id } errors { code } } }"""
INTERACTION = """mutation($input: LogInteractionInput!) { logInteraction(input: $input) {
  interaction { id } errors { code } } }"""
CUSTOMER = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id } errors { code } } }"""


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    #: key -> (mutation, input, acknowledged global id)
    acknowledged: dict[str, tuple[str, dict[str, Any], str]] = field(default_factory=dict)
    retries: int = 0


def _classify(response: httpx.Response) -> tuple[str, str | None]:
    """(kind of answer, the acknowledged id or None)."""
    if response.status_code == 503:
        code = response.json()["errors"][0]["extensions"]["code"]
        if "retry-after" not in response.headers:
            return "503 without Retry-After", None
        return f"503 {code}", None
    if response.status_code != 200:
        return f"HTTP {response.status_code}", None
    body = response.json()
    if body.get("errors"):
        return f"GraphQL {body['errors'][0].get('extensions', {}).get('code')}", None
    [payload] = body["data"].values()
    if payload["errors"]:
        return f"UserError {payload['errors'][0]['code']}", None
    [entity] = [v for k, v in payload.items() if k != "errors"]
    return "ok", str(entity["id"])


ALLOWED = {"ok", "503 DATABASE_UNAVAILABLE", "503 OVERLOADED", "GraphQL COMMIT_UNKNOWN"}


async def _writer(url: str, token: str, customer: str, n: int, stop_at: float, t: Tally) -> None:
    rng = random.Random(n)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        while time.monotonic() < stop_at:
            key = f"w{n}-{uuid.uuid4().hex[:12]}"
            data: dict[str, Any]
            if rng.random() < 0.5:
                query, data = COMPANY, {"name": f"Fault {key}"}
            else:
                query, data = INTERACTION, {"kind": "CALL", "participantIds": [customer]}
            data = {**data, "idempotencyKey": key}
            while True:  # retry this request, same key, until it is acknowledged
                try:
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": {"input": data}}
                    )
                except httpx.HTTPError as exc:
                    t.answers[f"transport {type(exc).__name__}"] += 1
                    t.retries += 1
                    await asyncio.sleep(0.5)
                    continue
                kind, acknowledged = _classify(response)
                t.answers[kind] += 1
                if kind not in ALLOWED:
                    t.violations.append(f"{kind}: {response.text[:300]}")
                if acknowledged is not None:
                    t.acknowledged[key] = (query, data, acknowledged)
                    break
                if kind not in ALLOWED:
                    break
                t.retries += 1
                await asyncio.sleep(float(response.headers.get("retry-after", "0.5")) / 5)


def _kill_9(neo4j: LocalNeo4jConfig) -> None:
    pid = status(neo4j).pid
    if pid is not None:
        os.kill(pid, signal.SIGKILL)


async def _killer(neo4j: LocalNeo4jConfig, kills: int, every_s: float, log: list[str]) -> None:
    for i in range(kills):
        await asyncio.sleep(every_s)
        _kill_9(neo4j)
        down_at = time.monotonic()
        await asyncio.sleep(3)  # clients meet the outage
        await asyncio.to_thread(start, neo4j)
        log.append(f"kill {i + 1}: Neo4j down for {time.monotonic() - down_at:.1f} s")


async def _verify(uri: str, url: str, token: str, t: Tally) -> dict[str, int]:
    graph = Graph.connect(uri, "neo4j", PASSWORD)
    try:
        from core import global_id

        companies = await graph.read(
            "MATCH (c:Company) WHERE c.name STARTS WITH 'Fault ' RETURN c.id AS id, c.name AS name"
        )
        names = Counter(r["name"] for r in companies)
        for name, n in names.items():
            if n != 1:
                t.violations.append(f"{n} companies named {name!r}")
        stored = {r["id"] for r in companies}
        stored |= {r["id"] for r in await graph.read("MATCH (i:Interaction) RETURN i.id AS id")}
        acknowledged = {global_id.decode(gid)[1] for _, _, gid in t.acknowledged.values()}
        lost = acknowledged - stored
        if lost:
            t.violations.append(f"{len(lost)} acknowledged write(s) missing")
        interactions = await graph.read("MATCH (i:Interaction) RETURN count(i) AS n")
        keys = sum(1 for q, _, _ in t.acknowledged.values() if q == INTERACTION)
        if interactions[0]["n"] != keys:
            t.violations.append(f"{interactions[0]['n']} interactions for {keys} keys")
        events = await graph.read(
            "MATCH (e:AuditEvent) WHERE e.action IN ['createCompany', 'logInteraction'] "
            "RETURN count(e) AS n"
        )
        if events[0]["n"] != len(stored):
            t.violations.append(f"{events[0]['n']} audit events for {len(stored)} records")
    finally:
        await graph.close()
    replayed = 0
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for key, (query, data, gid) in t.acknowledged.items():
            response = await http.post(
                "/graphql", json={"query": query, "variables": {"input": data}}
            )
            kind, again = _classify(response)
            if again != gid:
                t.violations.append(f"replay of {key}: {kind} {again} instead of {gid}")
            replayed += 1
    return {"records": len(stored), "acknowledged": len(acknowledged), "replayed": replayed}


async def _setup(uri: str, url: str) -> tuple[str, str]:
    from rapport.auth.keys import create_api_key

    graph = Graph.connect(uri, "neo4j", PASSWORD)
    try:
        await migrate(graph)
        await graph.write(
            "MATCH (n) WHERE n:Company OR n:Interaction OR n:AuditEvent "
            "OR n:IdempotencyKey OR n:Customer DETACH DELETE n"
        )
        token = (
            await create_api_key(graph, email="faults@rapport.local", name="faults", role="ADMIN")
        ).token
    finally:
        await graph.close()
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        data = {"externalId": "FAULT-1", "kind": "INDIVIDUAL", "name": "Fault target"}
        response = await http.post(
            "/graphql", json={"query": CUSTOMER, "variables": {"input": data}}
        )
        _, customer = _classify(response)
        assert customer is not None, response.text
    return token, customer


async def _run(args: argparse.Namespace) -> tuple[Tally, dict[str, int], list[str]]:
    neo4j = bench_neo4j("neo4j-faults")
    api = start_api(neo4j, {"RAPPORT_MAX_IN_FLIGHT": "64", "RAPPORT_MAX_IN_FLIGHT_PER_VIEWER": "0"})
    kills: list[str] = []
    try:
        token, customer = await _setup(neo4j.uri, api.url)
        tally = Tally()
        seconds = args.every * (args.kills + 1)
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            _killer(neo4j, args.kills, args.every, kills),
            *(_writer(api.url, token, customer, n, stop_at, tally) for n in range(args.writers)),
        )
        counts = await _verify(neo4j.uri, api.url, token, tally)
        return tally, counts, kills
    finally:
        api.stop()
        stop(neo4j)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--every", type=float, default=20, help="seconds between kills")
    args = parser.parse_args()
    tally, counts, kills = asyncio.run(_run(args))
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Fault suite: kill -9 Neo4j under concurrent writers",
        "",
        f"{when}; {args.writers} writers, {args.kills} kills every {args.every:g} s. "
        "`make test-faults`.",
        "",
        *(f"- {k}" for k in kills),
        f"- {counts['acknowledged']} acknowledged writes, {counts['records']} records, "
        f"{counts['replayed']} keys replayed, {tally.retries} client retries",
        "",
        "| answer | count |",
        "|---|---|",
        *(f"| {kind} | {n} |" for kind, n in tally.answers.most_common()),
        "",
        f"Violations: {len(tally.violations)}",
        *(f"- {v}" for v in tally.violations[:50]),
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    sys.exit(1 if tally.violations else 0)


if __name__ == "__main__":
    main()
