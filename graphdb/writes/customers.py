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
