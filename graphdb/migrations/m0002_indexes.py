"""Range indexes behind filters, index-backed sorts and keyset pages.

Aggregates (totalSpent, orderCount, lastOrderAt) are stored on the Customer node and kept up to
date by the write path, so sorting by them is an index scan rather than a scan of all orders.
"""

_RANGE: tuple[tuple[str, str], ...] = (
    ("Customer", "name"),
    ("Customer", "email"),
    ("Customer", "createdAt"),
    ("Customer", "lifecycleStage"),
    ("Customer", "leadScore"),
    ("Customer", "totalSpent"),
    ("Customer", "orderCount"),
    ("Customer", "lastOrderAt"),
    ("Company", "name"),
    ("Company", "domain"),
    ("Company", "industry"),
    ("Contact", "lastName"),
    ("Contact", "email"),
    ("Product", "name"),
    ("Product", "category"),
    ("Order", "placedAt"),
    ("Interaction", "occurredAt"),
    ("User", "name"),
    ("AuditEvent", "entityId"),
)

STATEMENTS: tuple[str, ...] = tuple(
    f"CREATE INDEX {label.lower()}_{prop.lower()} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
    for label, prop in _RANGE
)
