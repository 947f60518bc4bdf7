"""The index reads of the whole-database rankings (issue 16 target 3): atRiskCustomers and
topReferrers read the aggregates the write path stores (graphdb/writes/customers.aggregates,
graphdb/writes/referrals.networks) through their range indexes (migration 13) instead of
computing them for every customer. The compiler (roots) wraps these with projections and
pagination; the definitions themselves stay those of docs/intelligence.md."""

from __future__ import annotations


def _var(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"not a variable: {name!r}")
    return name


def at_risk_candidates(n: str, as_of: str) -> str:
    """Customers `n` whose stored `atRiskAfter` is before `as_of` (a parameter or `datetime()`):
    an index range read. The stored instant is a second early (graphdb/writes/customers), so
    the range holds everyone at risk and maybe a few who are not yet; `risk_score` decides."""
    n = _var(n)
    return f"MATCH ({n}:Customer) WHERE {n}.atRiskAfter < {as_of}"


def risk_score(n: str, as_of: str) -> str:
    """The riskScore of an at-risk customer `n` from its stored `lastOrderAt` and
    `medianGapDays`, null when it is not at risk as of `as_of`: the same expressions as
    `Customer.churnRisk`, so the ranking is that of the documented rule."""
    n = _var(n)
    days = f"(duration.inSeconds({n}.lastOrderAt, {as_of}).seconds / 86400.0)"
    median = f"{n}.medianGapDays"
    return (
        f"CASE WHEN {days} > CASE WHEN 2 * {median} > 14 THEN 2 * {median} ELSE 14 END "
        f"THEN {days} / {median} END"
    )


def top_referrers(r: str, size: str, depth: str, revenue: str, by: str, limit: str) -> str:
    """The best `limit` referrers `r` (customers or contacts) by stored downstream size (ties:
    revenue, then uuid) or revenue (ties: size, then uuid), with `size`, `depth` and `revenue`
    bound: per label, a walk of the index on the first key that stops after `limit`."""
    r, size, depth, revenue = (_var(v) for v in (r, size, depth, revenue))
    first, second = (
        ("downstreamSize", "downstreamRevenue")
        if by == "COUNT"
        else ("downstreamRevenue", "downstreamSize")
    )
    order = f"{r}.{first} DESC, {r}.{second} DESC, {r}.id ASC"
    per_label = " UNION ALL ".join(
        f"MATCH ({r}:{label}) WHERE {r}.{first} IS NOT NULL "
        f"RETURN {r} ORDER BY {order} LIMIT {limit}"
        for label in ("Customer", "Contact")
    )
    return (
        f"CALL () {{ {per_label} }} WITH {r} ORDER BY {order} LIMIT {limit} "
        f"WITH {r}, {r}.downstreamSize AS {size}, {r}.downstreamDepth AS {depth}, "
        f"{r}.downstreamRevenue AS {revenue}"
    )


def with_revenue(c: str) -> str:
    """Every customer `c` with revenue: a range of the totalSpent index, whose values the
    planner hands on without reading the nodes when only `totalSpent` is used."""
    c = _var(c)
    return f"MATCH ({c}:Customer) WHERE {c}.totalSpent > 0"


def spending_at_least(c: str, floor: str) -> str:
    """Customers `c` whose `totalSpent` is at least `floor` (null: none): an index range."""
    c, floor = _var(c), _var(floor)
    return f"MATCH ({c}:Customer) WHERE {c}.totalSpent >= {floor}"
