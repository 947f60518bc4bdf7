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


#: revenueConcentration's histogram: a customer with revenue stores `revenueBucket`, its
#: totalSpent (in storage units, core/money) on a log scale, this many buckets per doubling
#: (each 1.1 % wide), and `(:RevenueBucket)` nodes hold the count and revenue of each bucket.
#: Finer buckets make the walk inside the bucket where the share is reached shorter, coarser
#: ones make the histogram smaller; at a million customers both are a few thousand entries.
REVENUE_BUCKETS_PER_DOUBLING = 64
#: each bucket is kept as this many nodes (a write picks one at random), so concurrent orders of
#: customers in one bucket do not all queue on the same node's lock; the read sums them
REVENUE_STRIPES = 4


def revenue_bucket(total: str) -> str:
    """The bucket of a totalSpent of `total` storage units (null for no revenue). Monotonic in
    `total`, so every customer of a higher bucket spent strictly more than any of a lower one."""
    return (
        f"CASE WHEN {total} > 0 THEN "
        f"toInteger(floor({REVENUE_BUCKETS_PER_DOUBLING} * log({total}) / log(2))) END"
    )


def move_revenue(old_bucket: str, old_total: str, bucket: str, total: str) -> str:
    """A unit subquery (rows pass through) that moves one customer's revenue in the histogram
    from (`old_bucket`, `old_total`) to (`bucket`, `total`); a null bucket is no revenue. The
    stripes are locked in slot order, so two writes never wait for each other in a cycle."""
    o, ot, b, t = (_var(v) for v in (old_bucket, old_total, bucket, total))
    s = REVENUE_STRIPES
    return (
        f"CALL ({o}, {ot}, {b}, {t}) {{ WITH toInteger(rand() * {s}) AS stripe "
        f"UNWIND [d IN [[{o}, -1, -{ot}], [{b}, 1, {t}]] WHERE d[0] IS NOT NULL] AS d "
        f"WITH stripe, d ORDER BY d[0] "
        f"MERGE (h:RevenueBucket {{slot: d[0] * {s} + stripe}}) "
        "ON CREATE SET h.bucket = d[0], h.customers = 0, h.revenue = 0 "
        "SET h.customers = h.customers + d[1], h.revenue = h.revenue + d[2] } "
    )


def forget_revenue(c: str) -> str:
    """A unit subquery taking customer `c` (about to be deleted) out of the histogram. The
    stripe is bound before the MERGE: MERGE evaluates its pattern's expressions again to
    create, and two draws of `rand()` would create a slot other than the one it looked for."""
    c = _var(c)
    s = REVENUE_STRIPES
    return (
        f"CALL ({c}) {{ WITH {c}, {c}.revenueBucket * {s} + toInteger(rand() * {s}) AS slot "
        f"WHERE {c}.revenueBucket IS NOT NULL MERGE (h:RevenueBucket {{slot: slot}}) "
        f"ON CREATE SET h.bucket = {c}.revenueBucket, h.customers = 0, h.revenue = 0 "
        f"SET h.customers = h.customers - 1, h.revenue = h.revenue - {c}.totalSpent }} "
    )


def revenue_rank(spent: str, uuid: str) -> str:
    """How many customers rank at or before position (`spent`, `uuid`) of the revenue ranking
    (totalSpent descending, then uuid): the histogram's counts above the position's bucket and
    that one bucket's customers up to it through the (revenueBucket, totalSpent) index, so a
    cursor page of revenueConcentration knows its position without walking the set before it.
    A position without revenue ranks after every customer with some."""
    if not all(p.startswith("$") and p[1:].isidentifier() for p in (spent, uuid)):
        raise ValueError(f"not parameters: {spent!r}, {uuid!r}")
    bucket = f"coalesce({revenue_bucket(spent)}, -1)"
    return (
        f"(reduce(n = 0, k IN COLLECT {{ MATCH (rr_h:RevenueBucket) WHERE rr_h.bucket > {bucket} "
        "RETURN rr_h.customers } | n + k) + "
        "COUNT { MATCH (rr_c:Customer) USING INDEX rr_c:Customer(revenueBucket, totalSpent) "
        f"WHERE rr_c.revenueBucket = {bucket} AND (rr_c.totalSpent > {spent} "
        f"OR (rr_c.totalSpent = {spent} AND rr_c.id <= {uuid})) }})"
    )


def concentration_head(share: str, total: str, acc: str, floor: str) -> str:
    """Binds `total` (all revenue), `acc` ([revenue, count] of the smallest set of customers by
    totalSpent descending whose revenue reaches `share` of it) and `floor` (the set's smallest
    totalSpent; null for an empty set), reading the histogram and one bucket's customers.

    The histogram, biggest buckets first, tells the bucket in which the running revenue reaches
    the target; every customer above it is in the set. Within that bucket the (revenueBucket,
    totalSpent) index lists its customers' spends biggest first, and the same running sum as
    over the whole ranking decides where the set ends, so the answer is exactly the one a walk
    of every customer gives, at the cost of the histogram and one bucket, whatever the size."""
    total, acc, floor = (_var(v) for v in (total, acc, floor))
    if not (share.startswith("$") and share[1:].isidentifier()):
        raise ValueError(f"not a parameter: {share!r}")
    h, b, k, r, hs, a, x, ss, c, sp = (
        f"rc_{v}" for v in ("h", "b", "k", "r", "hs", "a", "x", "ss", "c", "sp")
    )
    target = f"{share} * {total}"
    return (
        f"CALL () {{ MATCH ({h}:RevenueBucket) "
        f"WITH {h}.bucket AS {b}, sum({h}.customers) AS {k}, sum({h}.revenue) AS {r} "
        f"WHERE {k} > 0 WITH {b}, {k}, {r} ORDER BY {b} DESC "
        f"RETURN collect([{b}, {k}, {r}]) AS {hs}, coalesce(sum({r}), 0) AS {total} }} "
        f"WITH {total}, reduce({a} = [0, 0, null], {x} IN {hs} | "
        f"CASE WHEN {a}[2] IS NOT NULL THEN {a} "
        f"WHEN {a}[0] + {x}[2] >= {target} THEN [{a}[0], {a}[1], {x}[0]] "
        f"ELSE [{a}[0] + {x}[2], {a}[1] + {x}[1], null] END) AS {a} "
        f"CALL ({a}) {{ MATCH ({c}:Customer) "
        f"USING INDEX {c}:Customer(revenueBucket, totalSpent) "
        f"WHERE {c}.revenueBucket = {a}[2] AND {c}.totalSpent > 0 "
        f"WITH {c}.totalSpent AS {sp} ORDER BY {sp} DESC RETURN collect({sp}) AS {ss} }} "
        f"WITH {total}, {a}, {ss}, reduce({acc} = [{a}[0], {a}[1]], {x} IN {ss} | "
        f"CASE WHEN {acc}[0] >= {target} THEN {acc} "
        f"ELSE [{acc}[0] + {x}, {acc}[1] + 1] END) AS {acc} "
        f"WITH {total}, {acc}, CASE WHEN {acc}[1] > 0 "
        f"THEN {ss}[{acc}[1] - {a}[1] - 1] END AS {floor} "
    )
