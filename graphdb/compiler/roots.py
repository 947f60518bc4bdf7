"""Root fields of relationship intelligence: each compiles to one statement (introductionPath
in paths.py, search in search.py).

The per-entity pieces (decision-makers, referral chain, churn) are the same plan nodes that
nest under Company and Customer, so a root field and its nested twin can never disagree.
"""

from __future__ import annotations

from typing import Any

from core.model import ENTITIES, Kind
from core.selection import Field
from graphdb import rankings
from graphdb.compiler import cursor as cursors
from graphdb.compiler.build import emit, nested
from graphdb.compiler.churn_risk import ChurnRisk
from graphdb.compiler.compiled import Compiled
from graphdb.compiler.connection import PageShape
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.intelligence import churn_subquery
from graphdb.compiler.key_decision_makers import KeyDecisionMakers
from graphdb.compiler.plan import Emitter, Item, _key, returning
from graphdb.compiler.planner import Planner
from graphdb.compiler.referral_chain import ReferralChain
from graphdb.compiler.request import Request
from graphdb.compiler.visibility import Visibility
from graphdb.cypher import Param, Q, Var


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
    return _rows_of_one(call, "Company", company_id, item)


def referral_chain(call: Request, customer_id: str, max_page: int) -> Compiled:
    top = _top(call)
    item = ReferralChain(
        top.key, Planner(max_page, Visibility.of(call)).union(top, top.key, ("Customer", "Contact"))
    )
    return _rows_of_one(call, "Customer", customer_id, item)


