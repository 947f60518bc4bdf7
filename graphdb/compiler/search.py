"""`search(text:)`: full-text hits over customers, contacts and companies (exact terms first,
then prefixes, then typo-tolerant matches), a typed phone number as an exact hit, each viewer
searching only what it may see, as one statement."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from graphdb.compiler.build import emit, nested
from graphdb.compiler.compiled import Compiled
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.plan import Emitter
from graphdb.compiler.planner import Planner
from graphdb.compiler.request import Request
from graphdb.compiler.visibility import Visibility
from graphdb.cypher import Embed, Join, Lit, Map, Node, Param, Q, Var
from graphdb.ownership import owned

SEARCH_LABELS = ("Customer", "Contact", "Company")


_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


def lucene_query(text: str) -> str:
    """Exact terms score highest, then prefixes, then typo-tolerant (fuzzy) matches."""
    terms = [t for t in re.split(r"\s+", text.strip()) if t][:10]
    parts = []
    for term in terms:
        escaped = _LUCENE_SPECIAL.sub(r"\\\1", term.lower())
        clause = [f"{escaped}^4", f"{escaped}*^2"]
        if len(term) >= 4:
            clause.append(f"{escaped}~1")
        parts.append("(" + " OR ".join(clause) + ")")
    return " AND ".join(parts)


#: A phone number typed into search scores as an exact name match would.
PHONE_SCORE = 10.0


def phone_query(text: str, region: str) -> str | None:
    """The E.164 form of `text` when it reads as a phone number (as stored), else None."""
    digits = sum(ch.isdigit() for ch in text)
    if digits < 6 or any(ch.isalpha() for ch in text):
        return None
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


#: extra full-text hits read beyond the page, so that ties are broken by id, not index order
SEARCH_TIE_ROOM = 100


def _indexes(visibility: Visibility) -> list[tuple[str, str | None]]:
    """(full-text index, guard over {n} for its hits) for this viewer.

    Full roles search the index with e-mail addresses. ANALYST searches the one without, so a
    hit cannot reveal an address. SALES searches both: the public one for everything, and the
    one with e-mails for the records it may see anyway (its own accounts and their people).
    """
    if visibility.full:
        return [("rapport_search", None)]
    if visibility.role == "SALES":
        return [("rapport_search_public", None), ("rapport_search", "own")]
    return [("rapport_search_public", None)]


def _owned_by_viewer(label: str, node: Var) -> Node:
    """` AND <the ownership rule for label over node>` (graphdb/ownership.py)."""
    return Embed(lambda r: f" AND {owned(label, r.name(node))}")


def _text_hits(
    index: str, q: Param, limit: Param, node: Var, score: Var, guard: str | None
) -> Node:
    where: Node = Q("")
    if guard is not None:
        where = Embed(
            lambda r: (
                " WHERE "
                + " OR ".join(
                    f"({r.name(node)}:{label} AND {owned(label, r.name(node))})"
                    for label in SEARCH_LABELS
                )
            )
        )
    return Q(
        "CALL db.index.fulltext.queryNodes({index}, {q}, {{limit: {limit}}}) "
        "YIELD node AS {node}, score AS {score}{where} RETURN {node}, {score}",
        index=Lit(index),
        q=q,
        limit=limit,
        node=node,
        score=score,
        where=where,
    )


def _phone_hits(phone: Param, node: Var, score: Var, visibility: Visibility) -> Node:
    """Customers and contacts whose stored (E.164) phone is the number typed; SALES only
    among its own, since a phone is personal data."""
    branches: list[Node] = []
    for label in ("Customer", "Contact"):
        guard = Q("") if visibility.full else _owned_by_viewer(label, node)
        branches.append(
            Q(
                "MATCH ({node}:{label} {{phone: {phone}}}) WHERE true{guard} "
                "RETURN {node}, {points} AS {score}",
                node=node,
                label=label,
                phone=phone,
                guard=guard,
                points=Lit(PHONE_SCORE),
                score=score,
            )
        )
    return Join(branches, " UNION ALL ")


def search(call: Request, text: str, first: int, max_page: int) -> Compiled:
    if not text.strip():
        raise QueryArgumentError("`text` must not be empty.", code="BLANK", argument="text")
    if len(text) > 200:
        raise QueryArgumentError(
            "`text` is longer than 200 characters.", code="TOO_LONG", argument="text"
        )
    top = call.selection.top
    planner = Planner(max_page, Visibility.of(call))
    node_field = next((c for c in top.children if c.name == "node"), None)
    union = planner.union(node_field, "node", SEARCH_LABELS)
    visibility = Visibility.of(call)
    em = Emitter()
    em.params.values.update(visibility.params())
    q = Param(lucene_query(text))
    # The index returns its best hits with ties in its own (index-internal) order; reading
    # SEARCH_TIE_ROOM more lets the id tie-break below decide which tied hits make the page,
    # so one query gives one answer however the index happened to be written.
    index_limit = Param(first + SEARCH_TIE_ROOM)
    node, score = Var("node"), Var("score")
    entries: list[tuple[str, Node]] = [(c.key, score) for c in top.children if c.name == "score"]
    if node_field is not None:
        entries.append((node_field.key, nested(union, node, em)))
    branches = [
        _text_hits(index, q, index_limit, node, score, guard)
        for index, guard in _indexes(visibility)
    ]
    phone = phone_query(text, call.settings.default_phone_region)
    if phone is not None and visibility.role != "ANALYST":
        branches.append(_phone_hits(Param(phone), node, score, visibility))
    statement = Q(
        "CALL () {{ {branches} }} "
        "WITH {node}, max({score}) AS {score} ORDER BY {score} DESC, {node}.id ASC "
        "LIMIT {limit} "
        "WITH {node}, {score}, {entries} AS {row} RETURN collect({row}) AS rows",
        branches=Join(branches, " UNION ALL "),
        node=node,
        score=score,
        limit=Param(first),
        entries=Map(entries),
        row=Var("row"),
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
        out = rows[0]["rows"] if rows else []
        if node_field is not None:
            for row in out:
                row[node_field.key] = union.post(row[node_field.key])
        return out

    return Compiled(emit(statement, em), em.params.values, shape)
