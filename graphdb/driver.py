"""The one async Neo4j driver of a process, and the only place Cypher is sent from.

Every statement goes through `Graph.read`/`Graph.write`, so a context variable can record each
statement and its database time for the request (the debug extension and the per-request
statement count in the log are built on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from graphql import GraphQLError
from neo4j import (
    READ_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Query,
    unit_of_work,
)
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from opentelemetry import trace

from core.settings import Budgets

T = TypeVar("T")
Record = dict[str, Any]
log = logging.getLogger("rapport.db")


#: Client-side margin over the transaction timeout before an unresponsive server is given up on.
GRACE_S = 2.0
_FIRST_DELAY_S = 0.05
_MAX_DELAY_S = 1.0


@dataclass
class StatementLog:
    """Statements one request ran, with their time on the database."""

    entries: list[tuple[str, float]] = field(default_factory=list)
    params: list[Mapping[str, Any]] = field(default_factory=list)

    def add(self, cypher: str, ms: float, params: Mapping[str, Any] | None = None) -> None:
        self.entries.append((cypher, ms))
        self.params.append(params or {})

    @property
    def count(self) -> int:
        return len(self.entries)


_statement_log: contextvars.ContextVar[StatementLog | None] = contextvars.ContextVar(
    "rapport_statement_log", default=None
)


def begin_statement_log() -> StatementLog:
    """Start recording statements for the current request (task context)."""
    log = StatementLog()
    _statement_log.set(log)
    return log


#: Called with +1 when a session (a pooled connection) is taken and -1 when it is given back:
#: the metrics' "sessions in use" gauge (rapport/observability/metrics.py) registers here.
_session_listeners: list[Callable[[int], None]] = []


def watch_sessions(listener: Callable[[int], None]) -> None:
    """Register `listener(delta)` for sessions taken (+1) and given back (-1); idempotent."""
    if listener not in _session_listeners:
        _session_listeners.append(listener)


@contextlib.contextmanager
def _session_in_use() -> Iterator[None]:
    for listener in _session_listeners:
        listener(1)
    try:
        yield
    finally:
        for listener in _session_listeners:
            listener(-1)


_tracer = trace.get_tracer("rapport.cypher")


def _statement_span(cypher: str, database: str | None = None) -> Any:
    """A span for one statement (a no-op unless tracing is configured): its text, never the
    values of its parameters."""
    attributes = {"db.system.name": "neo4j", "db.query.text": cypher}
    if database:
        attributes["db.namespace"] = database
    return _tracer.start_as_current_span(
        "cypher", kind=trace.SpanKind.CLIENT, attributes=attributes
    )


def _record(cypher: str, started: float, params: Mapping[str, Any] | None = None) -> None:
    log = _statement_log.get()
    if log is not None:
        log.add(cypher, (time.perf_counter() - started) * 1000, params)


class QueryTimedOut(GraphQLError):
    """A statement ran past the transaction timeout; clients get a clear, stable code."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(
            f"The query took longer than {timeout_s:g} s and was stopped. Ask for less "
            "(a smaller page, fewer nested lists) or narrow it with a filter.",
            extensions={"code": "QUERY_TIMEOUT"},
        )


class QueryTooLarge(GraphQLError):
    """A statement needed more memory than Neo4j allows a transaction: it would fail again the
    same way, so it is not retried, and the client is told to ask for less."""

    def __init__(self) -> None:
        super().__init__(
            "The query needed more memory on the database than one request may use, and was "
            "stopped. Ask for less (a smaller page, fewer nested lists), narrow it with a "
            "filter, or for recommendations use `approximate: true`.",
            extensions={"code": "QUERY_TOO_LARGE"},
        )


def _out_of_memory(exc: Exception) -> bool:
    """Neo4j's transaction memory limit (`db.memory.transaction.max` or the total pool)."""
    code = getattr(exc, "code", None) or ""
    return "MemoryPoolOutOfMemoryError" in code or "TransactionOutOfMemoryError" in code


