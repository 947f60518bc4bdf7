"""Products and users: the facts their delete rules need."""

from __future__ import annotations

#: order lines that name product `$id`
PRODUCT_ORDER_LINES = "MATCH (p:Product {id: $id}) RETURN COUNT { (p)<-[:CONTAINS]-(:Order) } AS n"

#: customers user `$id` manages
USER_ACCOUNTS = "MATCH (u:User {id: $id}) RETURN COUNT { (u)-[:MANAGES]->(:Customer) } AS n"
