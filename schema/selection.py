"""Turns the GraphQL selection under a root field into a tree of `Field`s (core/selection.py).

It applies what GraphQL execution applies — fragments, inline fragments with type conditions,
`@skip`/`@include`, aliases, variables — and coerces every argument with graphql-core, so the
planner sees exactly the fields and arguments the executor will resolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_object_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_directive_values

from core.selection import Field, RootSelection


@dataclass(frozen=True)
class SelectionContext:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Any


def _included(ctx: SelectionContext, node: Any) -> bool:
    skip = get_directive_values(GraphQLSkipDirective, node, ctx.variables)
    if skip is not None and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, ctx.variables)
    return not (include is not None and include.get("if") is False)


def _condition_matches(
    ctx: SelectionContext, condition: str | None, runtime: GraphQLObjectType
) -> bool:
    if condition is None or condition == runtime.name:
        return True
    conditional = ctx.schema.get_type(condition)
    if conditional is not None and is_abstract_type(conditional):
        return ctx.schema.is_sub_type(conditional, runtime)
    return False


def _group(
    ctx: SelectionContext,
    runtime: GraphQLObjectType,
    selection_set: SelectionSetNode | None,
    out: dict[str, list[FieldNode]],
    seen_fragments: set[str],
) -> None:
    if selection_set is None:
        return
    for node in selection_set.selections:
        if not _included(ctx, node):
            continue
        if isinstance(node, FieldNode):
            key = node.alias.value if node.alias else node.name.value
            out.setdefault(key, []).append(node)
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            if _condition_matches(ctx, condition, runtime):
                _group(ctx, runtime, node.selection_set, out, seen_fragments)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = ctx.fragments.get(name)
            if fragment is None or name in seen_fragments:
                continue
            if _condition_matches(ctx, fragment.type_condition.name.value, runtime):
                _group(ctx, runtime, fragment.selection_set, out, seen_fragments | {name})


def collect(
    ctx: SelectionContext, runtime: GraphQLObjectType, nodes: Iterable[FieldNode]
) -> list[Field]:
    """The fields selected under `nodes` (all for the same response key) on `runtime`."""
    grouped: dict[str, list[FieldNode]] = {}
    for node in nodes:
        _group(ctx, runtime, node.selection_set, grouped, set())
    fields: list[Field] = []
    for key, field_nodes in grouped.items():
        name = field_nodes[0].name.value
        if name.startswith("__"):
            fields.append(Field(key=key, name=name, args={}))
            continue
        definition = runtime.fields[name]
        args = get_argument_values(definition, field_nodes[0], ctx.variables)
        result = Field(key=key, name=name, args=args)
        named = get_named_type(definition.type)
        if is_object_type(named):
            result.children = collect(ctx, named, field_nodes)
        elif is_abstract_type(named):
            for possible in ctx.schema.get_possible_types(named):
                result.by_type[possible.name] = collect(ctx, possible, field_nodes)
        fields.append(result)
    return fields


def _root_field(raw: Any) -> Field:
    """The root field being resolved, with its selection, from graphql-core's resolve info."""
    variables = raw.variable_values
    if isinstance(variables, dict):  # Strawberry's executor hands over the plain coerced dict
        variables = VariableValues({}, variables)
    ctx = SelectionContext(raw.schema, raw.fragments, variables)
    node = raw.field_nodes[0]
    definition = raw.parent_type.fields[raw.field_name]
    args = get_argument_values(definition, node, variables)
    top = Field(key=raw.path.key, name=raw.field_name, args=args)
    named = get_named_type(definition.type)
    if is_object_type(named):
        top.children = collect(ctx, named, raw.field_nodes)
    elif is_abstract_type(named):
        for possible in raw.schema.get_possible_types(named):
            top.by_type[possible.name] = collect(ctx, possible, raw.field_nodes)
    return top


def _cache_key(raw: Any) -> tuple[Any, ...] | None:
    """Document, operation, root path and variables: equal keys select the same tree."""
    try:
        variables = orjson.dumps(
            getattr(raw.variable_values, "coerced", raw.variable_values),
            option=orjson.OPT_SORT_KEYS,
            default=str,
        )
    except TypeError:
        return None
    operation = raw.operation
    document = operation.loc.source.body if operation.loc else None
    if document is None:
        return None
    name = operation.name.value if operation.name else None
    return (document, name, tuple(raw.path.as_list()), variables)


def selection_of(raw: Any) -> RootSelection:
    """The selection of the root field being resolved (graphql-core's resolve info; Strawberry's
    `info._raw_info`), built lazily."""
    return RootSelection(lambda: _root_field(raw), _cache_key(raw), raw.schema)
