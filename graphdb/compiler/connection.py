"""Paged lists: `Connection` (a root list field or a relationship list, keyset-paginated),
the `PageShape` that turns its rows into edges, cursors and pageInfo, and the segment members
read through one. Split from plan.py, which holds the other node kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.model import Entity, Rel
from graphdb.compiler import cursor as cursors
from graphdb.compiler.build import emit, nested, rel_pattern
from graphdb.compiler.build import returning as subquery_return
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.filters import predicate as filter_predicate
from graphdb.compiler.ordering import SortKey, keyset_predicate, order_clause, reversed_keys
from graphdb.compiler.params import Emitter
from graphdb.compiler.plan import Item, _key
from graphdb.cypher import (
    Case,
    Embed,
    Join,
    Lit,
    Node,
    Param,
    Q,
    Renderer,
    Var,
    collect,
    count,
)
from graphdb.segments import StaleSegments


@dataclass
class EdgeShape:
    """What one `edges` selection (by response key) wants from each row."""

    key: str
    cursor_keys: list[str]
    node_key: str | None
    #: a Projection for entity connections; any node kind with `post` (e.g. a referral)
    node: Any
    edge_props: list[tuple[str, str]]  # (response key, relationship property)


@dataclass
class Page:
    """Validated Relay page arguments."""

    size: int
    backward: bool
    after: list[Any] | None
    before: list[Any] | None


@dataclass
class Connection(Item):
    """A paginated list: a root list field (rel is None) or a relationship list."""

    key: str
    entity: Entity
    rel: Rel | None
    filter: dict[str, Any] | None
    keys: list[SortKey]
    page: Page
    signature: str
    edges: list[EdgeShape]
    page_info: list[tuple[str, list[tuple[str, str]]]]  # (key, [(sub key, PageInfo field)])
    total_keys: list[str]
    extra_where: str | None = None  # e.g. current employments only, over {r}
    #: (channel, purpose): keep only nodes whose newest such consent is granted (segments)
    consent: tuple[str, str] | None = None

    needs_post: bool = True

    def _effective_keys(self) -> list[SortKey]:
        return reversed_keys(self.keys) if self.page.backward else self.keys

    def _conditions(self, n: str, r: str, em: Emitter, with_cursor: bool) -> list[str]:
        conds: list[str] = []
        if self.extra_where:
            conds.append(self.extra_where.format(r=r, m=n))
        if self.filter:
            predicate = filter_predicate(self.entity, n, self.filter, em.params, em.vars)
            if predicate:
                conds.append(predicate)
        if self.consent:
            conds.append(consent_granted(n, self.consent, em))
        if with_cursor:
            position = self.page.before if self.page.backward else self.page.after
            if position is not None:
                conds.append(keyset_predicate(self._effective_keys(), position, n, em.params))
        return conds

    def _row(self, n: str, r: str | None, em: Emitter) -> str:
        keys = self._effective_keys()
        entries = ["__sort: [" + ", ".join(k.value(n) for k in keys) + "]"]
        shapes = []
        for shape in self.edges:
            parts = []
            if shape.node is not None and shape.node_key is not None:
                parts.append(f"{_key(shape.node_key)}: {shape.node.emit(n, em)}")
            for key, prop in shape.edge_props:
                parts.append(f"{_key(key)}: {r}.{prop}" if r else f"{_key(key)}: null")
            shapes.append(f"{_key(shape.key)}: {{{', '.join(parts)}}}")
        entries.append("e: {" + ", ".join(shapes) + "}")
        return "{" + ", ".join(entries) + "}"

    def _pattern(self, source: Var, r: Var, n: Var) -> Node:
        if self.rel is None:  # not anchored on `source`: a segment's members
            return Q("({n}:{label})", n=n, label=self.entity.label)
        return rel_pattern(self.rel, source, r, n, self.entity.label)

    def _where(self, n: Var, r: Var | None, em: Emitter, *, cursor: bool, lead: bool) -> Node:
        """` WHERE …` over `n` (and the relationship `r`), or nothing: the filter, the consent
        rule, with `cursor` the keyset predicate, with `lead` the first sort key not null."""

        def write(rr: Renderer) -> str:
            conds = self._conditions(rr.name(n), rr.name(r) if r else "_", em, with_cursor=cursor)
            if lead:
                self._lead_not_null(rr.name(n), conds)
            return f" WHERE {' AND '.join(conds)}" if conds else ""

        return Embed(write)

    def _lead_not_null(self, n: str, conds: list[str]) -> None:
        lead = self._effective_keys()[0]
        if not lead.nullable and not any(c.startswith(lead.expr(n)) for c in conds):
            # A no-op for a never-null key, but it lets Neo4j read the range index in order
            # instead of sorting every node of the label for the first page.
            conds.insert(0, f"{lead.expr(n)} IS NOT NULL")

    def _order(self, n: Var) -> Node:
        return Embed(lambda rr: order_clause(self._effective_keys(), rr.name(n)))

    def _rows(self, n: Var, r: Var | None, em: Emitter) -> Node:
        return Embed(lambda rr: self._row(rr.name(n), rr.name(r) if r else None, em))

    @property
    def wants_rows(self) -> bool:
        """False when only `totalCount` is selected: then no page is read or sorted at all."""
        return bool(self.edges or self.page_info)

    def emit(self, var: str, em: Emitter) -> str:
        """The nested form: a map with the page's rows and, when selected, the total."""
        source = Var.bound(var)
        rows: Node = Q("[]")
        if self.wants_rows:
            n, r = Var("m"), Var("r")
            scope = [r, n] if self.rel is not None else [n]
            rows = collect(
                Q(
                    "MATCH {pattern}{where} WITH {scope} ORDER BY {order} LIMIT {limit}",
                    pattern=self._pattern(source, r, n),
                    where=self._where(n, r, em, cursor=True, lead=self.rel is None),
                    scope=Join(scope),
                    order=self._order(n),
                    limit=Param(self.page.size + 1),
                ),
                subquery_return(scope, self._rows(n, r if self.rel else None, em)),
            )
        total = self._total(source, em)
        return emit(Q("{{rows: {rows}, total: {total}}}", rows=rows, total=total), em)

    def _total(self, source: Var, em: Emitter) -> Node:
        if not self.total_keys:
            return Lit(None)
        n, r = Var("m"), Var("r")
        return count(
            Q(
                "MATCH {pattern}{where}",
                pattern=self._pattern(source, r, n),
                where=self._where(n, r, em, cursor=False, lead=False),
            )
        )

    def _root_total(self, em: Emitter) -> Node:
        if not self.total_keys:
            return Lit(None)
        n = Var("n")
        return count(
            Q(
                "MATCH ({n}:{label}){where}",
                n=n,
                label=self.entity.label,
                where=self._where(n, None, em, cursor=False, lead=False),
            )
        )

    def emit_root(self, em: Emitter) -> str:
        """The root form: a whole statement returning `rows` and `total`."""
        if not self.wants_rows:
            return emit(Q("RETURN [] AS rows, {total} AS total", total=self._root_total(em)), em)
        n, row = Var("n"), Var("row")
        # Rows are built before collect(): Cypher forbids aggregations (used by nested fields)
        # inside an aggregation's argument. A plain projection keeps the order.
        statement = Q(
            "MATCH ({n}:{label}){where} WITH {n} ORDER BY {order} LIMIT {limit} "
            "WITH {n}, {rows} AS {row} WITH collect({row}) AS rows "
            "RETURN rows, {total} AS total",
            n=n,
            label=self.entity.label,
            where=self._where(n, None, em, cursor=True, lead=True),
            order=self._order(n),
            limit=Param(self.page.size + 1),
            rows=self._rows(n, None, em),
            row=row,
            total=self._root_total(em),
        )
        return emit(statement, em)

    def post(self, value: Any) -> Any:
        shape = PageShape(self.page, self.signature, self.edges, self.page_info, self.total_keys)
        return shape.post(value)


@dataclass
class PageShape:
    """The client side of every connection: a page read as up to `size + 1` rows, each with
    its sort values under `__sort` and its edges under `e` by response key, becomes `edges`
    with cursors, `pageInfo` and `totalCount`, each under the response keys asked for."""

    page: Page
    signature: str
    edges: list[EdgeShape]
    page_info: list[tuple[str, list[tuple[str, str]]]]
    total_keys: list[str]
    #: items precede the page even without `after` (a page from a deprecated `offset`)
    skipped: bool = False

    def post(self, value: Any) -> dict[str, Any]:
        rows: list[dict[str, Any]] = list((value or {}).get("rows") or [])
        total = (value or {}).get("total")
        has_more = len(rows) > self.page.size
        rows = rows[: self.page.size]
        if self.page.backward:
            rows.reverse()
            has_next, has_previous = self.page.before is not None, has_more
        else:
            has_next, has_previous = has_more, self.page.after is not None or self.skipped
        out: dict[str, Any] = {}
        cursors_ = [cursors.encode(self.signature, row["__sort"]) for row in rows]
        for shape in self.edges:
            edges = []
            for row, cur in zip(rows, cursors_, strict=True):
                edge = row["e"][shape.key]
                for ck in shape.cursor_keys:
                    edge[ck] = cur
                if shape.node is not None and shape.node_key is not None:
                    edge[shape.node_key] = shape.node.post(edge[shape.node_key])
                edges.append(edge)
            out[shape.key] = edges
        if self.page_info:
            info_values = {
                "hasNextPage": has_next,
                "hasPreviousPage": has_previous,
                "startCursor": cursors_[0] if cursors_ else None,
                "endCursor": cursors_[-1] if cursors_ else None,
            }
            for key, sub in self.page_info:
                out[key] = {k: info_values[name] for k, name in sub}
        for key in self.total_keys:
            out[key] = total
        return out


def consent_granted(n: str, consent: tuple[str, str], em: Emitter) -> str:
    """`n`'s newest consent record for (channel, purpose) exists and grants it.

    Consents are history (recordConsent adds a node each time), so the newest record by
    `recordedAt` (then by creation) is the one in force; no record means no consent.
    """
    k = em.vars.new("k")
    channel, purpose = em.params.add(consent[0]), em.params.add(consent[1])
    return (
        f"COLLECT {{ MATCH ({n})-[:HAS_CONSENT]->({k}:Consent) "
        f"WHERE {k}.channel = {channel} AND {k}.purpose = {purpose} "
        f"WITH {k} ORDER BY {k}.recordedAt DESC, {k}.createdAt DESC LIMIT 1 "
        f"RETURN {k}.granted AS granted }} = [true]"
    )


@dataclass
class SegmentBranch:
    """What one known segment's members compile to, at the version the registry knows."""

    version: int
    members: Connection | None  # None: refused to this viewer (see `refusal`)
    refusal: tuple[str, str] | None = None  # (code, message)


@dataclass
class SegmentMembers(Item):
    """`Segment.customers`: the customers matching the segment's saved filter.

    The statement picks the branch of the segment being read by id and version; any other
    segment (unknown here, or changed since) yields `stale`, and the reader reloads the
    segment registry and runs again (graphdb/segments.py).
    """

    key: str
    branches: dict[str, SegmentBranch]
    needs_post: bool = True

    def emit(self, var: str, em: Emitter) -> str:
        n = Var.bound(var)
        whens: list[tuple[Node, Node]] = []
        for segment_id, branch in self.branches.items():
            sid = Param(segment_id)
            body = (
                Q("{{segment: {sid}, page: {page}}}", sid=sid, page=nested(branch.members, n, em))
                if branch.members is not None
                else Q("{{segment: {sid}, refused: true}}", sid=sid)
            )
            this = Q("{n}.id = {sid} AND {n}.version = {v}", n=n, sid=sid, v=Param(branch.version))
            whens.append((this, body))
        stale = Q("{{stale: true}}")
        return emit(Case(whens, stale) if whens else stale, em)

    def post(self, value: Any) -> Any:
        if value is None or value.get("stale"):
            raise StaleSegments()
        branch = self.branches[value["segment"]]
        if branch.members is None:
            code, message = branch.refusal or ("FORBIDDEN_FIELD", "Not available.")
            raise QueryArgumentError(message, code=code, argument=self.key)
        return branch.members.post(value["page"])
