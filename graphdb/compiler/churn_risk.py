"""`Customer.churnRisk(asOf:)`: whether a regular buyer has broken its rhythm (the facts come
from `churn_subquery` in intelligence.py, which atRiskCustomers ranks by too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.selection import Field
from graphdb.compiler.build import emit
from graphdb.compiler.intelligence import Planning, churn_subquery
from graphdb.compiler.plan import Emitter, Item
from graphdb.cypher import Embed, Node, Param, Q, Var, first_of


@dataclass
class ChurnRisk(Item):
    key: str
    as_of: Any | None  # datetime or None for now
    fields: list[tuple[str, str]]

    needs_post: bool = True

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var), em), em)

    def tree(self, customer: Var, em: Emitter) -> Node:
        as_of: Node = Param(self.as_of) if self.as_of is not None else Q("datetime()")
        return first_of(Embed(lambda r: churn_subquery(r.name(customer), as_of.render(r), em)))

    def post(self, value: Any) -> Any:
        if value is None:
            return None
        return {k: value[name] for k, name in self.fields}


def plan(planner: Planning, f: Field, path: str) -> ChurnRisk:
    return ChurnRisk(
        f.key, f.args.get("asOf"), [(c.key, c.name) for c in f.children if c.name != "__typename"]
    )
