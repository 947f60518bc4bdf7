"""The query plan: what one root field reads, as a small tree of node kinds.

Each node knows how to write itself as a Cypher expression (`emit`) and, where the database
result needs shaping (cursors, page trimming, pageInfo), how to shape it (`post`). The planner
builds the tree from the GraphQL selection; nothing here looks at GraphQL again. Paged lists
(`Connection`, `PageShape`, segment members) are in connection.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.model import Entity, Rel
from graphdb.compiler.build import emit, nested, rel_pattern
from graphdb.compiler.build import returning as subquery_return
from graphdb.compiler.params import Emitter as Emitter  # where the compiler imports it from
from graphdb.compiler.visibility import SEEN, masked
from graphdb.cypher import (
    Case,
    Join,
    Lit,
    Map,
    Node,
    Q,
    Var,
    collect,
    first_of,
)


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
    #: the visibility predicate (a template over {n}) its items refer to as `SEEN`, bound once
    guard: str | None = None

    def __post_init__(self) -> None:
        self._post_items = [i for i in self.items if i.needs_post]

    @property
    def needs_post(self) -> bool:
        return bool(self._post_items)

    def emit(self, var: str, em: Emitter) -> str:
        entries = [f"__typename: '{self.entity.name}'", f"__id: {var}.id"]
        entries += [f"{_key(i.key)}: {i.emit(var, em)}" for i in self.items]
        body = "{" + ", ".join(entries) + "}"
        if self.guard is None or SEEN not in body:
            return body
        # Nested projections have bound their own marks already: those left are this record's.
        seen = em.vars.new("seen")
        return f"head([{seen} IN [{self.guard.format(n=var)}] | {body.replace(SEEN, seen)}])"

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