def _rows_of_one(call: Request, label: str, raw_id: str, item: Item) -> Compiled:
    """The list `item` computes over one record (a company's decision-makers, a customer's
    referral chain); the answer is None when no `label` has that id."""
    em = Emitter()
    em.params.values.update(Visibility.of(call).params())
    c = Var("c")
    statement = Q(
        "OPTIONAL MATCH ({c}:{label} {{id: {id}}}) "
        "WITH {c}, CASE WHEN {c} IS NULL THEN [] ELSE {rows} END AS rows "
        "RETURN {c} IS NOT NULL AS found, rows",
        c=c,
        label=ENTITIES[label].label,
        id=Param(raw_id),
        rows=nested(item, c, em),
    )
    return Compiled(emit(statement, em), em.params.values, lambda rows: _found(rows, item.post))


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
    # Ranked by the stored facts (graphdb/rankings.py): the whole database by a bounded walk of
    # every risk band; "my book" (a few hundred customers) by the atRiskAfter range within
    # it. The churn facts of the page only, by the same plan node as Customer.churnRisk.
    score = em.vars.new("score")
    candidates = (
        f"{rankings.at_risk_candidates(n, as_of_p)}{_book(n, mine, em, Visibility.of(call))} "
        f"WITH {n}, {rankings.risk_score(n, as_of_p)} AS {score} WHERE {score} IS NOT NULL"
        if mine
        else rankings.at_risk_top(n, score, as_of_p, limit)
    )
    cypher = (
        f"{candidates} "
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
        listings[child.key] = _set_page(planner, child, cs, acc, em, mine)
    lists = "".join(f", `{key}`: {emitted}" for key, (_, emitted) in listings.items())
    ss, s_, floor, ranked, m = (em.vars.new(n) for n in ("ss", "s", "floor", "ranked", "m"))
    if mine:
        # "My book" (a few hundred customers): two walks of the totalSpent index, biggest
        # first, within the book: its values alone (no node is read) to find the set's size
        # and its smallest spend, then the set's customers only, down to that spend.
        head = (
            f"{rankings.with_revenue(c)}{_book(c, mine, em, visibility)} "
            f"WITH {c}.totalSpent AS {s_} ORDER BY {s_} DESC "
            f"WITH collect({s_}) AS {ss}, sum({s_}) AS {total} "
            f"WITH {ss}, {total}, {share_p} * {total} AS {target} "
            f"WITH {ss}, {total}, reduce({acc} = [0, 0], {x} IN {ss} | "
            f"CASE WHEN {acc}[0] >= {target} THEN {acc} "
            f"ELSE [{acc}[0] + {x}, {acc}[1] + 1] END) AS {acc} "
            f"WITH {total}, {acc}, CASE WHEN {acc}[1] > 0 THEN {ss}[{acc}[1] - 1] END AS {floor} "
        )
    else:
        # The whole database: the revenue histogram the write path keeps, and one bucket's
        # spends (graphdb/rankings.py), then the set's customers only, down to the floor.
        head = rankings.concentration_head(share_p, total, acc, floor)
    cypher = head + (
        f"CALL ({floor}) {{ {rankings.spending_at_least(m, floor)}"
        f"{_book(m, mine, em, visibility)} "
        f"WITH {m} ORDER BY {m}.totalSpent DESC, {m}.id ASC{_reach(listings, top, em, mine)} "
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


def _reach(listings: dict[str, tuple[PageShape, str]], top: Field, em: Emitter, mine: bool) -> str:
    """` LIMIT n` when every page of the set lies within its first n customers (pages from
    the start or an `offset`; a page after a cursor of the whole database walks on its own
    from the cursor, one of "my book" needs the book's whole set): the walk of the set then
    stops there instead of reading every member."""
    reach = 0
    for child in top.children:
        if child.key not in listings:
            continue
        shape, emitted = listings[child.key]
        if emitted == "[]":
            continue
        if shape.page.after is not None:
            if mine:
                return ""
            continue
        reach = max(reach, int(child.args.get("offset") or 0) + shape.page.size + 1)
    return f" LIMIT {em.params.add(reach)}"


#: The ranking of revenueConcentration: biggest spenders first, then by internal uuid.
SET_ORDER = [("totalSpent", True), ("id", False)]
#: What a cursor of the set holds: the customer's totalSpent (as stored) and uuid.
SET_CURSOR = [(Kind.MONEY, False), (Kind.ID, False)]
SET_SIGNATURE = cursors.signature("RevenueConcentration.customers>Customer", SET_ORDER)


def _set_page(
    planner: Planner, child: Field, cs: str, acc: str, em: Emitter, mine: bool
) -> tuple[PageShape, str]:
    """One `customers` connection of the set: its page shape and the Cypher of its rows.

    `cs` is every customer with revenue in ranking order and `acc[1]` the set's size. A cursor
    is a position in the ranking: the page starts at the first customer ranked after it, so a
    customer whose revenue changed between pages is neither repeated nor skipped by position.

    Of the whole database, a page after a cursor learns the cursor's rank from the histogram
    (graphdb/rankings.py `revenue_rank`) and walks the totalSpent index from the cursor for at
    most one page, so the tenth page costs what the first does; `cs` is not read.
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
    parts = []
    for edge in edges:
        node = ""
        if edge.node is not None and edge.node_key is not None:
            node = f"{_key(edge.node_key)}: {edge.node.emit(m, em)}"
        parts.append(f"{_key(edge.key)}: {{{node}}}")
    row = f"{{__sort: [{m}.totalSpent, {m}.id], e: {{{', '.join(parts)}}}}}"
    if page.after is not None and not mine:
        spent, uuid = em.params.add(page.after[0]), em.params.add(page.after[1])
        ms, left = em.vars.new("ms"), em.vars.new("left")
        # The set's members after the cursor: its size minus the cursor's rank, at most a page.
        return shape, (
            f"COLLECT {{ {rankings.with_revenue(m)} AND {m}.totalSpent <= {spent} "
            f"AND ({m}.totalSpent < {spent} OR {m}.id > {uuid}) "
            f"WITH {m} ORDER BY {m}.totalSpent DESC, {m}.id ASC "
            f"LIMIT {em.params.add(page.size + 1)} WITH collect({m}) AS {ms} "
            f"WITH {ms}, {acc}[1] - {rankings.revenue_rank(spent, uuid)} AS {left} "
            f"UNWIND range(0, size({ms}) - 1) AS {i} WITH {i}, {ms}[{i}] AS {m}, {left} "
            f"WHERE {i} < {left} WITH {i}, {m} "
            f"ORDER BY {i} {returning(em, [i, m], row)} }}"
        )
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
    # One row per customer rather than a list comprehension: a nested field may aggregate.
    return shape, (
        f"COLLECT {{ UNWIND range({lo}, {hi} - 1) AS {i} WITH {i}, {cs}[{i}] AS {m} "
        f"ORDER BY {i} {returning(em, [i, m], row)} }}"
    )