class DatabaseUnavailable(GraphQLError):
    """The database cannot be reached within the budget: HTTP 503 with `Retry-After`.

    Nothing was changed (a write that may have reached its commit is `CommitUnknown` instead).
    """

    CODE = "DATABASE_UNAVAILABLE"

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(
            "The database is unavailable right now, so nothing was read or changed. Retry "
            f"after {retry_after_s} s.",
            extensions={"code": self.CODE, "retryAfter": retry_after_s},
        )


class CommitUnknown(GraphQLError):
    """The connection died after COMMIT was sent: the change may or may not be saved."""

    CODE = "COMMIT_UNKNOWN"

    def __init__(self) -> None:
        super().__init__(
            "The connection to the database was lost while this change was being committed, "
            "so it may or may not have been saved. Retry with the same idempotencyKey: the "
            "retry returns the saved record, or saves it exactly once.",
            extensions={"code": self.CODE},
        )


def _timed_out(exc: Exception, ran_out: bool) -> bool:
    """A transaction ended by its timeout. Neo4j says so in three ways, depending on what the
    transaction was doing when the timeout struck: running (TransactionTimedOut...),
    terminated between steps (Terminated), or asking for a lock (LockClientStopped, seen when
    a timed-out batch write was about to create a node; tests/test_batches.py). The last also
    means a shutdown or an operator's kill, so it counts only when the time had `ran_out`."""
    code = getattr(exc, "code", None) or ""
    if "Transaction.LockClientStopped" in code:
        return ran_out
    return "TransactionTimedOut" in code or "Transaction.Terminated" in code


def _unreachable(exc: Exception) -> bool:
    """A failure that says the database cannot be used right now (not a problem of the query)."""
    if isinstance(exc, ServiceUnavailable | SessionExpired | ConnectionAcquisitionTimeoutError):
        return True
    code = getattr(exc, "code", None) or ""
    return isinstance(exc, TransientError) and "DatabaseUnavailable" in code


def write_refused(exc: BaseException) -> bool:
    """Whether Neo4j refused a write because the database is read-only or the credentials
    may not write (as opposed to a write that failed)."""
    code = getattr(exc, "code", None) or ""
    return isinstance(exc, Neo4jError) and (
        "ReadOnly" in code
        or code == "Neo.ClientError.Statement.AccessMode"  # a write in a read-only session
        or code.startswith("Neo.ClientError.Security.Forbidden")
    )


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, Neo4jError | DriverError):
        return exc.is_retryable()
    return False


