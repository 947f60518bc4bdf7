"""Read-path benchmark (issue 4): end-to-end GraphQL over HTTP against the driver floor."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from neo4j import READ_ACCESS, Driver

from bench.harness import Timing, measure_interleaved
from core import global_id
from core.model import ENTITIES
from graphdb.compiler import cursor as cursors
from graphdb.compiler.ordering import SortKey, sort_keys

LIST_QUERY = """query List($after: String, $stage: LifecycleStage!) {
  customers(first: 20, after: $after, filter: {lifecycleStage: {eq: $stage}},
            orderBy: [{field: NAME, direction: ASC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name email lifecycleStage totalSpent orderCount } }
  }
}"""

POINT_QUERY = """query Point($id: ID!) {
  node(id: $id) { id ... on Customer { name email phone lifecycleStage leadScore totalSpent
    orderCount lastOrderAt address { city country } } }
}"""

NESTED_QUERY = """query Nested($id: ID!) {
  node(id: $id) { ... on Company { name
    contacts(first: 10) { totalCount edges { jobTitle seniority node { fullName email
      interactions(first: 5) { edges { node { kind occurredAt subject sentiment } } } } } } } }
}"""

TOP_SPENDERS = """query Top($after: String) {
  customers(first: 20, after: $after, orderBy: [{field: TOTAL_SPENT, direction: DESC}]) {
    pageInfo { endCursor }
    edges { node { id name totalSpent orderCount lastOrderAt } }
  }
}"""


@dataclass
class Case:
    name: str
    query: str
    variables: dict[str, Any]


@dataclass
class Result:
    name: str
    api: Timing
    floor: Timing
    statements: int
    failure: str | None = None
    #: The same requests to a second API process (another checkout), in the same rounds.
    baseline: Timing | None = None

    def row(self) -> dict[str, Any]:
        row = {
            "query": self.name + (f" — FAILED: {self.failure}" if self.failure else ""),
            "api_p50_ms": round(self.api.p50, 2),
            "api_p95_ms": round(self.api.p95, 2),
            "floor_p50_ms": round(self.floor.p50, 2),
            "floor_p95_ms": round(self.floor.p95, 2),
            "ratio_p50": round(self.api.p50 / self.floor.p50, 2) if self.floor.p50 else None,
            "statements_per_request": self.statements,
        }
        if self.baseline is not None:
            row["baseline_p50_ms"] = round(self.baseline.p50, 2)
            row["baseline_ratio_p50"] = (
                round(self.baseline.p50 / self.floor.p50, 2) if self.floor.p50 else None
            )
        return row


def cursor_at(
    driver: Driver,
    entity: str,
    order_by: list[dict[str, str]] | None,
    where: str,
    params: dict[str, Any],
    position: int,
) -> str:
    """The cursor of the item at `position` — what a client holds after paging that far."""
    keys: list[SortKey] = sort_keys(ENTITIES[entity], order_by)
    order = ", ".join(f"n.{k.prop.name} {'DESC' if k.descending else 'ASC'}" for k in keys)
    values = ", ".join(f"n.{k.prop.name}" for k in keys)
    total, _, _ = driver.execute_query(f"MATCH (n:{entity}) {where} RETURN count(n) AS n", params)
    position = max(0, min(position, total[0]["n"] - 21))  # small datasets: the deepest full page
    records, _, _ = driver.execute_query(
        f"MATCH (n:{entity}) {where} WITH n ORDER BY {order} SKIP $skip LIMIT 1 "
        f"RETURN [{values}] AS v",
        {**params, "skip": position},
    )
    field = "customers"
    sig = cursors.signature(f".{field}>{entity}", [(k.prop.name, k.descending) for k in keys])
    return cursors.encode(sig, records[0]["v"])


def cases(driver: Driver) -> list[Case]:
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer) WITH c ORDER BY c.id LIMIT 1 RETURN c.id AS id"
    )
    customer = global_id.encode("Customer", records[0]["id"])
    records, _, _ = driver.execute_query(
        "MATCH (co:Company)<-[w:WORKS_AT]-(:Contact) WHERE w.endedOn IS NULL "
        "WITH co, count(*) AS staff ORDER BY staff DESC, co.id LIMIT 1 RETURN co.id AS id"
    )
    company = global_id.encode("Company", records[0]["id"])
    stage_order = [{"field": "name", "direction": "ASC"}]
    page_1000 = cursor_at(
        driver,
        "Customer",
        enum_order(stage_order),
        "WHERE n.lifecycleStage = $stage",
        {"stage": "CUSTOMER"},
        20 * 999 - 1,
    )
    spend_order = [{"field": "totalSpent", "direction": "DESC"}]
    spend_1000 = cursor_at(driver, "Customer", enum_order(spend_order), "", {}, 20 * 999 - 1)
    return [
        Case("point lookup (node by id)", POINT_QUERY, {"id": customer}),
        Case("filtered+sorted list, page 1", LIST_QUERY, {"stage": "CUSTOMER"}),
        Case(
            "filtered+sorted list, page 1000", LIST_QUERY, {"stage": "CUSTOMER", "after": page_1000}
        ),
        Case("3-level nested (company→contacts→interactions)", NESTED_QUERY, {"id": company}),
        Case("sort by totalSpent, page 1", TOP_SPENDERS, {}),
        Case("sort by totalSpent, page 1000", TOP_SPENDERS, {"after": spend_1000}),
    ]


class _Enum:
    def __init__(self, value: str) -> None:
        self.value = value


def enum_order(order: list[dict[str, str]]) -> list[dict[str, Any]]:
    """An `orderBy` over stored property names, in the form `sort_keys` takes (enum values)."""
    return [{"field": _Enum(o["field"]), "direction": _Enum(o["direction"])} for o in order]


#: The statement listing is only for an ADMIN who asks; timed requests do not ask.
DEBUG = {"X-Rapport-Debug": "1"}
#: A query slower than this on its first run is timed once, not `iterations` times.
SLOW_MS = 5_000.0


def run_case(
    http: httpx.Client,
    driver: Driver,
    case: Case,
    iterations: int,
    baseline: httpx.Client | None = None,
) -> Result:
    """Time the API, the floor (and a baseline API) request by request, interleaved: each
    round sends one of each, the first of the round rotating, so a change in the machine's
    load moves all of them alike and their ratio holds."""
    payload = {"query": case.query, "variables": case.variables}
    # A first request warms what a fresh server process loads lazily (the segment registry:
    # its first read costs two more statements), so the probe below sees the steady state and
    # its statement is the one worth replaying as the floor.
    with contextlib.suppress(httpx.TimeoutException):
        http.post("/graphql", json=payload, timeout=120)
    started = time.perf_counter()
    try:
        probe = http.post("/graphql", json=payload, timeout=120, headers=DEBUG).json()
    except httpx.TimeoutException:
        probe = {"errors": [{"message": "client timeout after 120 s"}]}
    probe_ms = (time.perf_counter() - started) * 1000
    if probe.get("errors"):
        # Report the failure (e.g. the 30 s transaction timeout) instead of aborting the run.
        failed = Timing([probe_ms])
        return Result(case.name, failed, failed, 0, str(probe["errors"][0].get("message"))[:120])
    statements = probe["extensions"]["cypher"]
    if probe_ms > SLOW_MS:
        iterations = 1
    # Replay the API's own statement through the driver: the floor Rapport cannot beat.
    cypher = statements[0]["statement"]
    params = _params_of(http, case)

    def api(client: httpx.Client) -> Callable[[], None]:
        def send() -> None:
            response = client.post("/graphql", json=payload)
            response.raise_for_status()

        return send

    def floor() -> None:
        # The same access mode the API uses: one auto-commit read, one round trip.
        with driver.session(database="neo4j", default_access_mode=READ_ACCESS) as session:
            session.run(cypher, params).data()

    if baseline is not None:
        with contextlib.suppress(httpx.TimeoutException):
            baseline.post("/graphql", json=payload, timeout=120)  # its lazy loads, as above
    fns = [api(http), floor] + ([api(baseline)] if baseline is not None else [])
    warmup = 0 if iterations == 1 else 5
    timings = measure_interleaved(fns, iterations, warmup)
    return Result(
        case.name,
        timings[0],
        timings[1],
        len(statements),
        baseline=timings[2] if baseline is not None else None,
    )


def _params_of(http: httpx.Client, case: Case) -> dict[str, Any]:
    response = http.post(
        "/graphql",
        json={"query": case.query, "variables": case.variables},
        headers={**DEBUG, "X-Rapport-Debug-Params": "1"},
    ).json()
    params: dict[str, Any] = response["extensions"]["cypher"][0].get("params", {})
    return params
