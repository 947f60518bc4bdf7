"""A span per GraphQL root field, when tracing is on (rapport/observability/traces.py).

Added to the schema's extensions only once tracing is configured: a `resolve` hook makes
Strawberry route every field through it, so when tracing is off it is not there at all. Only
root fields get a span (nested fields are resolved from the root field's one statement); its
attributes are the field and operation names, never argument values.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import isawaitable
from typing import Any

from graphql import OperationType
from opentelemetry import trace
from strawberry.extensions import SchemaExtension

_tracer = trace.get_tracer("rapport.graphql")


class RootFieldSpans(SchemaExtension):
    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if info.path.prev is not None or info.operation.operation is OperationType.SUBSCRIPTION:
            return _next(root, info, *args, **kwargs)
        return _traced(_next, root, info, args, kwargs)


async def _traced(
    _next: Callable[..., Any],
    root: Any,
    info: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    attributes = {
        "graphql.field.name": info.field_name,
        "graphql.field.path": str(info.path.key),
        "graphql.operation.type": info.operation.operation.value,
        "graphql.operation.name": info.operation.name.value if info.operation.name else "",
    }
    with _tracer.start_as_current_span(f"graphql.field {info.field_name}", attributes=attributes):
        result = _next(root, info, *args, **kwargs)
        if isawaitable(result):
            result = await result
        return result


def enable(schema: Any) -> None:
    """Add the extension to `schema` (idempotent)."""
    if RootFieldSpans not in schema.extensions:
        schema.extensions = (*schema.extensions, RootFieldSpans)
