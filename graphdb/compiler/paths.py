"""`introductionPath`: the shortest route between two records over the relationships people
use for a warm introduction, as one statement (the nodes through the same projections as
everywhere else, the hops with their type, direction and strength)."""

from __future__ import annotations

from typing import Any

from core.model import CURRENT_EMPLOYMENT, ENTITIES
from core.selection import Field
from graphdb.compiler import build
from graphdb.compiler.build import emit, nested
from graphdb.compiler.compiled import Compiled
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.intelligence import Union
from graphdb.compiler.plan import Emitter
from graphdb.compiler.planner import Planner
from graphdb.compiler.request import Request
from graphdb.compiler.visibility import Visibility
from graphdb.cypher import Join, Lit, Map, Node, Param, Q, Var, collect

PATH_TYPES = ("KNOWS", "REPORTS_TO", "WORKS_AT", "REFERRED", "MANAGES", "WITH")
PATH_LABELS = ("Customer", "Contact", "Company", "User", "Interaction")
MAX_HOPS = 6


#: What each selectable field of a PathRelationship is, over the hop `{h}` at position `{k}`
#: of path `{p}`.
_HOP_FIELDS = {
    "type": "type({h})",
    "direction": "CASE WHEN startNode({h}) = nodes({p})[{k}] THEN 'FORWARD' ELSE 'BACKWARD' END",
    "strength": "CASE WHEN type({h}) = 'KNOWS' THEN {h}.strength END",
}


def path_relationships(fields: list[Field], p: Var) -> Node:
    """The hops of path `p`, one map per relationship keyed by the selection's response keys.

    FORWARD when the stored relationship points from the node before it on the route to the
    node after it; the strength only of a KNOWS. Nothing in the comprehension aggregates, so it
    may sit beside any nested projection of the nodes.
    """
    k = Var("k")
    h = Q("relationships({p})[{k}]", p=p, k=k)
    entries = Map(
        [(c.key, Q(_HOP_FIELDS[c.name], h=h, p=p, k=k)) for c in fields if c.name in _HOP_FIELDS]
    )
    return Q("[{k} IN range(0, length({p}) - 1) | {entries}]", k=k, p=p, entries=entries)


def introduction_path(
    call: Request, start: tuple[str, str], end: tuple[str, str], max_hops: int, max_page: int
) -> Compiled:
    if not 1 <= max_hops <= MAX_HOPS:
        raise QueryArgumentError(
            f"`maxHops` must be between 1 and {MAX_HOPS}.",
            code="INVALID_MAX_HOPS",
            argument="maxHops",
        )
    top = call.selection.top
    planner = Planner(max_page, Visibility.of(call))
    nodes_field = next((c for c in top.children if c.name == "nodes"), None)
    union = planner.union(nodes_field, "nodes", PATH_LABELS)
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    a, b, p, r = Var("a"), Var("b"), Var("p"), Var("r")
    node_list = _path_nodes(union, p, em) if nodes_field else Q("[]")
    # One list of hops per response key: aliases may select different fields of them.
    hops = Map(
        [
            (c.key, path_relationships(c.children, p))
            for c in top.children
            if c.name == "relationships"
        ]
    )
    # maxHops is a validated integer 1..6; variable-length bounds must be literals in Cypher.
    statement = Q(
        "MATCH ({a}:{start} {{id: {start_id}}}), ({b}:{end} {{id: {end_id}}}) "
        "OPTIONAL CALL ({a}, {b}) {{ WITH {a}, {b} WHERE {a} <> {b} "
        "MATCH {p} = shortestPath(({a})-[:{types}*..{max_hops}]-({b})) "
        "WHERE all({r} IN relationships({p}) WHERE type({r}) <> 'WORKS_AT' OR {current}) "
        "RETURN {p} }} "
        "WITH {a}, {b}, {p}, {first} AS start, "
        "CASE WHEN {p} IS NULL THEN null ELSE "
        "{{nodes: {nodes}, relationships: {hops}, hops: length({p})}} END AS path "
        "RETURN {a} = {b} AS same, start, path",
        a=a,
        start=ENTITIES[start[0]].label,
        start_id=Param(start[1]),
        b=b,
        end=ENTITIES[end[0]].label,
        end_id=Param(end[1]),
        p=p,
        types=Join([Q(t) for t in PATH_TYPES], "|"),
        max_hops=Lit(int(max_hops)),
        r=r,
        current=Q(CURRENT_EMPLOYMENT, r=r),
        first=nested(union, a, em),
        nodes=node_list,
        hops=hops,
    )

    return Compiled(emit(statement, em), em.params.values, lambda rows: _path(rows, top, union))


def _path_nodes(union: Union, p: Var, em: Emitter) -> Node:
    """The nodes of path `p` in route order, each through `union`'s projection. One row per
    node rather than a list comprehension: a node's projection may aggregate."""
    i, x = Var("i"), Var("x")
    return collect(
        Q(
            "UNWIND range(0, length({p})) AS {i} WITH {i}, nodes({p})[{i}] AS {x} ORDER BY {i}",
            p=p,
            i=i,
            x=x,
        ),
        build.returning([i, x], nested(union, x, em)),
    )


def _path(rows: list[dict[str, Any]], top: Field, union: Union) -> Any:
    """introductionPath's answer: None without a route, the one node when start is end."""
    if not rows:
        return None
    row = rows[0]
    path: dict[str, Any]
    if row["same"]:
        path = {"nodes": [row["start"]], "relationships": {}, "hops": 0}
    elif row["path"] is None:
        return None
    else:
        path = row["path"]
    out: dict[str, Any] = {}
    for c in top.children:
        if c.name == "nodes":
            out[c.key] = [union.post(x) for x in path["nodes"]]
        elif c.name == "relationships":
            out[c.key] = path["relationships"].get(c.key, [])
        elif c.name == "hops":
            out[c.key] = path["hops"]
    return out
