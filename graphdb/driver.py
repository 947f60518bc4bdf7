"""The one async Neo4j driver of a process, and the only place Cypher is sent from.

Every statement goes through `Graph.read`/`Graph.write`, so a context variable can record each
statement and its database time for the request (the debug extension and the per-request
statement count in the log are built on it).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping
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
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired, TransientError

T = TypeVar("T")
READ_ATTEMPTS = 3
Record = dict[str, Any]


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


def _timed_out(exc: Exception) -> bool:
    code = getattr(exc, "code", None) or ""
    return "TransactionTimedOut" in code or "Transaction.Terminated" in code


class Graph:
    """A connected database: driver, database name and transaction timeout."""

    def __init__(self, driver: AsyncDriver, database: str, tx_timeout_s: float) -> None:
        self.driver = driver
        self.database = database
        self.tx_timeout_s = tx_timeout_s

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        tx_timeout_s: float = 30,
        *,
        notifications: bool = False,
    ) -> Graph:
        """`notifications`: ask Neo4j for its warnings (deprecations, cartesian products,
        unbounded patterns); the driver logs each on the `neo4j.notifications` logger.
        Development turns it on so they are seen early. Unknown labels and properties
        (UNRECOGNIZED) are left out: on a young database they are normal, not a defect."""
        driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=50,
            connection_timeout=5,
            notifications_min_severity="WARNING" if notifications else "OFF",
            notifications_disabled_classifications=["UNRECOGNIZED"] if notifications else None,
        )
        return cls(driver, database, tx_timeout_s)

    async def close(self) -> None:
        await self.driver.close()

    async def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_s: float | None = None,
    ) -> list[Record]:
        """One read statement as an auto-commit query: a single network round trip.

        A managed transaction costs BEGIN and COMMIT round trips on top of the query, about
        doubling the database time of a typical GraphQL read. Reads are idempotent, so the
        retry the managed form would give is done here instead, on the same transient errors.
        `timeout_s` overrides the transaction timeout for the few whole-database analyses.
        """
        limit = self.tx_timeout_s if timeout_s is None else timeout_s
        query = Query(cypher, timeout=limit)
        started = time.perf_counter()
        for attempt in range(READ_ATTEMPTS):
            try:
                async with self.driver.session(
                    database=self.database, default_access_mode=READ_ACCESS
                ) as session:
                    result = await session.run(query, dict(params or {}))
                    records = [record.data() async for record in result]
                break
            except (ServiceUnavailable, SessionExpired, TransientError) as exc:
                if _timed_out(exc):
                    raise QueryTimedOut(limit) from exc
                if attempt == READ_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
            except Neo4jError as exc:
                if _timed_out(exc):
                    raise QueryTimedOut(limit) from exc
                raise
        _record(cypher, started, params)
        return records

    async def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        """One write statement in a managed (retried) write transaction."""

        async def work(tx: AsyncManagedTransaction) -> list[Record]:
            return await run_in(tx, cypher, params)

        return await self.write_tx(work)

    async def write_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run `work` as one write transaction; the driver retries it on transient errors."""
        timed = unit_of_work(timeout=self.tx_timeout_s)(work)
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(timed)

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.driver.session(database=self.database) as session:
                result = await session.run("RETURN 1 AS ok")
                record = await result.single()
                return record is not None and record["ok"] == 1
        except (ServiceUnavailable, SessionExpired, Neo4jError, OSError):
            return False


async def run_in(
    tx: AsyncManagedTransaction, cypher: str, params: Mapping[str, Any] | None = None
) -> list[Record]:
    """Run one statement inside an open transaction, recording it for the request."""
    started = time.perf_counter()
    result = await tx.run(cypher, dict(params or {}))
    records = [record.data() async for record in result]
    _record(cypher, started, params)
    return records
