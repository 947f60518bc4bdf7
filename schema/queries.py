"""Root read fields: `node`, `nodes` and one connection per entity type.

Each resolves with exactly one Cypher statement compiled from the whole selection
(graphdb/compiler), whatever the nesting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Optional

import strawberry
from graphql import GraphQLResolveInfo

from resolvers import reads
from schema.context import Info, call, call_of
from schema.types.base import Node
from schema.types.entities import (
    CompanyConnection,
    ContactConnection,
    CustomerConnection,
    InteractionConnection,
    OrderConnection,
    ProductConnection,
    Segment,
    SegmentConnection,
    TagConnection,
    User,
    UserConnection,
)
from schema.types.filters import FILTERS, ORDERS, TIE_BREAK

_FIRST = strawberry.argument(
    description="Page size from the start (or after `after`); default 20, at most 500."
)
_AFTER = strawberry.argument(description="Cursor to start after (from `pageInfo.endCursor`).")
_LAST = strawberry.argument(description="Page size from the end (or before `before`).")
_BEFORE = strawberry.argument(description="Cursor to end before (from `pageInfo.startCursor`).")
_FILTER = strawberry.argument(description="Keep only matching items; see the filter type.")
_ORDER = strawberry.argument(description=f"Sort keys, most significant first. {TIE_BREAK}")


_MINE = strawberry.argument(
    description="True: only the accounts you manage (your book); false or omitted: all you may see."
)


#: root list fields whose resolver reads its arguments from the selection, not from Strawberry:
#: the Strawberry resolver (declaring the arguments for the schema) → the resolver graphql-core
#: calls instead (`skip_argument_conversion`)
_FROM_SELECTION: dict[Callable[..., Any], Callable[..., Awaitable[Any]]] = {}


def skip_argument_conversion(built: strawberry.Schema) -> None:
    """Let graphql-core call the root list fields' use case directly.

    Their arguments are read, validated and compiled from the selection (graphdb/compiler), so
    Strawberry turning the coerced values into input objects first was wasted work: about 0.4 to
    0.8 ms per request for a filter and a sort. graphql-core has coerced and validated the
    arguments as before, and the schema's extensions still wrap the resolver (they are
    graphql-core middleware); only the conversion nobody read is gone.
    """
    query = built.get_type_by_name("Query")
    root = built._schema.query_type
    assert root is not None  # the schema has a Query type
    fields = root.fields
    for f in getattr(query, "fields", []):
        resolver = f.base_resolver.wrapped_func if f.base_resolver is not None else None
        direct = _FROM_SELECTION.get(resolver) if resolver is not None else None
        if direct is not None:
            fields[built.config.name_converter.from_field(f)].resolve = direct


def _list_field(entity: str, connection: Any, description: str) -> Any:
    async def resolver(
        info: Info,
        first: Annotated[Optional[int], _FIRST] = None,  # noqa: UP045
        after: Annotated[Optional[str], _AFTER] = None,  # noqa: UP045
        last: Annotated[Optional[int], _LAST] = None,  # noqa: UP045
        before: Annotated[Optional[str], _BEFORE] = None,  # noqa: UP045
        filter: Any = None,
        order_by: Any = None,
    ) -> Any:
        return await reads.list_entities(call(info), entity)

    async def book_resolver(
        info: Info,
        first: Annotated[Optional[int], _FIRST] = None,  # noqa: UP045
        after: Annotated[Optional[str], _AFTER] = None,  # noqa: UP045
        last: Annotated[Optional[int], _LAST] = None,  # noqa: UP045
        before: Annotated[Optional[str], _BEFORE] = None,  # noqa: UP045
        filter: Any = None,
        order_by: Any = None,
        mine: Annotated[Optional[bool], _MINE] = None,  # noqa: UP045
    ) -> Any:
        return await reads.list_entities(call(info), entity)

    if entity == "Customer":
        resolver = book_resolver

    async def direct(_root: Any, info: GraphQLResolveInfo[Any], **_arguments: Any) -> Any:
        return await reads.list_entities(call_of(info), entity)

    _FROM_SELECTION[resolver] = direct

    resolver.__annotations__ = {
        **resolver.__annotations__,
        "filter": Annotated[Optional[FILTERS[entity]], _FILTER],  # noqa: UP045
        "order_by": Annotated[Optional[list[ORDERS[entity]]], _ORDER],  # type: ignore[valid-type]  # noqa: UP045
        "return": connection,
    }
    return strawberry.field(resolver=resolver, description=description)


@strawberry.type
class EntityQueries:
    @strawberry.field(
        description="Who you are: the user your API key or token belongs to, with your role and "
        "the accounts you manage."
    )
    async def me(self, info: Info) -> Optional[User]:  # noqa: UP045
        return await reads.me(call(info))  # type: ignore[no-any-return]

    @strawberry.field(description="Any entity by its global id; null when it does not exist.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return await reads.node(call(info), id)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Several entities by global id, in the order asked; null for missing ones."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids (at most 500).")
        ],
    ) -> list[Node | None]:
        return await reads.nodes(call(info), list(ids))

    customers: CustomerConnection = _list_field(
        "Customer", CustomerConnection, "Customer accounts, filtered, sorted and paginated."
    )
    companies: CompanyConnection = _list_field(
        "Company", CompanyConnection, "Companies, filtered, sorted and paginated."
    )
    contacts: ContactConnection = _list_field(
        "Contact", ContactConnection, "Contact people, filtered, sorted and paginated."
    )
    products: ProductConnection = _list_field(
        "Product", ProductConnection, "The product catalogue."
    )
    orders: OrderConnection = _list_field(
        "Order", OrderConnection, "Orders; newest first unless sorted otherwise."
    )
    interactions: InteractionConnection = _list_field(
        "Interaction", InteractionConnection, "Touchpoints; newest first unless sorted otherwise."
    )
    users: UserConnection = _list_field("User", UserConnection, "People who use Rapport.")
    tags: TagConnection = _list_field("Tag", TagConnection, "Tags in use.")
    segments: SegmentConnection = _list_field(
        "Segment",
        SegmentConnection,
        "Saved customer segments (by name unless sorted otherwise); each lists its current "
        "members under `customers`.",
    )

    @strawberry.field(
        description="One saved segment by id, with its current members under `customers`; "
        "null when it does not exist."
    )
    async def segment(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The segment's id.")],
    ) -> Segment | None:
        return await reads.segment(call(info), id)  # type: ignore[no-any-return]
