"""Known records by id, with the fields a client selected on them, as one statement.

`nodes(ids:)` and the use cases that find records first and project them second (the change
feed's entities and actors, duplicateCandidates' pairs) read them here, through the same
projections and masking as `node(id:)`, so they hold no Cypher of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.model import ENTITIES, NODE_ENTITIES
from core.selection import Field
from graphdb.compiler.compiled import Compiled
from graphdb.compiler.intelligence import Union
from graphdb.compiler.plan import Emitter, Projection, _key
from graphdb.compiler.planner import Planner
from graphdb.compiler.visibility import Visibility


@dataclass(frozen=True)
class Wanted:
    """Records of one type to read: `tag` names them in the answer, `path` in errors."""

    tag: str
    type_name: str
    selected: list[Field]
    ids: list[str]
    path: str


def compile_records(
    wanted: Iterable[Wanted], visibility: Visibility, max_page_size: int
) -> Compiled | None:
    """One statement for every wanted group (a UNION ALL branch each); its shape answers
    {(tag, raw id): shaped row} for the records that exist. None when nothing is wanted."""
    em = Emitter()
    em.params.values.update(visibility.params())
    posts: dict[str, Projection] = {}
    branches: list[str] = []
    for w in wanted:
        entity = NODE_ENTITIES[w.type_name]
        projection = Planner(max_page_size, visibility, frozenset(w.ids)).projection(
            entity, w.selected, w.path
        )
        posts[w.tag] = projection
        param = em.params.add(w.ids)
        tag = em.params.add(w.tag)
        var, rid = em.vars.new("n"), em.vars.new("rid")
        branches.append(
            f"UNWIND {param} AS {rid} MATCH ({var}:{entity.label} {{id: {rid}}}) "
            f"WITH {rid}, {var}, {projection.emit(var, em)} AS row "
            f"RETURN {tag} AS t, {rid} AS id, row"
        )
    if not branches:
        return None

    def shape(rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
        return {(str(r["t"]), str(r["id"])): posts[r["t"]].post(r["row"]) for r in rows}

    statement = "CALL () { " + " UNION ALL ".join(branches) + " } RETURN t, id, row"
    return Compiled(statement, em.params.values, shape)


def compile_union_records(
    entities: Mapping[str, Union], ids: Mapping[str, Iterable[str]], visibility: Visibility
) -> Compiled:
    """Records of several labels (`ids` by label) with one union projection per response key
    (`entities`), e.g. duplicateCandidates' `a` and `b`; the shape answers
    {(label, raw id): {response key: value}} (unshaped: each key's union shapes its own)."""
    em = Emitter()
    params = {label: em.params.add(sorted(set(raw))) for label, raw in ids.items()}
    n, rid = em.vars.new("n"), em.vars.new("rid")
    branches = " UNION ALL ".join(
        f"UNWIND {param} AS {rid} MATCH ({n}:{ENTITIES[label].label} {{id: {rid}}}) RETURN {n}"
        for label, param in params.items()
    )
    entries = ", ".join(f"{_key(key)}: {union.emit(n, em)}" for key, union in entities.items())
    kind = " ".join(f"WHEN {n}:{ENTITIES[label].label} THEN '{label}'" for label in params)
    statement = (
        f"CALL () {{ {branches} }} "
        f"WITH {n}, {{{entries}}} AS row "
        f"RETURN CASE {kind} END AS type, {n}.id AS id, row"
    )
    shape: Callable[[list[dict[str, Any]]], Any] = lambda rows: {  # noqa: E731
        (str(r["type"]), str(r["id"])): r["row"] for r in rows
    }
    return Compiled(statement, {**em.params.values, **visibility.params()}, shape)
