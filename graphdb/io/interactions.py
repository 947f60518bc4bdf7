"""Cypher of an interaction import: participants by key, stored interactions, the write."""

from __future__ import annotations

#: ids of the customers (`$customers`, externalIds), contacts (`$contacts`, e-mails) and users
#: (`$users`, e-mails) a batch names, as [key, id] pairs
PARTICIPANTS = (
    "CALL () { UNWIND $customers AS key MATCH (c:Customer {externalId: key}) "
    "RETURN collect([key, c.id]) AS customers } "
    "CALL () { UNWIND $contacts AS email MATCH (p:Contact {email: email}) "
    "WITH email, min(p.id) AS id RETURN collect([email, id]) AS contacts } "
    "CALL () { UNWIND $users AS email MATCH (u:User {email: email}) "
    "RETURN collect([email, u.id]) AS users } "
    "RETURN customers, contacts, users"
)

#: the stored interactions of `$keys` (externalIds), participants and logger included
EXISTING = (
    "UNWIND $keys AS key MATCH (i:Interaction {externalId: key}) "
    "RETURN key, i.id AS id, i.kind AS kind, i.occurredAt AS occurredAt, "
    "i.subject AS subject, i.summary AS summary, i.outcome AS outcome, i.sentiment AS sentiment, "
    "[(i)-[:WITH]->(x) | x.id] AS participants, [(u:User)-[:LOGGED]->(i) | u.id] AS loggedBy"
)

#: create (`existing` null) or update each of `$rows`, replacing its participants and logger
WRITE = (
    "UNWIND $rows AS r "
    "CALL (r) { WITH r WHERE r.existing IS NULL CREATE (i:Interaction) SET i.id = r.id, "
    "i.createdAt = datetime(r.now), i.version = 1 RETURN i "
    "UNION WITH r MATCH (i:Interaction {id: r.existing}) "
    "SET i.version = i.version + 1 RETURN i } "
    "SET i += r.props, i.occurredAt = datetime(r.occurredAt), i.updatedAt = datetime(r.now) "
    "WITH i, r CALL (i) { MATCH (i)-[x:WITH]->() DELETE x } "
    "CALL (i) { MATCH (i)<-[x:LOGGED]-() DELETE x } "
    "CALL (i, r) { MATCH (u:User {id: r.loggedBy}) CREATE (u)-[:LOGGED]->(i) } "
    "CALL (i, r) { UNWIND r.contacts AS pid MATCH (p:Contact {id: pid}) CREATE (i)-[:WITH]->(p) } "
    "CALL (i, r) { UNWIND r.customers AS pid MATCH (c:Customer {id: pid}) "
    "CREATE (i)-[:WITH]->(c) SET c.lastInteractionAt = CASE WHEN c.lastInteractionAt IS NULL "
    "OR c.lastInteractionAt < i.occurredAt THEN i.occurredAt ELSE c.lastInteractionAt END }"
)
