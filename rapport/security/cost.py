"""The cost limiter: what a document would cost is counted before it is validated or run.

Parsing is bounded by the token limit, but a few hundred tokens of fragments that spread each
other twice expand to millions of fields, and graphql-core's validation (overlapping fields) and
our compiler then work on the expanded tree for seconds to minutes while every other client of
the process waits. `document_cost_errors` counts fields *after* fragment expansion (memoised per
fragment, so counting is linear in the document) and refuses a document over the limit with
`QUERY_TOO_COMPLEX` before anything expensive runs.

`CostLimits` (a schema extension) parses with a cache, applies the count in the validation step
and then runs graphql-core's validation in a worker thread, so even a document just under the
limit never holds the event loop; results are cached by document. It also gives every
validation error a stable `extensions.code`, and answers `query A {…} mutation B {…}` without
`operationName` with the spec's error instead of running the first operation, and refuses
aliases starting with `__` (reserved for introspection; `__typename: name` would let record data
stand in for a type name).

Filter size (`graphdb.compiler.filters.check_size`) is checked here too, on the raw argument
and variable values, before Strawberry converts them to input objects (which costs per branch
times the fields of the filter type); the compiler checks again for filters that arrive
otherwise (saved segments).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from graphql import (
    BREAK,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from graphdb.compiler.filters import check_size as check_filter_size
from schema.context import RequestContext

DEFAULT_MAX_FIELDS = 1000
#: How deep fragments may spread each other (keeps the counter's recursion bounded).
MAX_FRAGMENT_NESTING = 50
_CACHE_SIZE = 1024


class _TooComplex(Exception):
    pass


def expanded_field_count(
    document: DocumentNode, operations: Sequence[OperationDefinitionNode], limit: int
) -> int:
    """Fields the operations select once every fragment is spread; stops counting past `limit`."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    memo: dict[str, int] = {}
    visiting: list[str] = []

    def count(selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + count(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += spread(selection.name.value)
            if total > limit:
                raise _TooComplex
        return total

    def spread(name: str) -> int:
        if name in memo:
            return memo[name]
        fragment = fragments.get(name)
        if fragment is None or name in visiting:
            return 0  # unknown fragments and cycles are validation's to report
        if len(visiting) >= MAX_FRAGMENT_NESTING:
            raise _TooComplex
        visiting.append(name)
        try:
            memo[name] = count(fragment.selection_set)
        finally:
            visiting.pop()
        return memo[name]

    total = 0
    for operation in operations:
        total += count(operation.selection_set)
        if total > limit:
            raise _TooComplex
    return total


def document_cost_errors(
    document: DocumentNode, operation_name: str | None, max_fields: int
) -> list[GraphQLError]:
    """Errors that make running `document` pointless or too expensive (empty when it may run)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None and len(operations) > 1:
        return [
            GraphQLError(
                "Must provide operation name if query contains multiple operations.",
                extensions={"code": "OPERATION_NAME_REQUIRED"},
            )
        ]
    empty = _empty_selection(document)
    if empty is not None:
        return [
            GraphQLError(
                "Syntax Error: a selection set `{ }` must select at least one field.",
                nodes=[empty],
                extensions={"code": "GRAPHQL_PARSE_FAILED"},
            )
        ]
    reserved = _reserved_alias(document)
    if reserved is not None:
        return [
            GraphQLError(
                f"The alias `{reserved.alias.value if reserved.alias else ''}` starts with `__`, "
                "which GraphQL reserves for its own fields; choose another alias.",
                nodes=[reserved],
                extensions={"code": "RESERVED_ALIAS"},
            )
        ]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    try:
        expanded_field_count(document, operations, max_fields)
    except _TooComplex:
        return [
            GraphQLError(
                f"The operation selects more than {max_fields} fields once its fragments are "
                "expanded (or nests fragments more than "
                f"{MAX_FRAGMENT_NESTING} deep). Ask for less per request.",
                extensions={"code": "QUERY_TOO_COMPLEX"},
            )
        ]
    return []


def _empty_selection(document: DocumentNode) -> SelectionSetNode | None:
    """The first `{ }` in the document: the grammar forbids it, but graphql-core parses it
    (the depth limit then failed on it with an internal error)."""
    found: list[SelectionSetNode] = []

    class _Finder(Visitor):
        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> Any:
            if not node.selections and not found:
                found.append(node)
                return BREAK
            return None

    visit(document, _Finder())
    return found[0] if found else None


def _reserved_alias(document: DocumentNode) -> FieldNode | None:
    """A field aliased `__typename` (or any `__…`) would stand in for the type name that
    abstract types are resolved by, so record data would reach error messages."""
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            alias = selection.alias if isinstance(selection, FieldNode) else None
            if alias is not None and alias.value.startswith("__"):
                return selection  # type: ignore[return-value]
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                stack.append(selection_set)
    return None


def filter_cost_errors(
    document: DocumentNode, variables: dict[str, Any] | None
) -> list[GraphQLError]:
    """FILTER_TOO_COMPLEX for any `filter` argument (or `filter` inside an input) over the
    limits, checked on the raw values before Strawberry converts them: converting a filter
    costs per branch times the fields of its type (1,000 `or` branches took seconds)."""
    values: list[Any] = []
    stack: list[SelectionSetNode] = [
        d.selection_set
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    try:
                        value = value_from_ast_untyped(argument.value, variables)
                    except (ValueError, TypeError):  # validation has reported it
                        continue
                    values.append({argument.name.value: value})
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                stack.append(selection_set)
    while values:
        item = values.pop()
        if isinstance(item, list):
            values.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "filter" and isinstance(value, dict):
                    try:
                        check_filter_size(value)
                    except GraphQLError as exc:
                        return [exc]
                elif isinstance(value, dict | list):
                    values.append(value)
    return []


def validation_code(error: GraphQLError) -> str:
    message = error.message
    if "exceeds maximum operation depth" in message:
        return "QUERY_TOO_DEEP"
    if "aliases found" in message:
        return "TOO_MANY_ALIASES"
    if "introspection" in message.lower():
        return "INTROSPECTION_DISABLED"
    if message.startswith("Expected value of type") or "cannot represent" in message:
        return "BAD_USER_INPUT"  # a literal argument that does not fit its type
    return "GRAPHQL_VALIDATION_FAILED"


class _ValidationCache:
    """Errors of a document by (document, what else they depend on); shared by the worker
    threads. Keyed by the document's identity: the parse cache hands a repeated query the same
    document, and hashing one (graphql-core hashes every node of the tree) cost more than the
    check it saved. Each entry holds its document, so no other document can take its id."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[object, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, document: DocumentNode, key: object) -> list[GraphQLError] | None:
        with self._lock:
            found = self._entries.get((id(document), key))
            if found is None or found[0] is not document:
                return None
            self._entries.move_to_end((id(document), key))
            return found[1]

    def put(self, document: DocumentNode, key: object, errors: list[GraphQLError]) -> None:
        with self._lock:
            self._entries[(id(document), key)] = (document, errors)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


_cache = _ValidationCache(_CACHE_SIZE)


def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    errors = validate_document(schema, document, rules)
    for error in errors:
        if not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": validation_code(error)}
    return errors


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _parse(query: str, options: tuple[tuple[str, Any], ...]) -> DocumentNode:
    return parse(query, **dict(options))


def _copy(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=dict(error.extensions or {}),
    )


class CostLimits(SchemaExtension):
    """Cached parse, cost check, validation off the event loop (replaces Strawberry's
    ParserCache and ValidationCache)."""

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.graphql_document is None and ec.query:
            options = tuple(sorted(ec.parse_options.items()))
            with contextlib.suppress(GraphQLError):  # Strawberry parses again and reports it
                ec.graphql_document = _parse(ec.query, options)
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None and ec.pre_execution_errors is None:
            context = ec.context
            max_fields = (
                context.settings.max_fields
                if isinstance(context, RequestContext)
                else DEFAULT_MAX_FIELDS
            )
            provided_name = ec._provided_operation_name  # ec.operation_name guesses the first
            # The document's own checks depend on nothing else: a repeated query (the parse
            # above hands out the same document) is checked once, like its validation.
            cost_key = ("cost", provided_name, max_fields)
            errors_of_document = _cache.get(document, cost_key)
            if errors_of_document is None:
                errors_of_document = document_cost_errors(document, provided_name, max_fields)
                _cache.put(document, cost_key, errors_of_document)
            errors = [_copy(e) for e in errors_of_document]
            if not errors:
                rules = tuple(ec.validation_rules)
                cached = _cache.get(document, rules)
                if cached is None:
                    cached = await asyncio.to_thread(_validate, ec.schema._schema, document, rules)
                    _cache.put(document, rules, cached)
                errors = [_copy(e) for e in cached]  # each response adds its request id
                if not errors:
                    errors = filter_cost_errors(document, ec.variables)
            ec.pre_execution_errors = errors
        yield
