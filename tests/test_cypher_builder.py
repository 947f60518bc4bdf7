"""The Cypher builder (graphdb/cypher): variables are named when rendered, so a nested part
cannot shadow an outer one, and user values only travel as parameters. Run against the real
database: the statements must mean what they say, not just look right."""

from __future__ import annotations

import pytest

from graphdb.compiler.plan import Emitter
from graphdb.cypher import Case, Lit, Map, Param, Q, Var, collect, render
from graphdb.driver import Graph


def _nested_counts(depth: int) -> tuple[str, dict[str, object]]:
    """`depth` nested COLLECT subqueries that each bind a variable with the same hint, the
    shape that shadowed an outer variable when names were hand-picked."""
    outer = Var("n")
    inner: Q | None = None
    for level in range(depth, 0, -1):
        n = Var("n")
        body = Q("UNWIND range(1, {k}) AS {n}", k=Param(level), n=n)
        value = Map([("level", n), ("outer", outer)] + ([("inner", inner)] if inner else []))
        inner = Q("{c}", c=collect(body, Q("RETURN {v}", v=value)))
    assert inner is not None
    em = Emitter()
    statement = render(Q("UNWIND [7] AS {o} RETURN {i} AS rows", o=outer, i=inner), em)
    return statement, em.params.values


async def test_same_hint_variables_never_shadow_each_other(graph: Graph) -> None:
    statement, params = _nested_counts(2)
    rows = await graph.read(statement, params)
    # Level 1 sees the outer 7, not its own counter, at every depth.
    assert [r["outer"] for r in rows[0]["rows"]] == [7]
    inner = rows[0]["rows"][0]["inner"]
    assert [(r["level"], r["outer"]) for r in inner] == [(1, 7), (2, 7)]


async def test_values_are_parameters_and_literals_are_escaped(graph: Graph) -> None:
    hostile = "x' }) MATCH (n) DETACH DELETE n //"
    em = Emitter()
    v = Var("v")
    statement = render(
        Q(
            "WITH {p} AS {v} RETURN {v} AS value, {lit} AS lit, {case} AS kind",
            p=Param(hostile),
            v=v,
            lit=Lit("it's"),
            case=Case([(Q("{v} = {q}", v=v, q=Param("plain")), Lit("plain"))], Lit("other")),
        ),
        em,
    )
    assert hostile not in statement
    rows = await graph.read(statement, em.params.values)
    assert rows == [{"value": hostile, "lit": "it's", "kind": "other"}]


def test_text_slots_must_be_identifiers() -> None:
    with pytest.raises(ValueError, match="not an identifier"):
        Q("MATCH (n:{label})", label="Customer) DETACH DELETE (n")
    with pytest.raises(ValueError, match="not an identifier"):
        render(Map([("a b", Lit(1))]), Emitter())
    with pytest.raises(KeyError):
        Q("RETURN {missing}")
