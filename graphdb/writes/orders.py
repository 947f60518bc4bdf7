"""Orders: idempotent creation, lines, and the customer's stored aggregates."""

from __future__ import annotations

from graphdb.writes.customers import aggregates
from graphdb.writes.referrals import upstream_networks

#: an existing order with the scoped idempotency key `$scope` (`<user id>:<key>`, migration 15)
BY_IDEMPOTENCY_KEY = (
    "MATCH (o:Order {idempotencyScope: $scope}) "
    "RETURN o.id AS id, o.requestHash AS requestHash LIMIT 1"
)

_PRODUCT_FIELDS = (
    "p.id AS id, p.sku AS sku, p.price AS price, p.currency AS currency, p.active AS active"
)

#: products by id (`$ids`)
PRODUCTS_BY_ID = f"UNWIND $ids AS pid MATCH (p:Product {{id: pid}}) RETURN {_PRODUCT_FIELDS}"

#: products by sku (`$skus`)
PRODUCTS_BY_SKU = f"UNWIND $skus AS sku MATCH (p:Product {{sku: sku}}) RETURN {_PRODUCT_FIELDS}"

#: the order with scoped key `$scope`, created from `$props` unless it exists (the unique
#: constraint makes concurrent MERGEs of one key queue, so exactly one of them creates it)
MERGE_BY_KEY = (
    "MERGE (o:Order {idempotencyScope: $scope}) ON CREATE SET o += $props RETURN o.id AS id"
)

#: on customer `c` (locked beforehand) and order `o`: the PLACED edge, the order's `$lines`,
#: the customer's stored aggregates recounted with the new order (graphdb/writes/customers),
#: and the networks of its referrers, whose revenue includes it (the tree's root is locked)
_LINK_AND_COUNT = (
    "CREATE (c)-[:PLACED]->(o) "
    "WITH c, o CALL (o) { UNWIND $lines AS line MATCH (p:Product {id: line.productId}) "
    "CREATE (o)-[:CONTAINS {quantity: line.quantity, unitPrice: line.unitPrice, "
    "position: line.position}]->(p) } "
    "WITH c " + aggregates() + "WITH c " + upstream_networks("c")
)

#: an order without idempotency key, from `$props`, placed by customer `$customerId`, with
#: its lines and the customer's aggregates: the whole write in one statement
CREATE = "MATCH (c:Customer {id: $customerId}) CREATE (o:Order) SET o = $props " + _LINK_AND_COUNT

#: the same for order `$id`, already MERGEd by its idempotency key
LINK = "MATCH (c:Customer {id: $customerId}), (o:Order {id: $id}) " + _LINK_AND_COUNT
