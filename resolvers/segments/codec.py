"""A segment's saved filter, to and from the JSON stored on the Segment node.

The filter is stored in its GraphQL *variable* form (what a client would send as the `filter`
variable of `customers`), produced and read back by graphql-core against the live
`CustomerFilter` input type. So a saved segment means exactly what the same filter means on
`customers`, and a filter saved before a schema change is re-validated when it is read.
"""

from __future__ import annotations

from typing import Any

import orjson
from graphql import (
    GraphQLInputType,
    GraphQLSchema,
    Undefined,
    ast_from_value,
    coerce_input_value,
    is_input_type,
    value_from_ast_untyped,
)
from graphql.utilities import validate_input_value

from core.model import ENTITIES
from graphdb.compiler.filters import RELATION_PATTERNS

FILTER_TYPE = "CustomerFilter"


class StoredFilterInvalid(Exception):
    """A stored filter the current schema no longer accepts (a schema change removed a field)."""


def _filter_type(schema: GraphQLSchema) -> GraphQLInputType:
    named = schema.get_type(FILTER_TYPE)
    assert named is not None and is_input_type(named), FILTER_TYPE
    return named


def variable_form(schema: GraphQLSchema, coerced: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON-able form of an already coerced filter (enums by name, decimals as strings)."""
    if not coerced:
        return {}
    node = ast_from_value(coerced, _filter_type(schema))
    value = _without_nulls(value_from_ast_untyped(node) if node is not None else None)
    return value if isinstance(value, dict) else {}


def _without_nulls(value: Any) -> Any:
    """Drop the explicit nulls Strawberry fills every unset input field with."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def dumps(schema: GraphQLSchema, coerced: dict[str, Any] | None) -> str:
    return orjson.dumps(variable_form(schema, coerced), option=orjson.OPT_SORT_KEYS).decode()


def loads(schema: GraphQLSchema, stored: str | None) -> dict[str, Any]:
    """The coerced filter (as the query compiler takes it) from its stored JSON."""
    raw = orjson.loads(stored) if stored else {}
    if not raw:
        return {}
    value = coerce_input_value(raw, _filter_type(schema))
    if value is Undefined or not isinstance(value, dict):
        problems: list[str] = []

        def on_error(error: Any, path: Any = None, *_: Any) -> None:
            problems.append(str(error))

        validate_input_value(raw, _filter_type(schema), on_error)
        raise StoredFilterInvalid("; ".join(problems) or "not a CustomerFilter")
    return value


def as_json(stored: str | None) -> dict[str, Any]:
    """The stored filter as a JSON object, for clients (`Segment.filter`)."""
    value = orjson.loads(stored) if stored else {}
    return value if isinstance(value, dict) else {}


#: What a personal value inside a saved filter reads as for a role that may not see it.
MASKED_VALUE = "[masked]"

#: Operators whose value says nothing about a person (`isNull: true` is shape, not data).
_SHAPE_ONLY = frozenset({"isNull"})


def masked(value: dict[str, Any], entity: str = "Customer") -> dict[str, Any]:
    """A saved filter (variable form) with the values compared to personal fields replaced by
    MASKED_VALUE, keeping its shape: `{email: {eq: "x@y"}}` reads `{email: {eq: "[masked]"}}`,
    an `in` list keeps its length. Combinators and relation filters are walked to any depth."""
    model = ENTITIES[entity]
    out: dict[str, Any] = {}
    for key, sub in value.items():
        if key in ("and", "or") and isinstance(sub, list):
            out[key] = [masked(s, entity) if isinstance(s, dict) else s for s in sub]
        elif key == "not" and isinstance(sub, dict):
            out[key] = masked(sub, entity)
        elif (entity, key) in RELATION_PATTERNS and isinstance(sub, dict):
            out[key] = masked(sub, RELATION_PATTERNS[(entity, key)][1])
        elif key in model.props and model.props[key].personal and isinstance(sub, dict):
            out[key] = {
                op: v
                if op in _SHAPE_ONLY
                else [MASKED_VALUE] * len(v)
                if isinstance(v, list)
                else MASKED_VALUE
                for op, v in sub.items()
            }
        else:
            out[key] = sub
    return out
