"""Where plan nodes built with graphdb/cypher meet the rest of the compiler: an older node's
expression embedded over a built variable, and the subquery RETURN every level needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.model import Rel
from graphdb.compiler.params import Emitter
from graphdb.cypher import Embed, Join, Node, Q, Var, render


class _Emits(Protocol):
    def emit(self, var: str, em: Emitter) -> str: ...


def nested(child: _Emits, var: Var, em: Emitter) -> Node:
    """`child`'s expression (a projection, a union) over `var`, written when `var` is named."""
    return Embed(lambda r: child.emit(r.name(var), em))


def returning(scope: Sequence[Node], expr: Node) -> Node:
    """`RETURN expr` for a subquery, with the variables in scope as explicit grouping keys.

    Neo4j 5 rejects a projection whose expression nests an aggregating subquery (e.g. a
    referral network's count) while referring to variables that are not grouping keys; naming
    them in a WITH first makes every level of nesting legal (graphdb/compiler/plan.py
    `returning`, the same rule for hand-written nodes)."""
    v = Var("v")
    return Q("WITH {scope}, {expr} AS {v} RETURN {v}", scope=Join(scope), expr=expr, v=v)


def emit(tree: Node, em: Emitter) -> str:
    return render(tree, em)


def rel_pattern(rel: Rel, source: Var, r: Var, target: Var, label: str | None = None) -> Node:
    """`(source)-[r:TYPE]->(target:Label)` for a model relation, arrows by its direction; the
    target's label is the relation's unless `label` names another."""
    left = "<-" if rel.direction == "IN" else "-"
    right = "->" if rel.direction == "OUT" else "-"
    return Q(
        "({s})" + left + "[{r}:{type}]" + right + "({t}:{label})",
        s=source,
        r=r,
        type=rel.type,
        t=target,
        label=label or rel.target,
    )
