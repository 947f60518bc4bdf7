"""Relay connection and edge types, and the field factory for paginated relationship lists.

Arguments on a nested connection field are declared here for the schema (and GraphiQL), but the
resolver only reads the already-computed page from the row: the root field's single Cypher
statement evaluated them.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional

import strawberry

from core.model import Kind, Prop
from schema.scalars import Date, DateTime, Decimal
from schema.types.base import ROW_KEY, PageInfo, Row, row_reader, value
from schema.types.filters import FILTERS, ORDERS, TIE_BREAK
from schema.types.wording import plural, words

_SCALARS: dict[Kind, Any] = {
    Kind.STRING: str,
    Kind.INT: int,
    Kind.FLOAT: float,
    Kind.BOOL: bool,
    Kind.MONEY: Decimal,
    Kind.DATETIME: DateTime,
    Kind.DATE: Date,
}

_EDGE_DOCS = {
    "jobTitle": "Job title at the company.",
    "department": "Department, e.g. Procurement.",
    "seniority": "Seniority level in the company.",
    "decisionRole": "Role in buying decisions, if known.",
    "startedOn": "First day of the employment.",
    "endedOn": "Last day of the employment; empty while it lasts.",
    "strength": "How well they know each other, 0 (barely) to 1 (close).",
    "since": "Since when they know each other.",
}


def make_connection(
    module: str,
    node_type: str,
    prefix: str | None = None,
    edge_props: tuple[Prop, ...] = (),
    edge_enums: dict[str, Any] | None = None,
    backward: bool = True,
) -> tuple[Any, Any]:
    """Create `<prefix>Connection` and `<prefix>Edge` types over `node_type` in `module`
    (`backward`: the field pages with `last`/`before` too)."""
    prefix = prefix or node_type
    namespace: dict[str, Any] = {
        "__module__": module,
        "__annotations__": {"cursor": str, "node": node_type},
        "cursor": value(
            "Opaque keyset cursor; pass it as `after`" + (" or `before`." if backward else ".")
        ),
        "node": value(f"The {words(node_type)}."),
    }
    for prop in edge_props:
        py_type = (edge_enums or {}).get(prop.name) or _SCALARS[prop.kind]
        namespace["__annotations__"][prop.name] = Optional[py_type]  # noqa: UP045
        namespace[prop.name] = value(_EDGE_DOCS.get(prop.name, prop.name))
    edge = strawberry.type(
        type(f"{prefix}Edge", (), namespace),
        description=f"One {words(node_type)} in a page of results, with its cursor.",
    )
    setattr(sys.modules[module], edge.__name__, edge)
    connection_ns: dict[str, Any] = {
        "__module__": module,
        "__annotations__": {
            "edges": list[edge],  # type: ignore[valid-type]
            "page_info": PageInfo,
            "total_count": int,
        },
        "edges": value("The items of this page, in order."),
        "page_info": value("Where this page sits in the whole list."),
        "total_count": value("Number of items in the whole filtered list (not just this page)."),
    }
    connection = strawberry.type(
        type(f"{prefix}Connection", (), connection_ns),
        description=f"A page of {plural(words(node_type))} (Relay connection).",
    )
    setattr(sys.modules[module], connection.__name__, connection)
    return connection, edge


def _without_current(fn: Any) -> Any:
    @row_reader(ROW_KEY)
    def filtered(  # type: ignore[no-untyped-def]
        root,
        info,
        first=None,
        after=None,
        last=None,
        before=None,
        filter=None,
        order_by=None,
    ):
        return root.get(str(info.path.key))

    return filtered


@row_reader(ROW_KEY)
def _lookup(root: Row, info: Any) -> Any:
    return root.get(str(info.path.key))


def connection_field(
    connection: Any,
    target: str,
    description: str,
    *,
    filterable: bool = True,
    current_arg: bool = False,
) -> Any:
    """A paginated relationship field with Relay arguments, filter and orderBy."""

    @row_reader(ROW_KEY)
    def resolver(
        root: Row,
        info: strawberry.Info,
        first: Annotated[
            int | None,
            strawberry.argument(description="Page size from the start (or after `after`)."),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Cursor to start after.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(description="Page size from the end (or before `before`)."),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="Cursor to end before.")
        ] = None,
    ) -> Any:
        return root.get(str(info.path.key))

    annotations = dict(resolver.__annotations__)
    if filterable:

        @row_reader(ROW_KEY)
        def filtered(  # type: ignore[no-untyped-def]
            root,
            info,
            first=None,
            after=None,
            last=None,
            before=None,
            filter=None,
            order_by=None,
            current=True,
        ):
            return root.get(str(info.path.key))

        if current_arg:
            annotations["current"] = Annotated[
                bool,
                strawberry.argument(
                    description="`true` (default): only people employed here now; "
                    "`false`: former employees too."
                ),
            ]
        else:
            filtered = _without_current(filtered)

        annotations["filter"] = Annotated[
            Optional[FILTERS[target]],  # noqa: UP045
            strawberry.argument(description="Keep only matching items."),
        ]
        annotations["order_by"] = Annotated[
            Optional[list[ORDERS[target]]],  # type: ignore[valid-type]  # noqa: UP045
            strawberry.argument(description=f"Sort keys, most significant first. {TIE_BREAK}"),
        ]
        annotations["return"] = connection
        filtered.__annotations__ = annotations
        return strawberry.field(resolver=filtered, description=description)
    annotations["return"] = connection
    resolver.__annotations__ = annotations
    return strawberry.field(resolver=resolver, description=description)
