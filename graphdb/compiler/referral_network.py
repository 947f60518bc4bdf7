"""`Customer.referralNetwork`: how many customers this one brought in, directly or through
others, how deep the tree goes and what they have spent."""

from __future__ import annotations

from dataclasses import dataclass

from core.selection import Field
from graphdb.compiler.build import emit
from graphdb.compiler.intelligence import Planning
from graphdb.compiler.plan import Emitter, Item
from graphdb.cypher import Map, Node, Q, Var, first_of


@dataclass
class ReferralNetwork(Item):
    key: str
    fields: list[tuple[str, str]]  # (response key, size|depth|revenue)

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var)), em)

    def tree(self, customer: Var) -> Node:
        p, m = Var("p"), Var("m")
        names = {n: Var(n) for n in ("size", "depth", "revenue")}
        return first_of(
            Q("OPTIONAL MATCH {p} = ({c})-[:REFERRED*1..]->({m}:Customer)", p=p, c=customer, m=m),
            Q(
                "WITH count(DISTINCT {m}) AS {size}, coalesce(max(length({p})), 0) AS {depth}, "
                "coalesce(sum({m}.totalSpent), 0) AS {revenue}",
                m=m,
                p=p,
                **names,
            ),
            Q("RETURN {row}", row=Map([(k, names[n]) for k, n in self.fields])),
        )


def plan(planner: Planning, f: Field, path: str) -> ReferralNetwork:
    return ReferralNetwork(f.key, [(c.key, c.name) for c in f.children if c.name != "__typename"])
