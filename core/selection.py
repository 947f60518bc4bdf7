"""What a client asked for under one root field, as plain data.

The GraphQL layer (schema/selection.py) turns graphql-core's AST into this tree, applying
fragments, directives, aliases and variables; the read compiler (graphdb/compiler/) plans
Cypher from it. Neither side needs the other's types, so the compiler never sees Strawberry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass
class Field:
    """One response key: its field name, coerced arguments and sub-selections.

    `children` holds the sub-selection for an object-typed field; for a union or interface, the
    sub-selection of each possible concrete type is in `by_type`.
    """

    key: str
    name: str
    args: dict[str, Any]
    children: list[Field] = field(default_factory=list)
    by_type: dict[str, list[Field]] = field(default_factory=dict)

    def child(self, key: str) -> Field | None:
        return next((c for c in self.children if c.key == key), None)


class RootSelection:
    """The root field being resolved: its selection tree, built only when first asked for.

    `cache_key` identifies the request's document, operation, root path and variables, so a
    compiled statement can be reused without building the tree at all. `schema` is the GraphQL
    schema, opaque here, for the one use case that coerces stored GraphQL input (segments).
    """

    def __init__(
        self,
        build: Callable[[], Field],
        cache_key: tuple[Any, ...] | None,
        schema: Any = None,
    ) -> None:
        self._build = build
        self.cache_key = cache_key
        self.schema = schema

    @cached_property
    def top(self) -> Field:
        return self._build()

    @classmethod
    def of(cls, top: Field, schema: Any = None) -> RootSelection:
        """A selection that is already built (internal calls, tests)."""
        return cls(lambda: top, None, schema)
