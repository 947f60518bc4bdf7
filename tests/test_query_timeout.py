"""A read or write that runs past the transaction timeout stops with a clear QUERY_TIMEOUT."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError
from strawberry.utils.logging import StrawberryLogger

from core.settings import Settings
from graphdb.driver import Graph, QueryTimedOut, QueryTooLarge


def _connect(settings: Settings, tx_timeout_s: float) -> Graph:
    return Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        settings.neo4j_database,
        tx_timeout_s=tx_timeout_s,
    )


async def _stopped(
    graph: Graph, statement: str, error: type[GraphQLError], *, code: str, says: str
) -> None:
    """`statement` is stopped with `error`, its `code` and a message saying `says`, and the
    connection answers the next statement as usual."""
    with pytest.raises(error) as caught:
        await graph.read(statement)
    assert caught.value.extensions == {"code": code}
    assert says in caught.value.message
    assert await graph.read("RETURN 1 AS one") == [{"one": 1}]


async def test_a_slow_read_is_stopped_with_a_clear_code(settings: Settings, graph: Graph) -> None:
    impatient = _connect(settings, 0.5)
    try:
        await _stopped(
            impatient,
            "UNWIND range(1, 500000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS n",
            QueryTimedOut,
            code="QUERY_TIMEOUT",
            says="0.5 s",
        )
    finally:
        await impatient.close()


async def test_a_whole_database_analysis_runs_under_its_own_timeout(
    settings: Settings, graph: Graph
) -> None:
    """`read(timeout_s=…)` replaces the interactive timeout for that one statement."""
    patient = _connect(settings, 600)
    try:
        with pytest.raises(QueryTimedOut) as caught:
            await patient.read(
                "UNWIND range(1, 500000000) AS x WITH x WHERE x % 7 = 0 RETURN count(x) AS n",
                timeout_s=0.5,
            )
        assert "0.5 s" in caught.value.message
    finally:
        await patient.close()
    assert Settings().analysis_tx_timeout_s > Settings().neo4j_tx_timeout_s


async def test_a_slow_write_is_stopped_with_the_same_code_and_writes_nothing(
    settings: Settings, graph: Graph
) -> None:
    impatient = _connect(settings, 0.5)
    try:
        with pytest.raises(QueryTimedOut) as caught:
            await impatient.write(
                "UNWIND range(1, 500000000) AS x WITH x WHERE x % 7 = 0 "
                "WITH count(x) AS n CREATE (:TimeoutProbe {n: n})"
            )
        assert caught.value.extensions == {"code": "QUERY_TIMEOUT"}
    finally:
        await impatient.close()
    assert await graph.read("MATCH (p:TimeoutProbe) RETURN count(p) AS n") == [{"n": 0}]


async def test_a_read_past_the_memory_limit_is_stopped_with_a_clear_code(graph: Graph) -> None:
    # Neo4j reports its transaction memory limit as a transient error; it would only fail again
    # (seen: recommendations of the busiest buyer at 1M customers), so it is not retried and
    # the client is told to ask for less instead of getting an internal error
    await _stopped(
        graph,
        "UNWIND range(1, 400000000) AS x WITH collect(x) AS xs RETURN size(xs) AS n",
        QueryTooLarge,
        code="QUERY_TOO_LARGE",
        says="approximate: true",
    )


def test_a_stopped_query_is_not_logged_with_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Strawberry logs every GraphQL error with its original exception's traceback. A query the
    timeout or the memory limit stopped is the client's to narrow (MaskInternalErrors logs it in
    one line with the request id), so the served app drops those records; an unexpected error
    keeps its traceback."""
    import rapport.security.unavailable  # noqa: F401  (the served app installs the filter)

    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        for stopped in (QueryTimedOut(0.5), QueryTooLarge()):
            StrawberryLogger.error(GraphQLError(stopped.message, original_error=stopped))
        StrawberryLogger.error(GraphQLError("boom", original_error=RuntimeError("boom")))
    logged = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert [(r.getMessage(), r.exc_info is not None) for r in logged] == [("boom", True)]
