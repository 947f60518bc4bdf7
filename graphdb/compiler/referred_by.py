"""`Customer.referredBy`: who referred this customer (a customer or a contact), or null."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.selection import Field
from graphdb.compiler.build import emit, returning
from graphdb.compiler.intelligence import REFERRER, Planning, ReferralShape
from graphdb.compiler.plan import Emitter, Item
from graphdb.cypher import Embed, Node, Q, Var, first_of


@dataclass
class ReferredBy(Item):
    key: str
    shape: ReferralShape

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.shape.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var), em), em)

    def tree(self, referred: Var, em: Emitter) -> Node:
        r, x = Var("r"), Var("x")
        referral = Embed(
            lambda rr: self.shape.emit(rr.name(x), rr.name(r), rr.name(referred), "1", em)
        )
        return first_of(
            Q(
                "MATCH ({r})-[{x}:REFERRED]->({m}) WHERE {referrer}",
                r=r,
                x=x,
                m=referred,
                referrer=Q(REFERRER, r=r),
            ),
            returning([r, x], referral),
        )

    def post(self, value: Any) -> Any:
        return self.shape.post(value)


def plan(planner: Planning, f: Field, path: str) -> ReferredBy:
    return ReferredBy(f.key, planner.referral_shape(f, path))
