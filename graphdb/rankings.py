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
    the range holds everyone at risk and maybe a few who are not yet; `risk_score` decides
    (null for those)."""
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


#: atRiskCustomers' bands: a regular buyer's stored `riskBand` is its median gap on a log scale,
#: this many bands per doubling (each band 9 % wide), so within a band an older last order means
#: a higher riskScore to within that 9 %. Median gaps of 2^16 days and more share the last band.
RISK_BANDS_PER_DOUBLING = 8
RISK_BANDS = 128
#: float rounding at a band's edge: a band's floor is taken this much lower, relatively
_EDGE = 1e-9


def risk_band(median: str) -> str:
    """The band of a median gap of `median` days (a regular buyer's: at least a day). The write
    path stores it (graphdb/writes/customers `aggregates`); `at_risk_top` walks the bands."""
    per, last = RISK_BANDS_PER_DOUBLING, RISK_BANDS - 1
    return (
        f"CASE WHEN {median} >= 2.0 ^ {RISK_BANDS // per} THEN {last} "
        f"ELSE toInteger(floor({per} * log({median}) / log(2))) END"
    )


def _band_floor(band: str) -> str:
    """The smallest median gap (days) of band `band`, a hair lower for float rounding."""
    return f"(2.0 ^ (toFloat({band}) / {RISK_BANDS_PER_DOUBLING}) * (1 - {_EDGE}))"


def at_risk_top(n: str, score: str, as_of: str, limit: str) -> str:
    """The `limit` customers `n` with the highest riskScore as of `as_of`, `score` bound, not yet
    ordered: a walk of at most `limit` customers per band, whatever the database's size.

    Within band b the index (riskBand, lastOrderAt) lists the customers oldest last order
    first, which is nearly highest score first. The first pass takes the `limit` oldest at-risk
    customers of every band (from the range of those old enough to be at risk at all); the
    `limit`-th best of their scores (null for the few a second short of it: not counted) is a
    floor the answer's scores cannot be below (fewer than `limit` in all: every band is
    exhausted and the floor is 0). A customer of band b scores at least `floor` only if its last
    order is at least floor x (b's smallest gap) days before `as_of`, so the second pass reads,
    per band, that
    index range: the customers that can reach the floor, and no others."""
    n, score, b, s, top, floor = (_var(v) for v in (n, score, "band", "s", "top", "floor"))
    hint = f"USING INDEX {n}:Customer(riskBand, lastOrderAt)"
    rule = f"{n}.atRiskAfter < {as_of}"
    bands = f"UNWIND range(0, {RISK_BANDS - 1}) AS {b}"
    # nobody in band b is at risk before max(2 x its smallest gap, 14) days without an order:
    # bands of long gaps whose customers all bought recently are an empty range, not a walk
    lo = _band_floor(b)
    due = f"duration({{seconds: 86400 * CASE WHEN 2 * {lo} > 14 THEN 2 * {lo} ELSE 14 END - 1}})"
    first_pass = (
        f"CALL () {{ {bands} CALL ({b}) {{ MATCH ({n}:Customer) {hint} "
        f"WHERE {n}.riskBand = {b} AND {n}.lastOrderAt < {as_of} - {due} AND {rule} "
        f"WITH {n} ORDER BY {n}.riskBand, {n}.lastOrderAt LIMIT {limit} "
        f"RETURN {risk_score(n, as_of)} AS {s} }} "
        f"WITH {s} ORDER BY {s} DESC LIMIT {limit} WITH collect({s}) AS {top} "
        f"RETURN CASE WHEN size({top}) < {limit} THEN 0.0 ELSE {top}[-1] END AS {floor} }} "
    )
    reach = f"duration({{seconds: {floor} * {lo} * 86400 - 1}})"
    return (
        f"{first_pass}{bands} CALL ({b}, {floor}) {{ MATCH ({n}:Customer) {hint} "
        f"WHERE {n}.riskBand = {b} AND {n}.lastOrderAt <= {as_of} - {reach} AND {rule} "
        f"WITH {n}, {risk_score(n, as_of)} AS {score} WHERE {score} >= {floor} "
        f"RETURN {n}, {score} }}"
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
