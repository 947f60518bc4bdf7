"""Cypher of an order import: the stored orders and customers a batch names, then the
orders created or replaced (lines included)."""

from __future__ import annotations

#: the stored orders of `$keys` (externalIds): customer, header and lines
EXISTING = (
    "UNWIND $keys AS key MATCH (o:Order {externalId: key}) "
    "OPTIONAL MATCH (c:Customer)-[:PLACED]->(o) "
    "RETURN o.externalId AS key, o.id AS id, c.id AS customerId, o.placedAt AS placedAt, "
    "o.status AS status, o.currency AS currency, "
    "[(o)-[x:CONTAINS]->(p:Product) | [x.position, p.id, x.quantity, x.unitPrice]] AS lines"
)

#: the ids of the customers whose externalId is in `$keys`
CUSTOMERS_BY_KEY = "UNWIND $keys AS key MATCH (c:Customer {externalId: key}) RETURN key, c.id AS id"

#: create `$orders` ({id, props, placedAt, customerId, lines, now}) with their lines
CREATE = (
    "UNWIND $orders AS r MATCH (c:Customer {id: r.customerId}) "
    "CREATE (o:Order) SET o = r.props, o.placedAt = datetime(r.placedAt), o.id = r.id, "
    "o.createdAt = datetime(r.now), o.updatedAt = datetime(r.now), o.version = 1 "
    "CREATE (c)-[:PLACED]->(o) "
    "WITH o, r UNWIND r.lines AS line MATCH (p:Product {id: line.productId}) "
    "CREATE (o)-[:CONTAINS {quantity: line.quantity, unitPrice: line.unitPrice, "
    "position: line.position}]->(p)"
)

#: replace the stored `$orders` (by id): header, customer and lines, version + 1
REPLACE = (
    "UNWIND $orders AS r MATCH (o:Order {id: r.id}) "
    "SET o += r.props, o.placedAt = datetime(r.placedAt), o.version = o.version + 1, "
    "o.updatedAt = datetime(r.now) "
    "WITH o, r CALL (o) { MATCH (o)-[x:CONTAINS]->() DELETE x } "
    "CALL (o) { MATCH (o)<-[x:PLACED]-() DELETE x } "
    "WITH o, r MATCH (c:Customer {id: r.customerId}) CREATE (c)-[:PLACED]->(o) "
    "WITH o, r UNWIND r.lines AS line MATCH (p:Product {id: line.productId}) "
    "CREATE (o)-[:CONTAINS {quantity: line.quantity, unitPrice: line.unitPrice, "
    "position: line.position}]->(p)"
)
