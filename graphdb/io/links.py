"""Graph links an imported row makes: a customer's company, account manager, tags and consents;
a contact's company (employment) and manager (REPORTS_TO). Every statement takes a batch.

Companies are named by `keyProp` (registrationNumber, domain, externalId, name) and `value`;
each key property has its own subquery so that each one is an index seek.
"""

from __future__ import annotations

#: ids of the companies each `$rows` entry ({i, keyProp, value}) names (a name may name several)
FIND_COMPANIES = (
    "UNWIND $rows AS r "
    "CALL (r) { OPTIONAL MATCH (co:Company {registrationNumber: r.value}) "
    "WHERE r.keyProp = 'registrationNumber' RETURN collect(co.id) AS a } "
    "CALL (r) { OPTIONAL MATCH (co:Company {domain: r.value}) WHERE r.keyProp = 'domain' "
    "RETURN collect(co.id) AS b } "
    "CALL (r) { OPTIONAL MATCH (co:Company {externalId: r.value}) WHERE r.keyProp = 'externalId' "
    "RETURN collect(co.id) AS c } "
    "CALL (r) { OPTIONAL MATCH (co:Company {name: r.value}) WHERE r.keyProp = 'name' "
    "RETURN collect(co.id) AS d } "
    "RETURN r.i AS i, a + b + c + d AS ids"
)

#: for each customer row {key, companyId, manager}: whether the manager exists, and which other
#: customer (if any) already holds the company as its account
CHECK_CUSTOMER_LINKS = (
    "UNWIND $rows AS r "
    "OPTIONAL MATCH (u:User {email: r.manager}) "
    "RETURN r.key AS key, u IS NOT NULL AS managerFound, "
    "head([(co:Company {id: r.companyId})<-[:ACCOUNT_OF]-(h:Customer) "
    "WHERE h.externalId <> r.key | h.externalId]) AS holder"
)

#: link the customers `$rows` ({key, companyId, manager, tags}); how many changed
LINK_CUSTOMERS = (
    "UNWIND $rows AS r MATCH (c:Customer {externalId: r.key}) "
    "CALL (c, r) { "
    "  OPTIONAL MATCH (co:Company {id: r.companyId}) "
    "  WITH c, co WHERE co IS NOT NULL AND NOT (c)-[:ACCOUNT_OF]->(co) "
    "  OPTIONAL MATCH (c)-[old:ACCOUNT_OF]->(:Company) DELETE old "
    "  WITH DISTINCT c, co MERGE (c)-[:ACCOUNT_OF]->(co) RETURN count(*) AS companies } "
    "CALL (c, r) { "
    "  OPTIONAL MATCH (u:User {email: r.manager}) "
    "  WITH c, u WHERE u IS NOT NULL AND NOT (u)-[:MANAGES]->(c) "
    "  OPTIONAL MATCH (c)<-[old:MANAGES]-(:User) DELETE old "
    "  WITH DISTINCT c, u MERGE (u)-[:MANAGES]->(c) RETURN count(*) AS managers } "
    "CALL (c, r) { "
    "  UNWIND r.tags AS name MERGE (g:Tag {key: toLower(name)}) "
    "  ON CREATE SET g.id = randomUUID(), g.name = name, g.createdAt = datetime($now), "
    "  g.updatedAt = datetime($now), g.version = 1 "
    "  WITH c, g WHERE NOT (c)-[:TAGGED]->(g) MERGE (c)-[:TAGGED]->(g) RETURN count(*) AS tags } "
    "CALL (c, r) { "
    "  UNWIND r.consents AS k "
    "  CALL (c, k) { OPTIONAL MATCH (c)-[:HAS_CONSENT]->(x:Consent) "
    "    WHERE x.channel = k.channel AND x.purpose = k.purpose "
    "    WITH x ORDER BY x.recordedAt DESC, x.createdAt DESC LIMIT 1 RETURN x } "
    "  WITH c, k, x WHERE x IS NULL OR (x.granted <> k.granted AND "
    "    (k.recordedAt IS NULL OR datetime(k.recordedAt) > x.recordedAt)) "
    "  CREATE (c)-[:HAS_CONSENT]->(n:Consent) "
    "  SET n.id = randomUUID(), n.channel = k.channel, n.purpose = k.purpose, "
    "  n.granted = k.granted, n.recordedAt = datetime(coalesce(k.recordedAt, $now)), "
    "  n.source = k.source, n.createdAt = datetime($now), n.updatedAt = datetime($now), "
    "  n.version = 1 "
    "  RETURN count(*) AS consents } "
    "RETURN sum(CASE WHEN companies + managers + tags + consents > 0 THEN 1 ELSE 0 END) AS linked"
)

