"""`Customer.referralChain`: the referrers of a customer, nearest first, up to the origin (the
one nobody referred)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.selection import Field
from graphdb.compiler.build import emit, nested, returning
from graphdb.compiler.intelligence import Planning, Union
from graphdb.compiler.plan import Emitter, Item
from graphdb.cypher import Node, Q, Var, collect


@dataclass
class ReferralChain(Item):
    """Referrers of `var`, nearest first, up to the origin."""

    key: str
    referrer: Union

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.referrer.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var), em), em)

    def tree(self, customer: Var, em: Emitter) -> Node:
        p, o, v, i = (Var(h) for h in ("p", "o", "v", "i"))
        # One row per referrer, nearest first, rather than a list comprehension: a nested
        # field may aggregate (a referral network's size), which Cypher forbids inside one.
        return collect(
            Q(
                "MATCH {p} = ({o})-[:REFERRED*1..]->({c}) "
                "WHERE NOT EXISTS {{ ()-[:REFERRED]->({o}) }}",
                p=p,
                o=o,
                c=customer,
            ),
            Q(
                "UNWIND range(1, length({p})) AS {i} "
                "WITH {i}, nodes({p})[length({p}) - {i}] AS {v} "
                "ORDER BY {i}",
                p=p,
                i=i,
                v=v,
            ),
            returning([i, v], nested(self.referrer, v, em)),
        )

    def post(self, value: Any) -> Any:
        return [self.referrer.post(v) for v in value or []]


def plan(planner: Planning, f: Field, path: str) -> ReferralChain:
    return ReferralChain(f.key, planner.union(f, path, ("Customer", "Contact")))