class _Outage:
    """Whether the database is known to be down: one log line when that changes, either way."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.since: float | None = None
        self.refused = 0

    def down(self, exc: BaseException) -> None:
        self.refused += 1
        if self.since is None:
            self.since = time.monotonic()
            self.refused = 1
            log.warning(
                "Neo4j at %s is unavailable (%s: %s); requests answer 503 DATABASE_UNAVAILABLE "
                "until it is back",
                self.uri,
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    def up(self) -> None:
        if self.since is not None:
            log.warning(
                "Neo4j at %s is available again after %.1f s (%d request(s) answered 503)",
                self.uri,
                time.monotonic() - self.since,
                self.refused,
            )
            self.since = None

    def began_before(self, started: float) -> bool:
        """True when the outage was already known when an operation started: fail fast."""
        return self.since is not None and self.since <= started


def _delay(attempt: int) -> float:
    return float(min(_FIRST_DELAY_S * 2**attempt, _MAX_DELAY_S) * random.uniform(0.8, 1.2))  # noqa: S311


class Graph:
    """A connected database: driver, database name and the wait budgets."""

    def __init__(
        self, driver: AsyncDriver, database: str, budgets: Budgets, uri: str = "neo4j"
    ) -> None:
        self.driver = driver
        self.database = database
        self.budgets = budgets
        self.outage = _Outage(uri)
        #: how `connect` made the driver (None: a driver made elsewhere), for `dedicated`
        self._connect: dict[str, Any] | None = None

    @property
    def tx_timeout_s(self) -> float:
        return self.budgets.tx_timeout_s

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        tx_timeout_s: float = 30,
        *,
        budgets: Budgets | None = None,
        notifications: bool = False,
    ) -> Graph:
        """`notifications`: ask Neo4j for its warnings (deprecations, cartesian products,
        unbounded patterns); the driver logs each on the `neo4j.notifications` logger.
        Development turns it on so they are seen early. Unknown labels and properties
        (UNRECOGNIZED) are left out: on a young database they are normal, not a defect."""
        budgets = budgets or Budgets(tx_timeout_s=tx_timeout_s)
        options: dict[str, Any] = {
            "auth": (user, password),
            "max_connection_pool_size": 50,
            "connection_timeout": budgets.connect_s,
            "connection_acquisition_timeout": budgets.acquire_s,
            "max_transaction_retry_time": budgets.retry_s,
            "notifications_min_severity": "WARNING" if notifications else "OFF",
            "notifications_disabled_classifications": ["UNRECOGNIZED"] if notifications else None,
        }
        graph = cls(AsyncGraphDatabase.driver(uri, **options), database, budgets, uri)
        graph._connect = {"uri": uri, **options}
        return graph

    def dedicated(self, pool_size: int) -> Graph:
        """The same database through a driver of its own with `pool_size` connections: work
        that must not queue behind this graph's pool (the change feed's poller). A graph not
        made by `connect` returns itself. The caller closes what it gets (when not self)."""
        if self._connect is None:
            return self
        options = {**self._connect, "max_connection_pool_size": pool_size}
        uri = options.pop("uri")
        return Graph(AsyncGraphDatabase.driver(uri, **options), self.database, self.budgets, uri)

    async def close(self) -> None:
        await self.driver.close()

    async def _attempts(
        self, run: Callable[[float], Awaitable[T]], *, limit_s: float, committing: list[bool]
    ) -> T:
        """Run `run(acquire_timeout)` until it succeeds, within the retry budget.

        `committing[0]` is set by `run` once its work is done and COMMIT is on its way: a lost
        connection after that point is COMMIT_UNKNOWN, never retried. Before it, nothing was
        committed, so an unreachable database is retried until the budget is spent (at once
        given up when the outage was known before this operation started) and then is
        DATABASE_UNAVAILABLE; a timed-out transaction is QUERY_TIMEOUT.
        """
        budgets = self.budgets
        started = time.monotonic()
        deadline = started + budgets.retry_s
        attempt = 0
        while True:
            committing[0] = False
            acquire = max(0.05, min(budgets.acquire_s, deadline - time.monotonic()))
            began = time.monotonic()
            try:
                async with asyncio.timeout(acquire + limit_s + GRACE_S):
                    result = await run(acquire)
            except TimeoutError as exc:  # the server stopped answering mid-transaction
                if committing[0]:
                    raise CommitUnknown() from exc
                self.outage.down(exc)
                raise DatabaseUnavailable(budgets.retry_after_s) from exc
            except IncompleteCommit as exc:
                raise CommitUnknown() from exc
            except (Neo4jError, DriverError) as exc:
                if _timed_out(exc, ran_out=time.monotonic() - began >= limit_s):
                    raise QueryTimedOut(limit_s) from exc
                if _out_of_memory(exc):  # a TransientError, but it would only fail again
                    raise QueryTooLarge() from exc
                unreachable = _unreachable(exc)
                if unreachable and committing[0]:
                    raise CommitUnknown() from exc
                if not (unreachable or _retryable(exc)):
                    raise
                delay = _delay(attempt)
                if self.outage.began_before(started) or time.monotonic() + delay >= deadline:
                    if not unreachable:
                        raise
                    if not isinstance(exc, ConnectionAcquisitionTimeoutError):
                        self.outage.down(exc)  # a full pool is overload, not an outage
                    raise DatabaseUnavailable(budgets.retry_after_s) from exc
                attempt += 1
                await asyncio.sleep(delay)
            else:
                self.outage.up()
                return result

    async def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
        as_decoded: bool = False,
    ) -> list[Record]:
        """One read statement as an auto-commit query: a single network round trip.

        A managed transaction costs BEGIN and COMMIT round trips on top of the query, about
        doubling the database time of a typical GraphQL read. Reads are idempotent, so the
        retry the managed form would give is done here instead (`_attempts`, within the retry
        budget). `timeout_s` overrides the transaction timeout for the few whole-database
        analyses. `as_decoded` skips `Record.data()`, which walks every value to turn nodes
        and relationships into dictionaries: for statements that return only maps, lists and
        values (the compiler's), where that walk is a large share of a big result's cost.
        """
        limit = self.tx_timeout_s if timeout_s is None else timeout_s
        query = Query(cypher, timeout=limit)
        started = time.perf_counter()

        async def run(acquire: float) -> list[Record]:
            with _session_in_use():
                return await read_in_session(acquire)

        async def read_in_session(acquire: float) -> list[Record]:
            async with self.driver.session(
                database=self.database,
                default_access_mode=READ_ACCESS,
                connection_acquisition_timeout=acquire,
                disable_auto_commit_retries=True,
            ) as session:
                with _statement_span(cypher, self.database):
                    result = await session.run(query, dict(params or {}))
                    if as_decoded:
                        return [dict(zip(r.keys(), r, strict=True)) async for r in result]
                    return [record.data() async for record in result]

        records = await self._attempts(run, limit_s=limit, committing=[False])
        _record(cypher, started, params)
        return records

    async def write(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> list[Record]:
        """One write statement in a managed (retried) write transaction."""

        async def work(tx: AsyncManagedTransaction) -> list[Record]:
            return await run_in(tx, cypher, params)

        return await self.write_tx(work, timeout_s=timeout_s)

    async def write_tx(
        self,
        work: Callable[[AsyncManagedTransaction], Awaitable[T]],
        *,
        timeout_s: float | None = None,
    ) -> T:
        """Run `work` as one write transaction, retried within the retry budget.

        The driver's own retry is off (each `execute_write` is one attempt): `_attempts` retries
        instead, so the budget is ours and a lost commit is told apart from a failed attempt.
        `timeout_s` replaces the transaction timeout (long work: the seed, imports).
        """
        limit = self.tx_timeout_s if timeout_s is None else timeout_s
        committing = [False]

        async def tracked(tx: AsyncManagedTransaction) -> T:
            result = await work(tx)
            committing[0] = True
            return result

        timed = unit_of_work(timeout=limit)(tracked)

        async def run(acquire: float) -> T:
            with _session_in_use():
                return await write_in_session(acquire)

        async def write_in_session(acquire: float) -> T:
            async with self.driver.session(
                database=self.database,
                connection_acquisition_timeout=acquire,
                max_transaction_retry_time=-1,  # one attempt: never sleep and run it again
            ) as session:
                return await session.execute_write(timed)

        return await self._attempts(run, limit_s=limit, committing=committing)

    async def ping(self, timeout_s: float | None = None) -> bool:
        """True when the database answers a trivial query within `timeout_s` (default: the
        connection acquisition budget)."""
        limit = self.budgets.acquire_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(limit):
                async with self.driver.session(
                    database=self.database, connection_acquisition_timeout=limit
                ) as session:
                    result = await session.run("RETURN 1 AS ok")
                    record = await result.single()
                    ok = record is not None and record["ok"] == 1
        except (DriverError, Neo4jError, OSError, TimeoutError):
            return False
        if ok:
            self.outage.up()
        return ok


#: statements `run_in` has run so far in each open transaction
_TX_STATEMENTS: weakref.WeakKeyDictionary[AsyncManagedTransaction, int] = (
    weakref.WeakKeyDictionary()
)


def statements_run(tx: AsyncManagedTransaction) -> int:
    """How many statements `run_in` has run in this transaction so far: a reading taken at
    count k is still what the transaction sees while the count is k (nothing ran since)."""
    return _TX_STATEMENTS.get(tx, 0)


async def run_in(
    tx: AsyncManagedTransaction, cypher: str, params: Mapping[str, Any] | None = None
) -> list[Record]:
    """Run one statement inside an open transaction, recording it for the request."""
    started = time.perf_counter()
    _TX_STATEMENTS[tx] = _TX_STATEMENTS.get(tx, 0) + 1
    with _statement_span(cypher):
        result = await tx.run(cypher, dict(params or {}))
        records = [record.data() async for record in result]
    _record(cypher, started, params)
    return records