#: the contact each `$refs` entry ({by: 'email' | 'externalId', value}) names, if any
FIND_CONTACTS = (
    "UNWIND $refs AS r "
    "CALL (r) { OPTIONAL MATCH (p:Contact {email: r.value}) WHERE r.by = 'email' "
    "RETURN min(p.id) AS a } "
    "CALL (r) { OPTIONAL MATCH (p:Contact {externalId: r.value}) WHERE r.by = 'externalId' "
    "RETURN min(p.id) AS b } "
    "RETURN r.by AS by, r.value AS value, coalesce(a, b) AS id"
)

#: make contact `$email` report to contact `$managerId` unless that is themselves, already so,
#: or closes a loop in the org chart; answers which ('self', 'same', 'cycle', 'set')
SET_MANAGER = (
    "MATCH (p:Contact {email: $email}) MATCH (m:Contact {id: $managerId}) "
    "WITH p, m, CASE WHEN p = m THEN 'self' "
    "WHEN EXISTS { (p)-[:REPORTS_TO]->(m) } THEN 'same' "
    "WHEN EXISTS { (m)-[:REPORTS_TO*1..]->(p) } THEN 'cycle' ELSE 'set' END AS status "
    "CALL (p, m, status) { WITH p, m, status WHERE status = 'set' "
    "  OPTIONAL MATCH (p)-[old:REPORTS_TO]->(:Contact) DELETE old "
    "  WITH DISTINCT p, m CREATE (p)-[:REPORTS_TO]->(m) } "
    "RETURN status"
)

#: for each `$rows` entry {i, contactBy, contact, companyId}: the contact's id, and the
#: properties of its WORKS_AT to the company if there is one
FIND_JOBS = (
    "UNWIND $rows AS r "
    "CALL (r) { OPTIONAL MATCH (p:Contact {email: r.contact}) WHERE r.contactBy = 'email' "
    "RETURN min(p.id) AS byEmail } "
    "CALL (r) { OPTIONAL MATCH (p:Contact {externalId: r.contact}) "
    "WHERE r.contactBy = 'externalId' RETURN min(p.id) AS byExternalId } "
    "WITH r, coalesce(byEmail, byExternalId) AS contactId "
    "OPTIONAL MATCH (:Contact {id: contactId})-[w:WORKS_AT]->(:Company {id: r.companyId}) "
    "RETURN r.i AS i, contactId, w IS NOT NULL AS exists, properties(w) AS props"
)

#: create or update the WORKS_AT of each `$rows` entry (dates as ISO text, set when `has*`)
SET_JOBS = (
    "UNWIND $rows AS r MATCH (p:Contact {id: r.contactId}), (co:Company {id: r.companyId}) "
    "MERGE (p)-[w:WORKS_AT]->(co) ON CREATE SET w.createdAt = datetime(r.now) "
    "SET w += r.props, w.updatedAt = datetime(r.now), "
    "w.startedOn = CASE WHEN r.hasStarted THEN date(r.startedOn) ELSE w.startedOn END, "
    "w.endedOn = CASE WHEN r.hasEnded THEN date(r.endedOn) ELSE w.endedOn END"
)
