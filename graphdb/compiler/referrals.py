"""`Customer.referrals(depth:)`: everyone this customer referred, directly or through others,
as a keyset-paginated connection of referrals ordered by (depth, referred customer's uuid)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.model import Kind
from core.selection import Field
from graphdb.compiler import cursor as cursors
from graphdb.compiler.build import emit, returning
from graphdb.compiler.connection import PageShape
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.intelligence import Planning, ReferralShape
from graphdb.compiler.plan import Emitter, Item
from graphdb.cypher import Embed, Lit, Map, Node, Param, Q, Var, collect, count

#: The order of `Customer.referrals`: nearest first, then by the referred customer's uuid.
REFERRAL_ORDER = [("depth", False), ("id", False)]
#: What a referrals cursor holds: the depth and the referred customer's uuid, never null.
REFERRAL_CURSOR = [(Kind.INT, False), (Kind.ID, False)]


@dataclass
class Referrals(Item):
    """Everyone referred by `var`, up to `depth` levels down.

    A customer is referred at most once, so each one downstream is reached by exactly one path
    and appears exactly once, at its own depth.
    """

    key: str
    depth: int
    shape: PageShape

    needs_post: bool = True

    def _paths(self, customer: Var, p: Var, m: Var) -> Node:
        # The depth bound is a validated integer (1..10): Cypher needs it as a literal.
        return Q(
            "{p} = ({c})-[:REFERRED*1..{depth}]->({m}:Customer)",
            p=p,
            c=customer,
            depth=Lit(int(self.depth)),
            m=m,
        )

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var), em), em)

    def tree(self, customer: Var, em: Emitter) -> Node:
        total: Node = Lit(None)
        if self.shape.total_keys:
            total = count(Q("MATCH {paths}", paths=self._paths(customer, Var("p"), Var("m"))))
        if not (self.shape.edges or self.shape.page_info):
            return Q("{{rows: [], total: {total}}}", total=total)
        p, m, depth, x, r = (Var(h) for h in ("p", "m", "depth", "x", "r"))
        page = self.shape.page
        where: Node = Q("")
        if page.after is not None:
            after_depth, after_id = Param(page.after[0]), Param(page.after[1])
            where = Q(
                "WHERE {d} >= {ad} AND (CASE WHEN {d} = {ad} THEN {m}.id > {aid} ELSE true END)",
                d=depth,
                ad=after_depth,
                m=m,
                aid=after_id,
            )
        edges: list[tuple[str, Node]] = []
        for edge in self.shape.edges:
            parts: list[tuple[str, Node]] = []
            if edge.node is not None and edge.node_key is not None:
                referral = _referral(edge.node, x, r, m, depth, em)
                parts.append((edge.node_key, referral))
            edges.append((edge.key, Map(parts)))
        row = Q("{{__sort: [{d}, {m}.id], e: {e}}}", d=depth, m=m, e=Map(edges))
        rows = collect(
            Q("MATCH {paths}", paths=self._paths(customer, p, m)),
            Q(
                "WITH {m}, length({p}) AS {d}, last(relationships({p})) AS {x}, "
                "nodes({p})[-2] AS {r} {where}",
                m=m,
                p=p,
                d=depth,
                x=x,
                r=r,
                where=where,
            ),
            Q(
                "ORDER BY {d} ASC, {m}.id ASC LIMIT {limit}",
                d=depth,
                m=m,
                limit=Param(page.size + 1),
            ),
            returning([m, depth, x, r], row),
        )
        return Q("{{rows: {rows}, total: {total}}}", rows=rows, total=total)

    def post(self, value: Any) -> Any:
        return self.shape.post(value)


def _referral(shape: ReferralShape, x: Var, r: Var, m: Var, depth: Var, em: Emitter) -> Node:
    """One Referral's map: relationship `x` from referrer `r` to referred `m`, at `depth`."""
    return Embed(lambda rr: shape.emit(rr.name(x), rr.name(r), rr.name(m), rr.name(depth), em))


def plan(planner: Planning, f: Field, path: str) -> Referrals:
    """A cursor is (depth, uuid) of a list of that depth."""
    depth = f.args.get("depth", 1)
    if not 1 <= depth <= 10:
        raise QueryArgumentError(
            f"`{path}.depth` must be between 1 and 10.",
            code="INVALID_DEPTH",
            argument=f"{path}.depth",
        )
    sig = cursors.signature(f"Customer.referrals>Referral|depth={depth}", REFERRAL_ORDER)
    page = planner.page(f.args, sig, REFERRAL_CURSOR, path)
    edges, page_info, totals = planner.page_parts(
        f, lambda node: planner.referral_shape(node, f"{path}.edges.node")
    )
    return Referrals(f.key, depth, PageShape(page, sig, edges, page_info, totals))
