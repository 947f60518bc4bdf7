"""Customer accounts: the links an account carries and the facts its delete rule needs."""

from __future__ import annotations

#: kind and linked company of customer `$id`
ACCOUNT_STATE = (
    "MATCH (c:Customer {id: $id}) OPTIONAL MATCH (c)-[:ACCOUNT_OF]->(co:Company) "
    "RETURN c.kind AS kind, co.id AS companyId LIMIT 1"
)

#: another customer that already is the account of company `$companyId`
COMPANY_ACCOUNT_HOLDER = (
    "MATCH (:Company {id: $companyId})<-[:ACCOUNT_OF]-(c:Customer) WHERE c.id <> $id "
    "RETURN c.id AS id LIMIT 1"
)

#: replace the account's company with `$companyId` (null: no company)
SET_COMPANY = (
    "MATCH (c:Customer {id: $id}) "
    "OPTIONAL MATCH (c)-[r:ACCOUNT_OF]->(:Company) DELETE r "
    "WITH DISTINCT c MATCH (co:Company {id: $companyId}) MERGE (c)-[:ACCOUNT_OF]->(co)"
)

#: replace the account manager with user `$userId` (null: nobody)
SET_MANAGER = (
    "MATCH (c:Customer {id: $id}) "
    "OPTIONAL MATCH (c)<-[r:MANAGES]-(:User) DELETE r "
    "WITH DISTINCT c MATCH (u:User {id: $userId}) MERGE (u)-[:MANAGES]->(c)"
)

#: how many orders customer `$id` placed (the delete rule)
ORDER_COUNT = "MATCH (c:Customer {id: $id}) RETURN COUNT { (c)-[:PLACED]->(:Order) } AS n"


def recount(*, interactions: bool = False) -> str:
    """Recount the stored aggregates of customers `$ids` from their orders: `orderCount`,
    `totalSpent`, `firstOrderAt`, `lastOrderAt` (and with `interactions`, `lastInteractionAt`
    from their interactions). The one definition of those aggregates: placeOrder keeps them
    up to date one order at a time (graphdb/writes/orders.py) and must agree with it; imports
    and merges recount. Unchanged values are not written, so re-importing the same orders
    writes nothing."""
    last_interaction = (
        "CALL (c) { OPTIONAL MATCH (i:Interaction)-[:WITH]->(c) "
        "RETURN max(i.occurredAt) AS lastInteraction } "
        if interactions
        else "WITH c, n, total, first, last, c.lastInteractionAt AS lastInteraction "
    )
    return (
        "UNWIND $ids AS cid MATCH (c:Customer {id: cid}) "
        "CALL (c) { OPTIONAL MATCH (c)-[:PLACED]->(o:Order) "
        "RETURN count(o) AS n, coalesce(sum(o.total), 0) AS total, min(o.placedAt) AS first, "
        "max(o.placedAt) AS last } "
        f"{last_interaction}"
        "WITH c, n, total, first, last, lastInteraction "
        "WHERE c.orderCount IS NULL OR c.orderCount <> n "
        "OR c.totalSpent IS NULL OR c.totalSpent <> total "
        "OR (c.firstOrderAt IS NULL) <> (first IS NULL) OR c.firstOrderAt <> first "
        "OR (c.lastOrderAt IS NULL) <> (last IS NULL) OR c.lastOrderAt <> last "
        "OR (c.lastInteractionAt IS NULL) <> (lastInteraction IS NULL) "
        "OR c.lastInteractionAt <> lastInteraction "
        "SET c.orderCount = n, c.totalSpent = total, c.firstOrderAt = first, "
        "c.lastOrderAt = last, c.lastInteractionAt = lastInteraction"
    )
