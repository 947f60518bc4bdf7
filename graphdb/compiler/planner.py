"""Builds the plan for a root field from its selection (selection → plan)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from core import global_id
from core.model import CURRENT_EMPLOYMENT, ENTITIES, Entity, Kind, Rel
from core.selection import Field
from graphdb.compiler import cursor as cursors
from graphdb.compiler import temporal
from graphdb.compiler.connection import (
    Connection,
    EdgeShape,
    Page,
    SegmentBranch,
    SegmentMembers,
)
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.filters import RELATION_PATTERNS
from graphdb.compiler.intelligence import ReferralShape, Union
from graphdb.compiler.ordering import sort_keys
from graphdb.compiler.plan import (
    Address,
    Converted,
    Item,
    OrderLines,
    Participants,
    PlainList,
    Projection,
    Scalar,
    Single,
)
from graphdb.compiler.registry import PLANS
from graphdb.compiler.visibility import ADDRESS, FULL, SEEN, Visibility, masked, masked_fields
from graphdb.segments import SEGMENTS

DEFAULT_PAGE_SIZE = 20

#: Stored values clients see converted (core/model.py AUDIT_EVENT): the actor's raw uuid as a
#: User global id, [entityType, uuid] as the record's global id, the changes' JSON text parsed.
_CONVERTED: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("AuditEvent", "actorId"): lambda raw: global_id.encode("User", raw),
    ("AuditEvent", "entityId"): lambda pair: global_id.encode(pair[0], pair[1]),
    ("AuditEvent", "changes"): orjson.loads,
}

#: Connections whose GraphQL field carries relationship properties on its edges.
_EDGE_PROPS = {("Company", "contacts"), ("Contact", "employments"), ("Contact", "knows")}


def check_no_personal_filter(entity: Entity, flt: dict[str, Any], path: str) -> None:
    """Masked roles may not filter on personal data: a match count would reveal the value."""
    for key, value in flt.items():
        if value is None:
            continue
        where = f"{path}.{key}"
        if key in ("and", "or"):
            for i, sub in enumerate(value):
                check_no_personal_filter(entity, sub, f"{where}.{i}")
        elif key == "not":
            check_no_personal_filter(entity, value, where)
        elif (entity.name, key) in RELATION_PATTERNS:
            target = ENTITIES[RELATION_PATTERNS[(entity.name, key)][1]]
            check_no_personal_filter(target, value, where)
        elif key in entity.props and entity.props[key].personal:
            raise QueryArgumentError(
                f"`{where}` is personal data, which your role may not filter on.",
                code="FORBIDDEN_FIELD",
                argument=where,
            )


class UnsupportedField(Exception):
    """A field the compiler has no plan for; a programming error, never user input."""


class Planner:
    def __init__(
        self,
        max_page_size: int,
        visibility: Visibility = FULL,
        segment_ids: frozenset[str] | None = None,
    ) -> None:
        self.max_page_size = max_page_size
        self.visibility = visibility
        #: the segments whose members a statement may need (None: every known segment)
        self.segment_ids = segment_ids

    # ----------------------------------------------------------------------------- projections
    def projection(self, entity: Entity, fields: list[Field], path: str) -> Projection:
        # A guard that is a predicate (SALES: "is this one of my accounts?") is evaluated once
        # per record for all its personal fields (Projection binds it); the items only refer
        # to it. Repeated per field, Neo4j planned one subquery per field and per nesting site:
        # seconds of planning for a large document.
        guard = self.visibility.guard(entity.name)
        shared = guard if guard not in (None, "false") else None
        items: list[Item] = []
        for f in fields:
            if f.name == "__typename":
                continue  # resolved by GraphQL itself from the row's __typename
            item = self._item(entity, f, f"{path}.{f.key}", SEEN if shared else guard)
            if item is not None:
                items.append(item)
        return Projection(entity, items, shared)

    def _item(self, entity: Entity, f: Field, path: str, guard: str | None) -> Item | None:
        name = f.name
        if name == "maskedFields":
            return Scalar(f.key, masked_fields(entity, guard))
        if name == "address":
            return Address(
                f.key,
                [(c.key, ADDRESS[c.name]) for c in f.children if c.name in ADDRESS],
                {p.name for p in entity.props.values() if p.personal} if guard else set(),
                guard,
            )
        if name in entity.props:
            prop = entity.props[name]
            expr = prop.expr or "{n}." + name
            if prop.kind is Kind.DATETIME and prop.expr is None and not prop.personal:
                return Scalar(f.key, temporal.wire(expr))
            if (entity.name, name) in _CONVERTED:
                return Converted(f.key, expr, _CONVERTED[(entity.name, name)])
            return Scalar(f.key, masked(expr, guard) if prop.personal else expr)
        if entity.name == "Order" and name == "lines":
            return self._order_lines(f, path)
        if entity.name == "Interaction" and name == "participants":
            return Participants(
                f.key,
                {
                    label: self.projection(ENTITIES[label], f.by_type.get(label, []), path)
                    for label in ("Customer", "Contact")
                },
            )
        if name == "consents" and entity.name in ("Customer", "Contact"):
            rel = entity.rels["consents"]
            return PlainList(
                f.key,
                rel,
                self.projection(ENTITIES["Consent"], f.children, path),
                "{m}.recordedAt DESC, {m}.id",
            )
        if entity.name == "Interaction" and name == "loggedBy":
            rel = Rel("loggedBy", "LOGGED", "IN", "User", many=False)
            return Single(f.key, rel, self.projection(ENTITIES["User"], f.children, path))
        if name in entity.rels:
            rel = entity.rels[name]
            target = ENTITIES[rel.target]
            if not rel.many:
                order = "{r}.startedOn DESC" if rel.type == "WORKS_AT" else None
                return Single(f.key, rel, self.projection(target, f.children, path), order)
            return self.connection(target, f, path, rel, source=entity)
        if entity.name == "Segment":
            item = self._segment(f, path)
            if item is not None:
                return item
        item = self._intelligence(entity, f, path)
        if item is not None:
            return item
        raise UnsupportedField(f"{entity.name}.{name}")

    def _order_lines(self, f: Field, path: str) -> OrderLines:
        product = next((c for c in f.children if c.name == "product"), None)
        return OrderLines(
            f.key,
            [
                (c.key, c.name)
                for c in f.children
                if c.name in ("quantity", "unitPrice", "lineTotal")
            ],
            product.key if product else None,
            self.projection(ENTITIES["Product"], product.children, f"{path}.product")
            if product
            else None,
        )

    # ---------------------------------------------------------------------------------- segments
    def _segment(self, f: Field, path: str) -> Item | None:
        if f.name == "requireConsent":
            stored = {"channel": "requireConsentChannel", "purpose": "requireConsentPurpose"}
            body = ", ".join(
                f"`{c.key}`: {{n}}.{stored[c.name]}" for c in f.children if c.name in stored
            )
            return Scalar(
                f.key,
                "CASE WHEN {n}.requireConsentChannel IS NULL THEN null ELSE {{" + body + "}} END",
            )
        if f.name == "customers":
            return SegmentMembers(f.key, self._segment_branches(f, path))
        return None

    def _segment_branches(self, f: Field, path: str) -> dict[str, SegmentBranch]:
        branches: dict[str, SegmentBranch] = {}
        for saved in SEGMENTS.all():
            if self.segment_ids is not None and saved.id not in self.segment_ids:
                continue
            if saved.invalid is not None:
                branches[saved.id] = SegmentBranch(
                    saved.version,
                    None,
                    (
                        "INVALID_FILTER",
                        f"This segment's saved filter is no longer valid "
                        f"({saved.invalid}); update the segment's filter.",
                    ),
                )
                continue
            if not self.visibility.may_filter_personal():
                try:
                    check_no_personal_filter(ENTITIES["Customer"], saved.filter, "segment.filter")
                except QueryArgumentError:
                    branches[saved.id] = SegmentBranch(
                        saved.version,
                        None,
                        (
                            "FORBIDDEN_FIELD",
                            "This segment selects customers by personal data, "
                            "which your role may not see; ask a manager for its members.",
                        ),
                    )
                    continue
            members = self.connection(ENTITIES["Customer"], f, path, source=ENTITIES["Segment"])
            extra = f.args.get("filter")
            members.filter = {"and": [saved.filter, extra]} if extra else saved.filter
            members.consent = saved.consent
            branches[saved.id] = SegmentBranch(saved.version, members)
        return branches

    # ------------------------------------------------------------------- relationship intelligence
    def limit(self, f: Field, path: str, name: str = "first", default: int = 10) -> int:
        value = f.args.get(name)
        value = default if value is None else value
        if value < 0 or value > self.max_page_size:
            raise QueryArgumentError(
                f"`{path}.{name}` must be between 0 and {self.max_page_size}.",
                code="INVALID_PAGINATION" if value < 0 else "PAGE_TOO_LARGE",
                argument=f"{path}.{name}",
            )
        return int(value)

    def union(self, f: Field | None, path: str, labels: tuple[str, ...]) -> Union:
        """The projection of a node that may be any of `labels`, per type as `f` selects it
        (`... on Customer { … }`); `f` None (not selected) still gives every label a branch, as
        a route's or a hit's nodes are typed whether or not their fields are asked for."""
        return Union(
            {
                lb: self.projection(ENTITIES[lb], f.by_type.get(lb, []) if f else [], path)
                for lb in labels
            }
        )

    def referral_shape(self, f: Field, path: str) -> ReferralShape:
        shape = ReferralShape()
        for c in f.children:
            if c.name == "referrer":
                shape.referrer_key = c.key
                shape.referrer = self.union(c, f"{path}.referrer", ("Customer", "Contact"))
            elif c.name == "referred":
                shape.referred_key = c.key
                shape.referred = self.projection(
                    ENTITIES["Customer"], c.children, f"{path}.referred"
                )
            elif c.name in ("referredAt", "channel", "note", "depth"):
                shape.scalars.append((c.key, c.name))
        return shape

    def _intelligence(self, entity: Entity, f: Field, path: str) -> Item | None:
        """A computed field, planned by its own module (graphdb/compiler/registry.py)."""
        plan = PLANS.get((entity.name, f.name))
        return plan(self, f, path) if plan is not None else None

    # ----------------------------------------------------------------------------- connections
    def page(
        self, args: dict[str, Any], sig: str, kinds: list[tuple[Kind, bool]], path: str
    ) -> Page:
        first, last = args.get("first"), args.get("last")
        after, before = args.get("after"), args.get("before")
        if first is not None and last is not None:
            raise QueryArgumentError(
                f"`{path}`: pass either `first` or `last`, not both.",
                code="INVALID_PAGINATION",
                argument=f"{path}.last",
            )
        for name, size in (("first", first), ("last", last)):
            if size is None:
                continue
            if size < 0:
                raise QueryArgumentError(
                    f"`{path}.{name}` must not be negative.",
                    code="INVALID_PAGINATION",
                    argument=f"{path}.{name}",
                )
            if size > self.max_page_size:
                raise QueryArgumentError(
                    f"`{path}.{name}` is {size}; at most {self.max_page_size} items per page.",
                    code="PAGE_TOO_LARGE",
                    argument=f"{path}.{name}",
                )
        backward = last is not None or (first is None and before is not None)
        size = last if backward else first
        if size is None:
            size = DEFAULT_PAGE_SIZE
        after_values = (
            cursors.decode(after, sig, kinds, f"{path}.after") if after is not None else None
        )
        before_values = (
            cursors.decode(before, sig, kinds, f"{path}.before") if before is not None else None
        )
        if backward and after_values is not None:
            raise QueryArgumentError(
                f"`{path}`: `after` only works with `first`.",
                code="INVALID_PAGINATION",
                argument=f"{path}.after",
            )
        if not backward and before_values is not None:
            raise QueryArgumentError(
                f"`{path}`: `before` only works with `last`.",
                code="INVALID_PAGINATION",
                argument=f"{path}.before",
            )
        return Page(size=size, backward=backward, after=after_values, before=before_values)

    def page_parts(
        self, f: Field, node_of: Callable[[Field], Any], edge_props: bool = False
    ) -> tuple[list[EdgeShape], list[tuple[str, list[tuple[str, str]]]], list[str]]:
        """What a connection selection asks for: its `edges` (each `node` planned by
        `node_of`), its `pageInfo` and its `totalCount`, by response key."""
        edges: list[EdgeShape] = []
        page_info: list[tuple[str, list[tuple[str, str]]]] = []
        totals: list[str] = []
        for child in f.children:
            if child.name == "edges":
                node = next((c for c in child.children if c.name == "node"), None)
                edges.append(
                    EdgeShape(
                        key=child.key,
                        cursor_keys=[c.key for c in child.children if c.name == "cursor"],
                        node_key=node.key if node else None,
                        node=node_of(node) if node else None,
                        edge_props=[
                            (c.key, c.name)
                            for c in child.children
                            if edge_props and c.name not in ("node", "cursor", "__typename")
                        ],
                    )
                )
            elif child.name == "pageInfo":
                page_info.append(
                    (child.key, [(c.key, c.name) for c in child.children if c.name != "__typename"])
                )
            elif child.name == "totalCount":
                totals.append(child.key)
        return edges, page_info, totals

    def connection(
        self,
        entity: Entity,
        f: Field,
        path: str,
        rel: Rel | None = None,
        source: Entity | None = None,
    ) -> Connection:
        keys = sort_keys(entity, f.args.get("orderBy"))
        sig = cursors.signature(
            f"{source.name if source else ''}.{f.name}>{entity.name}",
            [(k.prop.name, k.descending) for k in keys],
        )
        page = self.page(f.args, sig, [(k.prop.kind, k.nullable) for k in keys], path)
        edge_props = source is not None and (source.name, f.name) in _EDGE_PROPS
        edges, page_info, totals = self.page_parts(
            f,
            lambda node: self.projection(entity, node.children, f"{path}.edges.node"),
            edge_props,
        )
        extra_where = None
        is_staff = source is not None and source.name == "Company" and f.name == "contacts"
        if is_staff and f.args.get("current", True):
            extra_where = CURRENT_EMPLOYMENT
        if f.args.get("filter") and not self.visibility.may_filter_personal():
            check_no_personal_filter(entity, f.args["filter"], f"{path}.filter")
        return Connection(
            key=f.key,
            entity=entity,
            rel=rel,
            filter=f.args.get("filter"),
            keys=keys,
            page=page,
            signature=sig,
            edges=edges,
            page_info=page_info,
            total_keys=totals,
            extra_where=extra_where,
        )
