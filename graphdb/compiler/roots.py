"""Root fields of relationship intelligence: each compiles to one statement.

The per-entity pieces (decision-makers, referral chain, churn) are the same plan nodes that
nest under Company and Customer, so a root field and its nested twin can never disagree.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from core.model import ENTITIES, Kind
from core.selection import Field
from graphdb import rankings
from graphdb.compiler import Compiled
from graphdb.compiler import cursor as cursors
from graphdb.compiler.churn_risk import ChurnRisk
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.intelligence import Union, churn_subquery
from graphdb.compiler.key_decision_makers import KeyDecisionMakers
from graphdb.compiler.plan import Emitter, PageShape, _key, returning
from graphdb.compiler.planner import Planner
from graphdb.compiler.referral_chain import ReferralChain
from graphdb.compiler.request import Request
from graphdb.compiler.visibility import Visibility
from graphdb.ownership import owned

PATH_TYPES = ("KNOWS", "REPORTS_TO", "WORKS_AT", "REFERRED", "MANAGES", "WITH")
PATH_LABELS = ("Customer", "Contact", "Company", "User", "Interaction")
SEARCH_LABELS = ("Customer", "Contact", "Company")
MAX_HOPS = 6


def _top(call: Request) -> Field:
    return call.selection.top


def _child(top: Field, name: str) -> Field | None:
    return next((c for c in top.children if c.name == name), None)


def _as_list(item_emit: str) -> str:
    return item_emit


def key_decision_makers(call: Request, company_id: str, max_page: int) -> Compiled:
    top = _top(call)
    planner = Planner(max_page, Visibility.of(call))
    item = planner._intelligence(ENTITIES["Company"], top, top.key)
    assert isinstance(item, KeyDecisionMakers)
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    cid = em.params.add(company_id)
    c = em.vars.new("c")
    cypher = (
        f"OPTIONAL MATCH ({c}:Company {{id: {cid}}}) "
        f"WITH {c}, CASE WHEN {c} IS NULL THEN [] ELSE {item.emit(c, em)} END AS rows "
        f"RETURN {c} IS NOT NULL AS found, rows"
    )
    return Compiled(cypher, em.params.values, lambda rows: _found(rows, item.post))


def referral_chain(call: Request, customer_id: str, max_page: int) -> Compiled:
    top = _top(call)
    item = ReferralChain(
        top.key, Planner(max_page, Visibility.of(call)).union(top, top.key, ("Customer", "Contact"))
    )
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    cid = em.params.add(customer_id)
    c = em.vars.new("c")
    cypher = (
        f"OPTIONAL MATCH ({c}:Customer {{id: {cid}}}) "
        f"WITH {c}, CASE WHEN {c} IS NULL THEN [] ELSE {item.emit(c, em)} END AS rows "
        f"RETURN {c} IS NOT NULL AS found, rows"
    )
    return Compiled(cypher, em.params.values, lambda rows: _found(rows, item.post))


def _found(rows: list[dict[str, Any]], post: Any) -> Any:
    if not rows or not rows[0]["found"]:
        return None
    return post(rows[0]["rows"])


def top_referrers(call: Request, first: int, by: str, max_page: int) -> Compiled:
    top = _top(call)
    planner = Planner(max_page, Visibility.of(call))
    referrer_field = _child(top, "referrer")
    union = (
        planner.union(referrer_field, "referrer", ("Customer", "Contact"))
        if referrer_field
        else None
    )
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    limit = em.params.add(first)
    r, row = em.vars.new("r"), em.vars.new("row")
    v = {n: em.vars.new(n) for n in ("size", "depth", "revenue")}
    size, depth, revenue = v["size"], v["depth"], v["revenue"]
    fields = [(c.key, c.name) for c in top.children if c.name in v]
    entries = [f"{_key(k)}: {v[n]}" for k, n in fields]
    if union is not None and referrer_field is not None:
        entries.append(f"{_key(referrer_field.key)}: {union.emit(r, em)}")
    # the stored networks through their indexes (graphdb/rankings.py), not every referrer's tree
    cypher = (
        f"{rankings.top_referrers(r, size, depth, revenue, by, limit)} "
        f"WITH {r}, {size}, {depth}, {revenue}, {{{', '.join(entries)}}} AS {row} "
        f"RETURN collect({row}) AS rows"
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
        out = rows[0]["rows"] if rows else []
        if union is not None and referrer_field is not None:
            for row in out:
                row[referrer_field.key] = union.post(row[referrer_field.key])
        return out

    return Compiled(cypher, em.params.values, shape)


def _book(var: str, mine: bool, em: Emitter, visibility: Visibility) -> str:
    """` AND <var is in the viewer's book>` for `mine: true`, else nothing."""
    if not mine:
        return ""
    viewer = em.params.add(visibility.user_id)
    return f" AND EXISTS {{ (:User {{id: {viewer}}})-[:MANAGES]->({var}) }}"


def at_risk_customers(
    call: Request, first: int, as_of: Any, max_page: int, mine: bool = False
) -> Compiled:
    top = _top(call)
    planner = Planner(max_page, Visibility.of(call))
    customer = _child(top, "customer")
    churn = _child(top, "churnRisk")
    projection = (
        planner.projection(ENTITIES["Customer"], customer.children, "customer")
        if customer
        else None
    )
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    as_of_p = em.params.add(as_of) if as_of is not None else "datetime()"
    limit = em.params.add(first)
    churn_item = ChurnRisk(
        churn.key if churn else "_",
        as_of,
        [(c.key, c.name) for c in churn.children if c.name != "__typename"] if churn else [],
    )
    n, risk, row = em.vars.new("n"), em.vars.new("risk"), em.vars.new("row")
    entries = []
    if customer is not None and projection is not None:
        entries.append(f"{_key(customer.key)}: {projection.emit(n, em)}")
    if churn is not None:
        entries.append(f"{_key(churn.key)}: {risk}")
    # An index range read of the customers whose stored atRiskAfter has passed, ranked by the
    # stored facts (graphdb/rankings.py); the churn facts of the page only, by the same plan
    # node as Customer.churnRisk.
    score = em.vars.new("score")
    cypher = (
        f"{rankings.at_risk_candidates(n, as_of_p)}{_book(n, mine, em, Visibility.of(call))} "
        f"WITH {n}, {rankings.risk_score(n, as_of_p)} AS {score} WHERE {score} IS NOT NULL "
        f"WITH {n}, {score} ORDER BY {score} DESC, {n}.id ASC LIMIT {limit} "
        f"CALL ({n}) {{ {churn_subquery(n, as_of_p, em)} AS {risk} }} "
        f"WITH {n}, {risk}, {score} ORDER BY {score} DESC, {n}.id ASC "
        f"WITH {n}, {risk}, {{{', '.join(entries)}}} AS {row} RETURN collect({row}) AS rows"
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
        out = rows[0]["rows"] if rows else []
        for row in out:
            if customer is not None and projection is not None:
                row[customer.key] = projection.post(row[customer.key])
            if churn is not None:
                row[churn.key] = churn_item.post(row[churn.key])
        return out

    return Compiled(cypher, em.params.values, shape)


def revenue_concentration(
    call: Request, share: float, max_page: int, mine: bool = False
) -> Compiled:
    top = _top(call)
    visibility = Visibility.of(call)
    planner = Planner(max_page, visibility)
    em = Emitter()
    em.params.values.update(visibility.params())
    share_p = em.params.add(share)
    c, cs, total, target, acc, everyone, x, y = (
        em.vars.new(n) for n in ("c", "cs", "total", "target", "acc", "everyone", "x", "y")
    )
    # One listing per response key: aliases may ask for different pages and fields.
    listings: dict[str, tuple[PageShape, str]] = {}
    for child in top.children:
        if child.name != "customers":
            continue
        listings[child.key] = _set_page(planner, child, cs, acc, em)
    lists = "".join(f", `{key}`: {emitted}" for key, (_, emitted) in listings.items())
    ss, s_, floor, ranked, m = (em.vars.new(n) for n in ("ss", "s", "floor", "ranked", "m"))
    # Two walks of the totalSpent index, biggest first: its values alone (no node is read) to
    # find the set's size and its smallest spend, then the set's customers only, down to that
    # spend (graphdb/rankings.py).
    cypher = (
        f"{rankings.with_revenue(c)}{_book(c, mine, em, visibility)} "
        f"WITH {c}.totalSpent AS {s_} ORDER BY {s_} DESC "
        f"WITH collect({s_}) AS {ss}, sum({s_}) AS {total} "
        f"WITH {ss}, {total}, {share_p} * {total} AS {target} "
        f"WITH {ss}, {total}, reduce({acc} = [0, 0], {x} IN {ss} | "
        f"CASE WHEN {acc}[0] >= {target} THEN {acc} "
        f"ELSE [{acc}[0] + {x}, {acc}[1] + 1] END) AS {acc} "
        f"WITH {total}, {acc}, CASE WHEN {acc}[1] > 0 THEN {ss}[{acc}[1] - 1] END AS {floor} "
        f"CALL ({floor}) {{ {rankings.spending_at_least(m, floor)}"
        f"{_book(m, mine, em, visibility)} "
        f"WITH {m} ORDER BY {m}.totalSpent DESC, {m}.id ASC{_reach(listings, top, em)} "
        f"RETURN collect({m}) AS {ranked} }} "
        f"WITH {ranked}[..{acc}[1]] AS {cs}, {total}, {acc} "
        f"WITH {cs}, {total}, {acc}, COUNT {{ MATCH ({y}:Customer) WHERE true"
        f"{_book(y, mine, em, visibility)} }} AS {everyone} "
        f"WITH {cs}, {total}, {acc}, {everyone}, {{customerCount: {acc}[1], "
        f"customerShare: CASE WHEN {everyone} = 0 THEN 0.0 "
        f"ELSE toFloat({acc}[1]) / {everyone} END, "
        f"revenueShare: CASE WHEN {total} = 0 THEN 0.0 ELSE toFloat({acc}[0]) / {total} END, "
        f"totalRevenue: {total}, lists: {{{lists[2:]}}}}} AS result RETURN result"
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
        result = rows[0]["result"]  # an aggregation: one row even with no customers
        out: dict[str, Any] = {}
        for c in top.children:
            if c.name == "customers":
                page = {"rows": result["lists"][c.key], "total": result["customerCount"]}
                out[c.key] = listings[c.key][0].post(page)
            elif c.name in result:
                out[c.key] = result[c.name]
        return out

    return Compiled(cypher, em.params.values, shape)


def _reach(listings: dict[str, tuple[PageShape, str]], top: Field, em: Emitter) -> str:
    """` LIMIT n` when every page of the set lies within its first n customers (pages from
    the start or an `offset`, none after a cursor, whose position only the whole set tells):
    the walk of the set then stops there instead of reading every member."""
    reach = 0
    for child in top.children:
        if child.key not in listings:
            continue
        shape, emitted = listings[child.key]
        if emitted == "[]":
            continue
        if shape.page.after is not None:
            return ""
        reach = max(reach, int(child.args.get("offset") or 0) + shape.page.size + 1)
    return f" LIMIT {em.params.add(reach)}"


#: What each selectable field of a PathRelationship is, over the hop `{h}` at position `{k}`
#: of path `{p}`.
_HOP_FIELDS = {
    "type": "type({h})",
    "direction": "CASE WHEN startNode({h}) = nodes({p})[{k}] THEN 'FORWARD' ELSE 'BACKWARD' END",
    "strength": "CASE WHEN type({h}) = 'KNOWS' THEN {h}.strength END",
}


def path_relationships(fields: list[Field], p: str, em: Emitter) -> str:
    """The hops of path `p`, one map per relationship keyed by the selection's response keys.

    FORWARD when the stored relationship points from the node before it on the route to the
    node after it; the strength only of a KNOWS. Nothing in the comprehension aggregates, so it
    may sit beside any nested projection of the nodes.
    """
    k = em.vars.new("k")
    h = f"relationships({p})[{k}]"
    entries = ", ".join(
        f"{_key(c.key)}: {_HOP_FIELDS[c.name].format(h=h, p=p, k=k)}"
        for c in fields
        if c.name in _HOP_FIELDS
    )
    return f"[{k} IN range(0, length({p}) - 1) | {{{entries}}}]"


#: The ranking of revenueConcentration: biggest spenders first, then by internal uuid.
SET_ORDER = [("totalSpent", True), ("id", False)]
#: What a cursor of the set holds: the customer's totalSpent (as stored) and uuid.
SET_CURSOR = [(Kind.MONEY, False), (Kind.ID, False)]
SET_SIGNATURE = cursors.signature("RevenueConcentration.customers>Customer", SET_ORDER)


def _set_page(
    planner: Planner, child: Field, cs: str, acc: str, em: Emitter
) -> tuple[PageShape, str]:
    """One `customers` connection of the set: its page shape and the Cypher of its rows.

    `cs` is every customer with revenue in ranking order and `acc[1]` the set's size. A cursor
    is a position in the ranking: the page starts at the first customer ranked after it, so a
    customer whose revenue changed between pages is neither repeated nor skipped by position.
    """
    where = f"revenueConcentration.{child.key}"
    offset = child.args.get("offset")
    if offset is not None and offset < 0:
        raise QueryArgumentError(
            f"`{where}.offset` must not be negative.",
            code="INVALID_PAGINATION",
            argument=f"{where}.offset",
        )
    if offset and child.args.get("after") is not None:
        raise QueryArgumentError(
            f"`{where}`: pass either `after` or the deprecated `offset`, not both.",
            code="INVALID_PAGINATION",
            argument=f"{where}.offset",
        )
    page = planner.page(child.args, SET_SIGNATURE, SET_CURSOR, where)
    edges, page_info, totals = planner.page_parts(
        child,
        lambda node: planner.projection(ENTITIES["Customer"], node.children, f"{where}.edges.node"),
    )
    shape = PageShape(page, SET_SIGNATURE, edges, page_info, totals, skipped=bool(offset))
    if not (edges or page_info):
        return shape, "[]"
    x, i, m = em.vars.new("x"), em.vars.new("i"), em.vars.new("m")
    if page.after is not None:
        spent, uuid = em.params.add(page.after[0]), em.params.add(page.after[1])
        start = (
            f"size([{x} IN {cs} WHERE {x}.totalSpent > {spent} "
            f"OR ({x}.totalSpent = {spent} AND {x}.id <= {uuid})])"
        )
    else:
        start = em.params.add(int(offset or 0))
    end = f"{start} + {em.params.add(page.size + 1)}"
    # Both ends clamped to the set's size: a Cypher slice past the end is not empty.
    lo = f"CASE WHEN {acc}[1] < {start} THEN {acc}[1] ELSE {start} END"
    hi = f"CASE WHEN {acc}[1] < {end} THEN {acc}[1] ELSE {end} END"
    parts = []
    for edge in edges:
        node = ""
        if edge.node is not None and edge.node_key is not None:
            node = f"{_key(edge.node_key)}: {edge.node.emit(m, em)}"
        parts.append(f"{_key(edge.key)}: {{{node}}}")
    row = f"{{__sort: [{m}.totalSpent, {m}.id], e: {{{', '.join(parts)}}}}}"
    # One row per customer rather than a list comprehension: a nested field may aggregate.
    return shape, (
        f"COLLECT {{ UNWIND range({lo}, {hi} - 1) AS {i} WITH {i}, {cs}[{i}] AS {m} "
        f"ORDER BY {i} {returning(em, [i, m], row)} }}"
    )


def introduction_path(
    call: Request, start: tuple[str, str], end: tuple[str, str], max_hops: int, max_page: int
) -> Compiled:
    if not 1 <= max_hops <= MAX_HOPS:
        raise QueryArgumentError(
            f"`maxHops` must be between 1 and {MAX_HOPS}.",
            code="INVALID_MAX_HOPS",
            argument="maxHops",
        )
    top = _top(call)
    planner = Planner(max_page, Visibility.of(call))
    nodes_field = _child(top, "nodes")
    union = Union(
        {
            label: planner.projection(
                ENTITIES[label], nodes_field.by_type.get(label, []) if nodes_field else [], "nodes"
            )
            for label in PATH_LABELS
        }
    )
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    a, b = em.params.add(start[1]), em.params.add(end[1])
    types = "|".join(PATH_TYPES)
    va, vb, p, r, i, x = (em.vars.new(n) for n in ("a", "b", "p", "r", "i", "x"))
    # One row per node rather than a list comprehension: a node's projection may aggregate.
    node_list = (
        f"COLLECT {{ UNWIND range(0, length({p})) AS {i} "
        f"WITH {i}, nodes({p})[{i}] AS {x} ORDER BY {i} "
        f"{returning(em, [i, x], union.emit(x, em))} }}"
        if nodes_field
        else "[]"
    )
    # One list of hops per response key: aliases may select different fields of them.
    hops = ", ".join(
        f"{_key(c.key)}: {path_relationships(c.children, p, em)}"
        for c in top.children
        if c.name == "relationships"
    )
    # maxHops is a validated integer 1..6; variable-length bounds must be literals in Cypher.
    cypher = (
        f"MATCH ({va}:{ENTITIES[start[0]].label} {{id: {a}}}), "
        f"({vb}:{ENTITIES[end[0]].label} {{id: {b}}}) "
        f"OPTIONAL CALL ({va}, {vb}) {{ WITH {va}, {vb} WHERE {va} <> {vb} "
        f"MATCH {p} = shortestPath(({va})-[:{types}*..{int(max_hops)}]-({vb})) "
        f"WHERE all({r} IN relationships({p}) WHERE type({r}) <> 'WORKS_AT' "
        f"OR {r}.endedOn IS NULL OR {r}.endedOn > date()) RETURN {p} }} "
        f"WITH {va}, {vb}, {p}, {union.emit(va, em)} AS start, "
        f"CASE WHEN {p} IS NULL THEN null ELSE {{nodes: {node_list}, "
        f"relationships: {{{hops}}}, hops: length({p})}} END "
        f"AS path "
        f"RETURN {va} = {vb} AS same, start, path"
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
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

    return Compiled(cypher, em.params.values, shape)


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


def _text_hits(index: str, q: str, limit: str, node: str, score: str, guard: str | None) -> str:
    where = ""
    if guard is not None:
        where = " WHERE " + " OR ".join(
            f"({node}:{label} AND {owned(label, node)})" for label in SEARCH_LABELS
        )
    return (
        f"CALL db.index.fulltext.queryNodes('{index}', {q}, {{limit: {limit}}}) "
        f"YIELD node AS {node}, score AS {score}{where} RETURN {node}, {score}"
    )


def _phone_hits(phone: str, node: str, score: str, visibility: Visibility) -> str:
    """Customers and contacts whose stored (E.164) phone is the number typed; SALES only
    among its own, since a phone is personal data."""
    branches = []
    for label in ("Customer", "Contact"):
        guard = "" if visibility.full else f" AND {owned(label, node)}"
        branches.append(
            f"MATCH ({node}:{label} {{phone: {phone}}}) WHERE true{guard} "
            f"RETURN {node}, {PHONE_SCORE} AS {score}"
        )
    return " UNION ALL ".join(branches)


def search(call: Request, text: str, first: int, max_page: int) -> Compiled:
    if not text.strip():
        raise QueryArgumentError("`text` must not be empty.", code="BLANK", argument="text")
    if len(text) > 200:
        raise QueryArgumentError(
            "`text` is longer than 200 characters.", code="TOO_LONG", argument="text"
        )
    top = _top(call)
    planner = Planner(max_page, Visibility.of(call))
    node_field = _child(top, "node")
    union = Union(
        {
            label: planner.projection(
                ENTITIES[label], node_field.by_type.get(label, []) if node_field else [], "node"
            )
            for label in SEARCH_LABELS
        }
    )
    visibility = Visibility.of(call)
    em = Emitter()
    em.params.values.update(visibility.params())
    q = em.params.add(lucene_query(text))
    limit = em.params.add(first)
    # The index returns its best hits with ties in its own (index-internal) order; reading
    # SEARCH_TIE_ROOM more lets the id tie-break below decide which tied hits make the page,
    # so one query gives one answer however the index happened to be written.
    index_limit = em.params.add(first + SEARCH_TIE_ROOM)
    node, score, row = em.vars.new("node"), em.vars.new("score"), em.vars.new("row")
    entries = [f"{_key(c.key)}: {score}" for c in top.children if c.name == "score"]
    if node_field is not None:
        entries.append(f"{_key(node_field.key)}: {union.emit(node, em)}")
    branches = [
        _text_hits(index, q, index_limit, node, score, guard)
        for index, guard in _indexes(visibility)
    ]
    phone = phone_query(text, call.settings.default_phone_region)
    if phone is not None and visibility.role != "ANALYST":
        branches.append(_phone_hits(em.params.add(phone), node, score, visibility))
    cypher = (
        f"CALL () {{ {' UNION ALL '.join(branches)} }} "
        f"WITH {node}, max({score}) AS {score} ORDER BY {score} DESC, {node}.id ASC "
        f"LIMIT {limit} "
        f"WITH {node}, {score}, {{{', '.join(entries)}}} AS {row} RETURN collect({row}) AS rows"
    )

    def shape(rows: list[dict[str, Any]]) -> Any:
        out = rows[0]["rows"] if rows else []
        if node_field is not None:
            for row in out:
                row[node_field.key] = union.post(row[node_field.key])
        return out

    return Compiled(cypher, em.params.values, shape)
