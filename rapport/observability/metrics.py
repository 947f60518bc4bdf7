"""Prometheus metrics (docs/operations.md lists every one) and the hooks that feed them.

One process: the metrics live in prometheus-client's default registry. Several workers
(`rapport serve --workers N`): `PROMETHEUS_MULTIPROC_DIR` is set before the workers start, every
worker writes its values to files there, and `GET /metrics` (answered by any worker) sums them.

Hooks other parts of Rapport call (cheap, never raise):

- `subscription_opened()` / `subscription_closed()` and `events_delivered(n)` for the live feed
  (registered in resolvers.changes.FEED_LISTENERS: the feed cannot import this layer);
- `import_rows(result)` after an import (registered in resolvers.io.importing.IMPORT_LISTENERS);
- `refused(code)` for requests turned away;
- `pool_delta(n)` is registered with `graphdb.driver.watch_sessions` at start-up.

Operation names come from clients, so at most `MAX_OPERATION_NAMES` distinct names are kept as
label values per process; the rest are counted as `<other>` (a client cannot grow the series).
"""

from __future__ import annotations

import hmac
import os
import re
import threading
from typing import TYPE_CHECKING, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

if TYPE_CHECKING:
    from starlette.types import Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
MAX_OPERATION_NAMES = 200
ANONYMOUS = "<anonymous>"
OTHER = "<other>"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100)

REQUESTS = Counter(
    "rapport_graphql_requests",
    "GraphQL operations over HTTP, by operation name, type and outcome (ok, partial, error).",
    ["operation", "type", "outcome"],
)
LATENCY = Histogram(
    "rapport_graphql_request_duration_seconds",
    "Time from receiving a GraphQL HTTP request to its answer, by operation name and type.",
    ["operation", "type"],
    buckets=_LATENCY_BUCKETS,
)
ERRORS = Counter(
    "rapport_graphql_errors", "GraphQL errors in answers, by extensions.code.", ["code"]
)
STATEMENTS = Histogram(
    "rapport_cypher_statements_per_request",
    "Cypher statements one GraphQL request ran, by operation type.",
    ["type"],
    buckets=_STATEMENT_BUCKETS,
)
DATABASE_TIME = Histogram(
    "rapport_database_seconds_per_request",
    "Time one GraphQL request spent in its Cypher statements, by operation type.",
    ["type"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "rapport_http_requests",
    "HTTP requests by route (graphql, healthz, readyz, metrics, app, playground, other) and "
    "status.",
    ["route", "status"],
)
REFUSALS = Counter(
    "rapport_http_refusals",
    "Requests turned away before GraphQL ran, by code (UNAUTHENTICATED, RATE_LIMITED, "
    "OVERLOADED, BODY_TOO_LARGE, DATABASE_UNAVAILABLE, ...).",
    ["code"],
)
POOL_IN_USE = Gauge(
    "rapport_neo4j_sessions_in_use",
    "Database operations in flight right now, each holding (or waiting for) a pooled Neo4j "
    "connection.",
    multiprocess_mode="livesum",
)
NEO4J_UP = Gauge(
    "rapport_neo4j_up",
    "1 when Neo4j answered the last check (made at each scrape, at most once a second), else 0.",
    multiprocess_mode="livemax",
)
SUBSCRIPTIONS_OPEN = Gauge(
    "rapport_subscriptions_open",
    "GraphQL subscriptions open right now.",
    multiprocess_mode="livesum",
)
SUBSCRIPTION_EXECUTIONS = Gauge(
    "rapport_subscription_executions",
    "Shared executions of live `changes` subscriptions: identical ones (same document, "
    "variables and masking) share one.",
    multiprocess_mode="livesum",
)
EVENTS_DELIVERED = Counter(
    "rapport_subscription_events",
    "Events delivered to subscribers, by subscription field.",
    ["field"],
)
IMPORT_ROWS = Counter(
    "rapport_import_rows",
    "Rows this process imported (importRecords in the API; `rapport import` reports its own), "
    "by type and outcome (created, updated, unchanged, failed).",
    ["type", "outcome"],
)

_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The label value of an operation name: bounded, and only GraphQL names."""
    if not name:
        return ANONYMOUS
    if not _NAME.match(name):
        return OTHER
    with _names_lock:
        if name in _names:
            return name
        if len(_names) >= MAX_OPERATION_NAMES:
            return OTHER
        _names.add(name)
        return name


# --- hooks -------------------------------------------------------------------------------------


def subscription_opened() -> None:
    """Call when a subscription starts streaming (the feed's `Subscription.changes`)."""
    SUBSCRIPTIONS_OPEN.inc()


def subscription_closed() -> None:
    """Call when that subscription ends, however it ends (a `finally:`)."""
    SUBSCRIPTIONS_OPEN.dec()


def events_delivered(count: int = 1, field: str = "changes") -> None:
    """Call with the number of events sent to one subscriber."""
    EVENTS_DELIVERED.labels(field=field).inc(count)


def pool_delta(delta: int) -> None:
    POOL_IN_USE.inc(delta)


def refused(code: str) -> None:
    REFUSALS.labels(code=code).inc()


class _ImportCounts(Protocol):
    type: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int

    @property
    def failed(self) -> int: ...


def import_rows(result: _ImportCounts) -> None:
    """Count the rows of one finished import by outcome (a dry run writes nothing: not counted)."""
    if result.dry_run:
        return
    for outcome, count in (
        ("created", result.created),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
        ("failed", result.failed),
    ):
        if count:
            IMPORT_ROWS.labels(type=result.type, outcome=outcome).inc(count)


def observe_operation(
    *,
    name: str | None,
    type_: str,
    outcome: str,
    seconds: float,
    statements: int,
    database_s: float,
    error_codes: list[str],
) -> None:
    label = operation_label(name)
    REQUESTS.labels(operation=label, type=type_, outcome=outcome).inc()
    LATENCY.labels(operation=label, type=type_).observe(seconds)
    STATEMENTS.labels(type=type_).observe(statements)
    DATABASE_TIME.labels(type=type_).observe(database_s)
    for code in error_codes:
        ERRORS.labels(code=code).inc()


def process_exiting() -> None:
    """At a worker's shutdown: its live gauges (sessions in use, subscriptions open, Neo4j up)
    leave the sum. Counters and histograms stay: they count what happened. A worker killed
    without shutting down keeps its gauges until the next `rapport serve` empties the dir."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


# --- exposition --------------------------------------------------------------------------------


def exposition() -> bytes:
    """The text exposition: this process's registry, or every worker's in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def authorized(token: str | None, authorization: str | None) -> bool:
    """Whether a scrape may read the metrics: `Bearer <RAPPORT_METRICS_TOKEN>` when a token is
    set (compared in constant time); without one, anyone who reaches the port."""
    if token is None:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


async def send_exposition(send: Send) -> None:
    body = exposition()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", CONTENT_TYPE_LATEST.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
