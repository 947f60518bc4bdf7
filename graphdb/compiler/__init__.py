"""GraphQL selection → plan → one Cypher statement, for every entity-reading root field.

Public surface: `compile_connection`, `compile_node`, `compile_nodes` return a `Compiled`
(statement, parameters and the plan's result shaper), cached per document, operation and
variables.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any

from core.model import AUDIT_EVENT, ENTITIES, NODE_ENTITIES
from core.selection import Field
from graphdb.compiler.compiled import Compiled
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.plan import Emitter, Projection
from graphdb.compiler.planner import Planner, UnsupportedField
from graphdb.compiler.records import Wanted, compile_records
from graphdb.compiler.request import Request
from graphdb.compiler.visibility import VIEWER_PARAM, Visibility
from graphdb.segments import SEGMENTS

__all__ = [
    "Compiled",
    "QueryArgumentError",
    "UnsupportedField",
    "compile_audit_log",
    "compile_connection",
    "compile_node",
    "compile_nodes",
    "compile_payload_entity",
]


class _PlanCache:
    """LRU of compiled statements keyed by document, operation, root key and variables."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Compiled] = OrderedDict()
        self.hits = 0

    def key(self, call: Request, kind: str) -> tuple[Any, ...] | None:
        request = call.selection.cache_key
        if request is None:
            return None
        viewer = Visibility.of(call).cache_key
        # Segment members compile from the segment registry: a change there is a new plan.
        return (kind, *request, viewer, SEGMENTS.generation)

    def get(self, key: tuple[Any, ...] | None) -> Compiled | None:
        if key is None or key not in self._items:
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return self._items[key]

    def put(self, key: tuple[Any, ...] | None, value: Compiled) -> Compiled:
        if key is not None:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


PLAN_CACHE = _PlanCache()


def compile_connection(call: Request, entity_name: str, max_page_size: int) -> Compiled:
    """A root list field (customers, companies, …) as one statement."""
    cache_key = PLAN_CACHE.key(call, f"connection:{entity_name}")
    visibility = Visibility.of(call)
    cached = PLAN_CACHE.get(cache_key)
    if cached is not None:
        return _for_viewer(cached, visibility)
    top = call.selection.top
    plan = Planner(max_page_size, visibility).connection(ENTITIES[entity_name], top, top.key)
    if entity_name == "Customer" and top.args.get("mine"):
        plan.extra_where = MINE
    em = Emitter()
    em.params.values.update(visibility.params())
    cypher = plan.emit_root(em)
    compiled = PLAN_CACHE.put(
        cache_key,
        Compiled(cypher, em.params.values, lambda rows: plan.post(rows[0] if rows else None)),
    )
    return _for_viewer(compiled, visibility)


def compile_audit_log(call: Request, raw_entity_id: str, max_page_size: int) -> Compiled:
    """`auditLog(entityId:)`: the events about one record, newest first (at, then uuid,
    descending), as a connection like every other: keyset cursors, pageInfo, totalCount."""
    top = call.selection.top
    visibility = Visibility.of(call)
    plan = Planner(max_page_size, visibility).connection(AUDIT_EVENT, top, top.key)
    em = Emitter()
    em.params.values.update(visibility.params())
    plan.extra_where = f"{{m}}.entityId = {em.params.add(raw_entity_id)}"
    cypher = plan.emit_root(em)
    return Compiled(cypher, em.params.values, lambda rows: plan.post(rows[0] if rows else None))


#: "The viewer manages {m}": the viewer's book, for `mine: true` (over {m}, with {r} unused).
MINE = f"EXISTS {{{{ (:User {{{{id: ${VIEWER_PARAM}}}}})-[:MANAGES]->({{m}}) }}}}"


def _for_viewer(compiled: Compiled, visibility: Visibility) -> Compiled:
    """The statement with this viewer's id: cached plans are shared by every viewer of a role,
    and a `mine` filter names the viewer only through this parameter."""
    if f"${VIEWER_PARAM}" not in compiled.cypher:
        return compiled
    if compiled.params.get(VIEWER_PARAM) == visibility.user_id:
        return compiled
    return replace(compiled, params={**compiled.params, VIEWER_PARAM: visibility.user_id})


