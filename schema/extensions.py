"""Per-request visibility: how many Cypher statements ran, and (in debug) which and how long."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import orjson
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from schema.context import OperationFacts, RequestContext

log = logging.getLogger("rapport.graphql")


class StatementLogExtension(SchemaExtension):
    """Logs the statement count of every operation; exposes the statements when debugging.

    The debug listing (`extensions.cypher`, `extensions.statementCount`) goes only to an ADMIN
    who sends `X-Rapport-Debug: 1`, in every environment; `X-Rapport-Debug-Params: 1` adds
    each statement's parameters.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            _record_facts(self.execution_context, context.operation)
            log.info(
                "operation %s ran %d statement(s)",
                self.execution_context.operation_name or "<anonymous>",
                context.statements.count,
            )

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not isinstance(context, RequestContext) or not context.debug:
            return {}
        request = context.request
        with_params = request.headers.get("x-rapport-debug-params") == "1"
        listing: list[dict[str, Any]] = []
        for (statement, ms), params in zip(
            context.statements.entries, context.statements.params, strict=True
        ):
            entry: dict[str, Any] = {"statement": statement, "dbMs": round(ms, 3)}
            if with_params:  # for replaying a statement (benchmarks); values as JSON allows
                entry["params"] = orjson.loads(orjson.dumps(dict(params), default=str))
            listing.append(entry)
        return {"cypher": listing, "statementCount": context.statements.count}


def _record_facts(execution: ExecutionContext, facts: OperationFacts) -> None:
    """The operation's name and type, and its execution (whose result Strawberry completes
    after the extensions: it is read when the request ends)."""
    facts.name = execution.operation_name
    try:
        facts.type = execution.operation_type.value
    except Exception:  # a document that did not parse has no operation type
        facts.type = "unknown"
    facts.execution = execution
