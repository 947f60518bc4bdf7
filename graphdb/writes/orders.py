"""Orders: idempotent creation, lines, and the customer's stored aggregates."""

from __future__ import annotations

#: an existing order with idempotency key `$key`
BY_IDEMPOTENCY_KEY = (
    "MATCH (o:Order {idempotencyKey: $key}) RETURN o.id AS id, o.requestHash AS requestHash LIMIT 1"
)

_PRODUCT_FIELDS = (
    "p.id AS id, p.sku AS sku, p.price AS price, p.currency AS currency, p.active AS active"
)

#: products by id (`$ids`)
PRODUCTS_BY_ID = f"UNWIND $ids AS pid MATCH (p:Product {{id: pid}}) RETURN {_PRODUCT_FIELDS}"

#: products by sku (`$skus`)
PRODUCTS_BY_SKU = f"UNWIND $skus AS sku MATCH (p:Product {{sku: sku}}) RETURN {_PRODUCT_FIELDS}"

#: the order with key `$key`, created from `$props` unless it exists (the unique constraint
#: makes concurrent MERGEs of one key queue, so exactly one of them creates it)
MERGE_BY_KEY = "MERGE (o:Order {idempotencyKey: $key}) ON CREATE SET o += $props RETURN o.id AS id"

#: an order without idempotency key
CREATE = "CREATE (o:Order) SET o = $props RETURN o.id AS id"

#: attach order `$id` to customer `$customerId` and add its `$lines`
LINK = (
    "MATCH (c:Customer {id: $customerId}), (o:Order {id: $id}) CREATE (c)-[:PLACED]->(o) "
    "WITH o UNWIND $lines AS line MATCH (p:Product {id: line.productId}) "
    "CREATE (o)-[:CONTAINS {quantity: line.quantity, unitPrice: line.unitPrice, "
    "position: line.position}]->(p)"
)

#: count one more order of `$total` placed at `$placedAt` on the customer (locked beforehand)
ADD_TO_AGGREGATES = (
    "MATCH (c:Customer {id: $customerId}) "
    "SET c.orderCount = coalesce(c.orderCount, 0) + 1, "
    "c.totalSpent = coalesce(c.totalSpent, 0) + $total, "
    "c.firstOrderAt = CASE WHEN c.firstOrderAt IS NULL OR $placedAt < c.firstOrderAt "
    "THEN $placedAt ELSE c.firstOrderAt END, "
    "c.lastOrderAt = CASE WHEN c.lastOrderAt IS NULL OR $placedAt > c.lastOrderAt "
    "THEN $placedAt ELSE c.lastOrderAt END"
)