def _node_projection(
    top: Field,
    type_name: str,
    max_page_size: int,
    path: str,
    visibility: Visibility,
    raw_ids: frozenset[str] | None = None,
) -> Projection:
    # A statement about known records needs only those segments' member branches.
    return Planner(max_page_size, visibility, raw_ids).projection(
        NODE_ENTITIES[type_name], top.by_type.get(type_name, top.children), path
    )


def compile_node(call: Request, type_name: str, raw_id: str, max_page_size: int) -> Compiled:
    """`node(id:)` for a decoded id as one statement, from the plan cache when the same
    document and variables were compiled before (a record polled, an explorer panel reopened):
    planning a customer with its orders costs about as much as shaping its answer."""
    visibility = Visibility.of(call)
    cache_key = PLAN_CACHE.key(call, f"node:{type_name}:{raw_id}")
    cached = PLAN_CACHE.get(cache_key)
    if cached is not None:
        return _for_viewer(cached, visibility)
    top = call.selection.top
    projection = _node_projection(
        top, type_name, max_page_size, top.key, visibility, frozenset({raw_id})
    )
    compiled = _one_by_id(NODE_ENTITIES[type_name].label, projection, visibility, raw_id)
    return _for_viewer(PLAN_CACHE.put(cache_key, compiled), visibility)


def _one_by_id(label: str, projection: Projection, visibility: Visibility, raw_id: str) -> Compiled:
    """One record by id, shaped by `projection`: `node(id:)` and a mutation payload's entity
    read the same way, so a payload shows exactly what a later `node` read would."""
    em = Emitter()
    em.params.values.update(visibility.params())
    id_param = em.params.add(raw_id)
    n = em.vars.new("n")
    cypher = (
        f"MATCH ({n}:{label} {{id: {id_param}}}) "
        f"WITH {n}, {projection.emit(n, em)} AS row RETURN row"
    )
    return Compiled(
        cypher, em.params.values, lambda rows: projection.post(rows[0]["row"]) if rows else None
    )


def compile_nodes(
    call: Request, decoded: list[tuple[str, str] | None], max_page_size: int
) -> Compiled:
    """`nodes(ids:)`: the records asked for, by type, through `compile_records` (a UNION ALL
    branch per entity type), answered in the order of `decoded` (None: absent or undecodable)."""
    top = call.selection.top
    wanted = [
        Wanted(
            type_name,
            type_name,
            top.by_type.get(type_name, top.children),
            [d[1] for d in decoded if d is not None and d[0] == type_name],
            top.key,
        )
        for type_name in sorted({d[0] for d in decoded if d is not None})
    ]
    records = compile_records(wanted, Visibility.of(call), max_page_size)
    if records is None:
        return Compiled("RETURN 1 AS nothing", {}, lambda rows: [None for _ in decoded])

    def shape(rows: list[dict[str, Any]]) -> list[Any]:
        found = records.shape(rows)
        return [found.get(d) if d is not None else None for d in decoded]

    return replace(records, shape=shape)


def compile_payload_entity(
    call: Request, child_name: str, type_name: str, raw_id: str, max_page_size: int
) -> Compiled | None:
    """The entity inside a mutation payload (e.g. `createCustomer { customer { … } }`).

    Returns None when the client did not select `child_name`. Mutations run the statement in
    their own write transaction, right after the write, so the payload shows what was written.
    """
    top = call.selection.top
    child = next((c for c in top.children if c.name == child_name), None)
    if child is None:
        return None
    visibility = Visibility.of(call)
    projection = Planner(max_page_size, visibility, frozenset({raw_id})).projection(
        ENTITIES[type_name], child.children, f"{top.key}.{child.key}"
    )
    return _one_by_id(ENTITIES[type_name].label, projection, visibility, raw_id)
