"""Migration 13, whole-database intelligence reads become index reads (issue 16): range indexes
on the aggregates the write path now keeps in the same transaction as each change (churn's
`Customer.atRiskAfter`; each referrer's `downstreamSize` and `downstreamRevenue`), and a
backfill that computes them for the data already stored (graphdb/aggregates.py), so an existing
database upgrades in place."""

_RANGE: tuple[tuple[str, str], ...] = (
    ("Customer", "atRiskAfter"),
    ("Customer", "downstreamSize"),
    ("Customer", "downstreamRevenue"),
    ("Contact", "downstreamSize"),
    ("Contact", "downstreamRevenue"),
)

STATEMENTS: tuple[str, ...] = tuple(
    f"CREATE INDEX {label.lower()}_{prop.lower()} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
    for label, prop in _RANGE
)
