"""The fast path: a compiled root field's rows become the response without per-field execution.

A compiled root field (`customers`, `node`, `company`'s contacts, …) returns rows already keyed
by response key (graphdb/compiler); every field below it only reads its own key
(`schema/types/base.py`). graphql-core would still call a Strawberry resolver per field (each
with its `Info`, argument coercion and completion steps): about 2,300 calls for a company and
its 228 contacts, most of a request's CPU.

`RowExecutor` is graphql-core's executor with one change: when a *query*'s root field has
resolved (through Strawberry, with its extensions, exactly as before), its value is completed
by a walk over the selection that graphql-core collected — the same fields, aliases, fragments,
type conditions and `@skip`/`@include` — reading each field's key from the row and coercing
leaves with the schema's own scalar and enum coercion. Only fields whose resolver is a plain row
read (registered with `schema.types.base.row_reader`) are walked.

Whatever the walk does not expect — a field with another resolver, a value that is not a row,
a null where the schema says non-null, a leaf the coercion refuses, a runtime type that does not
fit — abandons it, and graphql-core completes the same value the usual way. The walk has no side
effects, so that second completion gives exactly today's data and errors (with their paths,
codes and masking). Parse, validation, cost limits, extensions and root resolvers are untouched.
`RAPPORT_FAST_PATH=false` turns the walk off, and with it the compiled reads' use of the rows as
the driver decoded them (`Graph.read(as_decoded=True)`, which skips `Record.data()`'s walk).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLUnionType,
    OperationType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core import global_id
from schema.context import RequestContext
from schema.types.base import ROW_ID, ROW_KEY, ROW_READERS, RowType

__all__ = ["STATS", "RowExecutor"]


@dataclass
class FastPathStats:
    """Root field values completed by the walk, and those handed back to graphql-core."""

    walked: int = 0
    fell_back: int = 0


STATS = FastPathStats()

Completer = Callable[[Any], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_ROW_IS_TYPE_OF = RowType.is_type_of.__func__  # type: ignore[attr-defined]


class _Fallback(Exception):
    """The walk met something it does not handle; graphql-core completes the value instead."""


def _fallback() -> Any:
    raise _Fallback


def _row_kind(field: GraphQLField) -> str | None:
    """How the fast path reads `field` from a row (None: it cannot)."""
    definition = (field.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    func = getattr(resolver, "wrapped_func", None)
    if func is None or getattr(definition, "extensions", None):
        return None
    return ROW_READERS.get(func)


#: per GraphQLObjectType: field name -> row kind (None when not a plain row read)
_KINDS: dict[GraphQLObjectType, dict[str, str | None]] = {}


def _kinds(type_: GraphQLObjectType) -> dict[str, str | None]:
    kinds = _KINDS.get(type_)
    if kinds is None:
        kinds = {name: _row_kind(field) for name, field in type_.fields.items()}
        _KINDS[type_] = kinds
    return kinds


def _is_row_type(type_: GraphQLObjectType) -> bool:
    is_type_of = type_.is_type_of
    return getattr(is_type_of, "__func__", None) is _ROW_IS_TYPE_OF


def _leaf(type_: GraphQLScalarType | GraphQLEnumType) -> Completer:
    coerce = type_.coerce_output_value

    def general(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Fallback
        return coerced

    name = type_.name if isinstance(type_, GraphQLScalarType) else None
    # graphql-core's coercion of the built-in scalars returns these values unchanged.
    if name in ("String", "ID"):
        return lambda v: v if type(v) is str else general(v)
    if name == "Boolean":
        return lambda v: v if type(v) is bool else general(v)
    if name == "Int":
        return lambda v: v if type(v) is int and _INT_MIN <= v <= _INT_MAX else general(v)
    if name == "Float":
        return lambda v: v if type(v) is float and math.isfinite(v) else general(v)
    return general


class _Walk:
    """Completers for one execution, built lazily per (type, collected field nodes)."""

    def __init__(self, executor: RowExecutor) -> None:
        self.executor = executor
        self.schema = executor.schema
        self._objects: dict[tuple[GraphQLObjectType, int], Completer] = {}
        self._keep: list[FieldDetailsList] = []  # keeps the ids above from being reused

    def completer(self, type_: GraphQLOutputType, fields: FieldDetailsList) -> Completer:
        if isinstance(type_, GraphQLNonNull):
            inner = self.completer(type_.of_type, fields)

            def non_null(value: Any) -> Any:
                if value is None:
                    raise _Fallback
                return inner(value)

            return non_null
        return self._nullable(type_, fields)

    def _nullable(self, type_: GraphQLOutputType, fields: FieldDetailsList) -> Completer:
        if isinstance(type_, GraphQLList):
            item = self.completer(type_.of_type, fields)

            def list_(value: Any) -> Any:
                if value is None:
                    return None
                if type(value) is not list:
                    raise _Fallback
                return [item(v) for v in value]

            return list_
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            leaf = _leaf(type_)
            return lambda v: None if v is None else leaf(v)
        if isinstance(type_, GraphQLObjectType):
            obj = self._object(type_, fields)
            return lambda v: None if v is None else obj(v)
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return self._abstract(type_, fields)
        return lambda v: _fallback()

    def _abstract(
        self, type_: GraphQLInterfaceType | GraphQLUnionType, fields: FieldDetailsList
    ) -> Completer:
        # Rows name their type in `__typename`, which is what Strawberry's type resolvers
        # settle on for them (through the possible types' `is_type_of`).
        possible = {t.name: t for t in self.schema.get_possible_types(type_) if _is_row_type(t)}
        objects: dict[str, Completer] = {}

        def abstract(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is not dict:
                raise _Fallback
            name = value.get("__typename")
            obj = objects.get(name)  # type: ignore[arg-type]
            if obj is None:
                runtime = possible.get(name)  # type: ignore[arg-type]
                if runtime is None:
                    raise _Fallback
                obj = objects[runtime.name] = self._object(runtime, fields)
            return obj(value)

        return abstract

    def _object(self, type_: GraphQLObjectType, fields: FieldDetailsList) -> Completer:
        key = (type_, id(fields))
        found = self._objects.get(key)
        if found is not None:
            return found
        self._keep.append(fields)
        built: list[Completer] = []

        def late(value: Any) -> Any:  # recursive selections resolve on first use
            return built[0](value)

        self._objects[key] = late
        built.append(self._build_object(type_, fields))
        self._objects[key] = built[0]
        return built[0]

    def _build_object(self, type_: GraphQLObjectType, fields: FieldDetailsList) -> Completer:
        grouped, defer_usages, _ = self.executor.collect_subfields(type_, fields)
        if defer_usages:
            return lambda v: _fallback()
        kinds = _kinds(type_)
        row_type = _is_row_type(type_)
        if type_.is_type_of is not None and not row_type:
            return lambda v: _fallback()
        type_name = type_.name
        plan: list[tuple[str, str, Completer | None]] = []
        for response_key, details in grouped.items():
            field_name = details[0].node.name.value
            if field_name == "__typename":
                plan.append((response_key, "typename", None))
                continue
            field = type_.fields.get(field_name)
            kind = kinds.get(field_name)
            if field is None or kind is None:
                return lambda v: _fallback()
            plan.append((response_key, kind, self.completer(field.type, details)))

        def obj(row: Any) -> dict[str, Any]:
            if type(row) is not dict:
                raise _Fallback
            if row_type and row.get("__typename") != type_name:
                raise _Fallback
            out: dict[str, Any] = {}
            for response_key, kind, complete in plan:
                if complete is None:
                    out[response_key] = type_name
                elif kind is ROW_KEY:
                    out[response_key] = complete(row.get(response_key))
                elif kind is ROW_ID:
                    out[response_key] = complete(
                        global_id.encode(row["__typename"], row[response_key])
                    )
                else:  # ROW_KEY_OR_EMPTY
                    out[response_key] = complete(row.get(response_key) or [])
            return out

        return obj


class RowExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing a query's root field values by the walk above."""

    _walk: _Walk | None = None

    def _fast(self) -> bool:
        if self.operation.operation is not OperationType.QUERY:
            return False
        context = self.context_value
        return not isinstance(context, RequestContext) or context.settings.fast_path

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if path.prev is None and not isinstance(result, Exception) and self._fast():
            walk = self._walk
            if walk is None:
                walk = self._walk = _Walk(self)
            try:
                completed = walk.completer(return_type, field_details_list)(result)
            except Exception:  # graphql-core completes it, with its errors
                STATS.fell_back += 1
            else:
                STATS.walked += 1
                return completed
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )
