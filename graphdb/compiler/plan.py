"""The query plan: what one root field reads, as a small tree of node kinds.

Each node knows how to write itself as a Cypher expression (`emit`) and, where the database
result needs shaping (cursors, page trimming, pageInfo), how to shape it (`post`). The planner
builds the tree from the GraphQL selection; nothing here looks at GraphQL again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.model import Entity, Rel
from graphdb.compiler import cursor as cursors
from graphdb.compiler.build import emit, nested, rel_pattern
from graphdb.compiler.build import returning as subquery_return
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.filters import predicate as filter_predicate
from graphdb.compiler.ordering import SortKey, keyset_predicate, order_clause, reversed_keys
from graphdb.compiler.params import Emitter as Emitter  # where the compiler imports it from
from graphdb.compiler.visibility import masked
from graphdb.cypher import (
    Case,
    Embed,
    Join,
    Lit,
    Map,
    Node,
    Param,
    Q,
    Renderer,
    Var,
    collect,
    count,
    first_of,
)
from graphdb.segments import StaleSegments


def _key(key: str) -> str:
    """Response keys are GraphQL names ([_A-Za-z][_0-9A-Za-z]*); backticks make them inert."""
    return f"`{key}`"


def returning(em: Emitter, scope: list[str], expr: str) -> str:
    """`RETURN expr` for a subquery, with the variables in scope as explicit grouping keys.

    Neo4j 5 rejects a projection whose expression nests an aggregating subquery (e.g. a
    referral network's count) while referring to variables that are not grouping keys; naming
    them in a WITH first makes every level of nesting legal.
    """
    v = em.vars.new("v")
    return f"WITH {', '.join(scope)}, {expr} AS {v} RETURN {v}"


class Item:
    key: str
    needs_post: bool = False

    def emit(self, var: str, em: Emitter) -> str:
        raise NotImplementedError

    def post(self, value: Any) -> Any:
        return value


@dataclass
class Projection:
    """The selected fields of one entity, as a Cypher map literal."""

    entity: Entity
    items: list[Item]

    def __post_init__(self) -> None:
        self._post_items = [i for i in self.items if i.needs_post]

    @property
    def needs_post(self) -> bool:
        return bool(self._post_items)

    def emit(self, var: str, em: Emitter) -> str:
        entries = [f"__typename: '{self.entity.name}'", f"__id: {var}.id"]
        entries += [f"{_key(i.key)}: {i.emit(var, em)}" for i in self.items]
        return "{" + ", ".join(entries) + "}"

    def post(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is not None:
            for item in self._post_items:
                row[item.key] = item.post(row.get(item.key))
        return row


@dataclass
class Scalar(Item):
    key: str
    expr: str  # template over {n}

    def emit(self, var: str, em: Emitter) -> str:
        return self.expr.format(n=var)


@dataclass
class Converted(Scalar):
    """A scalar whose stored form is not what clients see (a raw uuid that is shown as a
    global id, JSON kept as text): converted once while the result is shaped, so the row holds
    the final value like every other field."""

    convert: Callable[[Any], Any] = field(default=lambda v: v)

    needs_post: bool = True

    def post(self, value: Any) -> Any:
        return None if value is None else self.convert(value)


@dataclass
class Constant(Item):
    key: str
    value: str

    def emit(self, var: str, em: Emitter) -> str:
        return emit(Lit(self.value), em)


@dataclass
class Address(Item):
    key: str
    fields: list[tuple[str, str]]  # (response key, stored property)
    personal: set[str] = field(default_factory=set)  # stored properties to mask
    guard: str | None = None  # visibility predicate template over {n}

    def emit(self, var: str, em: Emitter) -> str:
        n = Var.bound(var)
        stored = ("addressLine1", "addressLine2", "postalCode", "city", "region", "country")
        empty = Join([Q("{n}.{p} IS NULL", n=n, p=p) for p in stored], " AND ")
        body = Map(
            [
                (
                    k,
                    Q(masked("{n}." + p, self.guard), n=n)
                    if p in self.personal
                    else Q("{n}.{p}", n=n, p=p),
                )
                for k, p in self.fields
            ]
        )
        return emit(Q("CASE WHEN {empty} THEN null ELSE {body} END", empty=empty, body=body), em)


@dataclass
class Single(Item):
    """A to-one relationship: the related node or null."""

    key: str
    rel: Rel
    target: Projection
    order: str | None = None  # e.g. prefer the latest employment

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.target.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        m, r = Var("m"), Var("r")
        where = Q(" WHERE {w}", w=Q(self.rel.where, r=r, m=m)) if self.rel.where else Q("")
        order = Q(" ORDER BY {o}", o=Q(self.order, r=r, m=m)) if self.order else Q("")
        return emit(
            first_of(
                Q(
                    "MATCH {pattern}{where} WITH {r}, {m}{order} LIMIT 1",
                    pattern=rel_pattern(self.rel, Var.bound(var), r, m),
                    where=where,
                    r=r,
                    m=m,
                    order=order,
                ),
                subquery_return([r, m], nested(self.target, m, em)),
            ),
            em,
        )

    def post(self, value: Any) -> Any:
        return self.target.post(value)


@dataclass
class PlainList(Item):
    """A short, unpaginated list (consents): every related node, in a fixed order."""

    key: str
    rel: Rel
    target: Projection
    order: str  # template over {m}

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.target.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        m, r = Var("m"), Var("r")
        return emit(
            collect(
                Q(
                    "MATCH {pattern} WITH {m} ORDER BY {order}",
                    pattern=rel_pattern(self.rel, Var.bound(var), r, m),
                    m=m,
                    order=Q(self.order, m=m),
                ),
                subquery_return([m], nested(self.target, m, em)),
            ),
            em,
        )

    def post(self, value: Any) -> Any:
        return [self.target.post(v) for v in value or []]


@dataclass
class OrderLines(Item):
    key: str
    fields: list[tuple[str, str]]  # (response key, quantity|unitPrice|lineTotal)
    product_key: str | None
    product: Projection | None

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return bool(self.product and self.product.needs_post)

    def emit(self, var: str, em: Emitter) -> str:
        line, p = Var("l"), Var("p")
        exprs = {
            "quantity": Q("{l}.quantity", l=line),
            "unitPrice": Q("{l}.unitPrice", l=line),
            "lineTotal": Q("{l}.quantity * {l}.unitPrice", l=line),
        }
        entries: list[tuple[str, Node]] = [(k, exprs[name]) for k, name in self.fields]
        if self.product is not None and self.product_key is not None:
            entries.append((self.product_key, nested(self.product, p, em)))
        return emit(
            collect(
                Q(
                    "MATCH ({o})-[{l}:CONTAINS]->({p}:Product) WITH {l}, {p} ORDER BY {l}.position",
                    o=Var.bound(var),
                    l=line,
                    p=p,
                ),
                subquery_return([line, p], Map(entries)),
            ),
            em,
        )

    def post(self, value: Any) -> Any:
        if self.product is not None and self.product_key is not None:
            for line in value or []:
                line[self.product_key] = self.product.post(line[self.product_key])
        return value


@dataclass
class Participants(Item):
    """Customers and contacts an interaction was with (a union)."""

    key: str
    by_label: dict[str, Projection]

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return any(p.needs_post for p in self.by_label.values())

    def emit(self, var: str, em: Emitter) -> str:
        m = Var("m")
        labels = Join([Q("{m}:{label}", m=m, label=label) for label in self.by_label], " OR ")
        kind = Case(
            [
                (Q("{m}:{label}", m=m, label=label), nested(projection, m, em))
                for label, projection in self.by_label.items()
            ]
        )
        return emit(
            collect(
                Q(
                    "MATCH ({i})-[:WITH]->({m}) WHERE {labels} WITH {m} ORDER BY {m}.id",
                    i=Var.bound(var),
                    m=m,
                    labels=labels,
                ),
                subquery_return([m], kind),
            ),
            em,
        )

    def post(self, value: Any) -> Any:
        return [self.by_label[v["__typename"]].post(v) for v in value or []]


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
        entries = ["__sort: [" + ", ".join(k.expr(n) for k in keys) + "]"]
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
