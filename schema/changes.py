"""The change feed in the schema: `Query.changes` (a Relay connection over the change log) and
`Subscription.changes` (the same events, live). docs/subscriptions.md is the guide."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from enum import Enum
from typing import Annotated, Any

import strawberry
from starlette.websockets import WebSocket, WebSocketState

from core.selection import Field
from graphdb.compiler import PLAN_CACHE
from graphdb.compiler.visibility import Visibility
from resolvers import changes
from schema.context import Info, call
from schema.scalars import DateTime
from schema.types.base import Node, PageInfo
from schema.types.entities import User

#: WebSocket close code for a subscriber that fell too far behind (RAPPORT_CHANGES_MAX_PENDING)
SLOW_CONSUMER_CLOSE = 4429


@strawberry.enum(description="What a change did to its record.")
class ChangeAction(Enum):
    CREATED = strawberry.enum_value("CREATED", description="The record was created.")
    UPDATED = strawberry.enum_value(
        "UPDATED",
        description="Its fields or its relationships (jobs, manager, tags, consents, knows, "
        "referrals, order lines…) changed.",
    )
    DELETED = strawberry.enum_value("DELETED", description="The record was deleted.")
    MERGED = strawberry.enum_value(
        "MERGED", description="Duplicates were merged into this record (the survivor)."
    )
    ERASED = strawberry.enum_value(
        "ERASED", description="The person's personal data was erased (GDPR); no values are sent."
    )
    DISCLOSED = strawberry.enum_value(
        "DISCLOSED",
        description="A GDPR access request was served for the record; nothing changed.",
    )


@strawberry.enum(description="Kinds of records that have change events.")
class EntityType(Enum):
    CUSTOMER = strawberry.enum_value("Customer", description="Customer accounts.")
    COMPANY = strawberry.enum_value("Company", description="Companies.")
    CONTACT = strawberry.enum_value("Contact", description="Contact people.")
    PRODUCT = strawberry.enum_value("Product", description="Products.")
    ORDER = strawberry.enum_value("Order", description="Orders.")
    INTERACTION = strawberry.enum_value("Interaction", description="Logged interactions.")
    USER = strawberry.enum_value("User", description="Rapport users.")
    SEGMENT = strawberry.enum_value("Segment", description="Saved segments.")


@strawberry.enum(description="How a relationship changed.")
class RelationshipChangeKind(Enum):
    ADDED = strawberry.enum_value("ADDED", description="It was made.")
    REMOVED = strawberry.enum_value("REMOVED", description="It was removed.")
    CHANGED = strawberry.enum_value("CHANGED", description="Its properties or members changed.")


@strawberry.type(description="A relationship of the record that a change made, removed or edited.")
class RelationshipChange:
    type: str = strawberry.field(
        description="The relationship type: WORKS_AT, REPORTS_TO, KNOWS, REFERRED, TAGGED, "
        "HAS_CONSENT, CONTAINS (order lines), MANAGES, ACCOUNT_OF, PLACED, WITH or LOGGED."
    )
    field: str = strawberry.field(
        description="The field of the record it shows in, e.g. employment, reportsTo, tags."
    )
    change: RelationshipChangeKind = strawberry.field(description="What happened to it.")
    other_id: strawberry.ID | None = strawberry.field(
        description="Global id of the record at the other end (null for tags and order lines, "
        "which change as a list)."
    )


@strawberry.type(
    description="One committed change, from the change log (the audit trail, in commit order)."
)
class ChangeEvent:
    cursor: str = strawberry.field(
        description="Opaque position in the change log; pass it as `after` to resume after "
        "this event."
    )
    at: DateTime = strawberry.field(description="When the change was made.")
    action: ChangeAction = strawberry.field(description="What the change did to the record.")
    mutation: str = strawberry.field(
        description="The operation that made it, e.g. updateCustomer or importRecords."
    )
    entity_type: EntityType = strawberry.field(description="The kind of record changed.")
    entity_id: strawberry.ID = strawberry.field(
        description="Global id of the record changed (also when it has since been deleted)."
    )
    entity: Node | None = strawberry.field(
        description="The record as it is now, read like `node(id:)` with your role's masking; "
        "null when it no longer exists."
    )
    changed_fields: list[str] = strawberry.field(
        description="Names of the fields and relationships that changed (never their values), "
        "e.g. email, tags, employment."
    )
    actor: User | None = strawberry.field(
        description="Who made the change (null for imports from the command line, or a user "
        "since deleted)."
    )
    relationship: RelationshipChange | None = strawberry.field(
        description="The first relationship the change made, removed or edited; null when it "
        "changed only the record's own fields."
    )
    relationships: list[RelationshipChange] = strawberry.field(
        description="Every relationship the change made, removed or edited."
    )


@strawberry.type(description="A change in a page of the change log.")
class ChangeEventEdge:
    cursor: str = strawberry.field(description="The event's cursor; pass it as `after`.")
    node: ChangeEvent = strawberry.field(description="The change.")


@strawberry.type(description="A page of the change log, oldest first (Relay connection).")
class ChangeEventConnection:
    edges: list[ChangeEventEdge] = strawberry.field(description="The changes of this page.")
    page_info: PageInfo = strawberry.field(
        description="Paging information. `endCursor` stands after the last change looked at, "
        "even one a filter left out: poll again with it as `after`."
    )


def _merged(fields: list[Field]) -> Field | None:
    """All selections of one field (aliases, fragments) as one."""
    if not fields:
        return None
    out = Field(key=fields[0].key, name=fields[0].name, args={})
    for f in fields:
        out.children += f.children
        for type_name, selected in f.by_type.items():
            out.by_type.setdefault(type_name, []).extend(selected)
    return out


def _named(parent: Field | None, name: str) -> list[Field]:
    return [c for c in parent.children if c.name == name] if parent is not None else []


def _reader(info: Info, event: list[Field], kind: str) -> changes.EntityReader:
    entity = _merged([c for e in event for c in _named(e, "entity")])
    actor = _merged([c for e in event for c in _named(e, "actor")])
    request = call(info)
    return changes.EntityReader(
        entity,
        actor,
        Visibility.of(request),
        info.context.settings.max_page_size,
        info._raw_info.schema,
        PLAN_CACHE.key(request, kind),
    )


def _config(info: Info) -> changes.FeedConfig:
    settings = info.context.settings
    return changes.FeedConfig(
        retention_s=settings.changes_retention_days * 86400,
        poll_interval_s=settings.changes_poll_interval_s,
        max_pending=settings.changes_max_pending,
        max_page_size=settings.max_page_size,
    )


def _event(delivered: changes.Delivered) -> ChangeEvent:
    row = delivered.row
    rels = [
        RelationshipChange(
            type=r.type,
            field=r.field,
            change=RelationshipChangeKind(r.change),
            other_id=strawberry.ID(r.other_id) if r.other_id else None,
        )
        for r in row.relationships
    ]
    return ChangeEvent(
        cursor=row.cursor,
        at=DateTime(row.at),
        action=ChangeAction(row.action),
        mutation=row.mutation,
        entity_type=EntityType(row.entity_type),
        entity_id=strawberry.ID(row.entity_global_id),
        entity=delivered.entity,
        changed_fields=row.changed_fields,
        actor=delivered.actor,
        relationship=rels[0] if rels else None,
        relationships=rels,
    )


def _filters(
    types: list[EntityType] | None,
    entity_id: strawberry.ID | None,
    actions: list[ChangeAction] | None,
) -> changes.Filters:
    return changes.Filters.of(
        [str(t.value) for t in types] if types is not None else None,
        str(entity_id) if entity_id is not None else None,
        [str(a.value) for a in actions] if actions is not None else None,
    )


def _page_info(selected: list[Field], values: dict[str, Any]) -> Any:
    """PageInfo rows are keyed by response key (schema/types/base.py)."""
    return {f.key: values.get(f.name) for page in selected for f in page.children}


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


_TYPES = _arg("Only changes to these kinds of records.")
_ENTITY = _arg("Only changes to this one record (a global id).")
_ACTIONS = _arg("Only these kinds of change.")


@strawberry.type
class ChangeQueries:
    @strawberry.field(
        description="The change log, oldest first, for integrations that poll: every committed "
        "change in commit order, resumable with `after` (the same cursors as the "
        "subscription). Without `after`, from the oldest change still retained."
    )
    async def changes(
        self,
        info: Info,
        after: Annotated[
            str | None, _arg("Cursor to go on after (an event's `cursor` or `pageInfo.endCursor`).")
        ] = None,
        first: Annotated[int, _arg("How many changes (at most 500).")] = 20,
        types: Annotated[list[EntityType] | None, _TYPES] = None,
        entity_id: Annotated[strawberry.ID | None, _ENTITY] = None,
        actions: Annotated[list[ChangeAction] | None, _ACTIONS] = None,
    ) -> ChangeEventConnection:
        info.context.viewer  # noqa: B018 - authenticated callers only
        top = call(info).selection.top
        nodes = [n for e in _named(top, "edges") for n in _named(e, "node")]
        result = await changes.page(
            info.context.graph,
            _reader(info, nodes, "changes"),
            _config(info),
            after=after,
            first=first,
            filters=_filters(types, entity_id, actions),
        )
        edges = [ChangeEventEdge(cursor=d.row.cursor, node=_event(d)) for d in result.events]
        return ChangeEventConnection(
            edges=edges,
            page_info=_page_info(
                _named(top, "pageInfo"),
                {
                    "hasNextPage": result.has_next,
                    "hasPreviousPage": result.has_previous,
                    "startCursor": edges[0].cursor if edges else None,
                    "endCursor": result.end_cursor,
                },
            ),
        )


async def changes_subscription(
    self: Any,
    info: Info,
    types: Annotated[list[EntityType] | None, _TYPES] = None,
    entity_id: Annotated[strawberry.ID | None, _ENTITY] = None,
    actions: Annotated[list[ChangeAction] | None, _ACTIONS] = None,
    after: Annotated[
        str | None,
        _arg(
            "Replay every change after this cursor first, then go on live; without it, "
            "only changes committed from now on."
        ),
    ] = None,
) -> AsyncGenerator[ChangeEvent, None]:
    info.context.viewer  # noqa: B018 - authenticated callers only
    top = call(info).selection.top
    socket = info.context.request

    shared = info.context.shared

    async def drop(reason: str) -> None:
        if shared is not None:  # every subscriber of a shared execution is that slow
            await shared.drop(reason)
            return
        if (
            isinstance(socket, WebSocket)
            and socket.application_state != WebSocketState.DISCONNECTED
        ):
            await socket.close(SLOW_CONSUMER_CLOSE, reason[:120])

    events = changes.stream(
        info.context.graph,
        _reader(info, [top], "subscription:changes"),
        _config(info),
        after=after,
        filters=_filters(types, entity_id, actions),
        on_drop=drop,
        # a shared execution counts its subscribers itself
        listeners=changes.FeedListeners(opened=[shared.opened]) if shared is not None else None,
    )
    async with aclosing(events):
        async for batch in events:
            if shared is not None:
                shared.batch += 1
            for delivered in batch:
                if shared is not None:
                    shared.seq = delivered.row.seq
                yield _event(delivered)


CHANGES_SUBSCRIPTION = strawberry.subscription(
    changes_subscription,
    description="Every committed change as it happens (a few hundred milliseconds after the "
    "commit), in commit order, from every API process. With `after`, replays what was missed "
    "first: nothing lost, nothing twice. A subscriber more than RAPPORT_CHANGES_MAX_PENDING "
    "changes behind is closed with code 4429. See docs/subscriptions.md.",
)
