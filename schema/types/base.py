"""Building blocks of the read types: rows, the Node interface, pagination types.

Read results are plain dictionaries produced by one compiled Cypher statement and keyed by each
field's *response key* (its alias, or its name), so two aliases of one field with different
arguments never collide. Every field therefore resolves with a synchronous dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Optional, TypeVar

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.types import Info

from core import global_id

Row = dict[str, Any]

F = TypeVar("F", bound=Callable[..., Any])

#: The forward-paging arguments of a nested connection (first, after), described once.
PageFirst = Annotated[
    Optional[int],  # noqa: UP045
    strawberry.argument(description="Page size (or after `after`); default 20, at most 500."),
]
PageAfter = Annotated[
    Optional[str],  # noqa: UP045
    strawberry.argument(description="Cursor to start after (from `pageInfo.endCursor`)."),
]

#: How a resolver reads its field from the row, for the fast path (schema/fastpath.py): the
#: value under the response key, that value as a global id, or the value with null as [].
ROW_KEY = "key"
ROW_ID = "id"
ROW_KEY_OR_EMPTY = "key-or-empty"
ROW_READERS: dict[Callable[..., Any], str] = {}


def row_reader(kind: str) -> Callable[[F], F]:
    """Registers a resolver that only reads the row as `kind` says (arguments unused: the
    root field's statement applied them), so the fast path may read the row itself."""

    def register(fn: F) -> F:
        ROW_READERS[fn] = kind
        return fn

    return register


@row_reader(ROW_KEY)
def _lookup(root: Row, info: Info) -> Any:
    return root.get(str(info.path.key))


@row_reader(ROW_ID)
def _lookup_global_id(root: Row, info: Info) -> str:
    return global_id.encode(root["__typename"], root[str(info.path.key)])


def value(description: str) -> Any:
    """A field read from the compiled row under its response key."""
    return strawberry.field(resolver=_lookup, description=description)


def id_field() -> Any:
    return strawberry.field(
        resolver=_lookup_global_id,
        description="Opaque global id; pass it to `node(id:)` or to any mutation.",
    )


class RowType:
    """Mixin that tells GraphQL which concrete type a row is, from its `__typename`."""

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo[Any]) -> bool:
        return isinstance(obj, dict) and obj.get("__typename") == cls.__name__


@strawberry.interface(description="Anything with a global id (Relay Node).")
class Node:
    id: strawberry.ID = id_field()


@strawberry.type(description="Where a page of a list sits in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = value("True when more items follow this page.")
    has_previous_page: bool = value(
        "True when items precede this page. With `first`/`after` it is true whenever `after` "
        "was given; with `last`/`before`, when more items precede."
    )
    start_cursor: str | None = value("Cursor of the first item of the page.")
    end_cursor: str | None = value("Cursor of the last item of the page.")


@strawberry.enum(description="Which way a sort key runs: smallest or oldest first, or the reverse.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first (A→Z, oldest first).")
    DESC = strawberry.enum_value("DESC", description="Largest first (Z→A, newest first).")
