"""GDPR erasure and subject access: the Cypher behind eraseCustomer, eraseContact and
exportSubjectData (resolvers/writes/gdpr.py orchestrates, in one transaction)."""

from __future__ import annotations

from graphdb import rankings
from graphdb.ownership import owned
from graphdb.writes.nodes import label

ERASABLE_TYPES = ("Customer", "Contact")


def _label(type_name: str) -> str:
    if type_name not in ERASABLE_TYPES:
        raise ValueError(f"a {type_name} is not a person")
    return label(type_name)


def properties(type_name: str) -> str:
    """The stored properties of person `$id`, and whether a placeholder must keep history."""
    keeps = (
        "EXISTS { (n)-[:PLACED]->(:Order) } OR EXISTS { (n)-[:REFERRED]-() }"
        if type_name == "Customer"
        else "EXISTS { (n)-[:REFERRED]->() }"
    )
    return (
        f"MATCH (n:{_label(type_name)} {{id: $id}}) "
        f"RETURN properties(n) AS props, {keeps} AS needsPlaceholder"
    )


#: the anonymous customer `$placeholderId` taking over the orders and referrals of `$id`; its
#: stored aggregates are the erased customer's, so revenue figures do not move
CUSTOMER_PLACEHOLDER = (
    "MATCH (c:Customer {id: $id}) "
    "CREATE (p:Customer:Erased {id: $placeholderId, externalId: 'erased-' + $placeholderId, "
    "name: 'Erased customer', kind: c.kind, lifecycleStage: 'CHURNED', "
    "orderCount: coalesce(c.orderCount, 0), totalSpent: coalesce(c.totalSpent, 0), "
    "firstOrderAt: c.firstOrderAt, lastOrderAt: c.lastOrderAt, "
    "createdAt: $now, updatedAt: $now, version: 1}) "
    "WITH c, p "
    "CALL (c, p) { MATCH (c)-[r:PLACED]->(o:Order) CREATE (p)-[:PLACED]->(o) DELETE r } "
    "CALL (c, p) { MATCH (c)-[r:REFERRED]->(x:Customer) "
    "CREATE (p)-[r2:REFERRED]->(x) SET r2 = properties(r) REMOVE r2.note DELETE r } "
    "CALL (c, p) { MATCH (x)-[r:REFERRED]->(c) "
    "CREATE (x)-[r2:REFERRED]->(p) SET r2 = properties(r) REMOVE r2.note DELETE r }"
)

#: the anonymous contact `$placeholderId` taking over the referrals contact `$id` made
CONTACT_PLACEHOLDER = (
    "MATCH (c:Contact {id: $id}) "
    "CREATE (p:Contact:Erased {id: $placeholderId, firstName: 'Erased', lastName: 'contact', "
    "fullName: 'Erased contact', createdAt: $now, updatedAt: $now, version: 1}) "
    "WITH c, p "
    "CALL (c, p) { MATCH (c)-[r:REFERRED]->(x:Customer) "
    "CREATE (p)-[r2:REFERRED]->(x) SET r2 = properties(r) REMOVE r2.note DELETE r }"
)

_SCRUB = "reduce(s = i.{f}, v IN $values | replace(s, v, $erased))"


def leave_interactions(type_name: str) -> str:
    """Take person `$id` out of their interactions, scrubbing `$values` from the texts; returns
    the interactions touched."""
    return (
        f"MATCH (n:{_label(type_name)} {{id: $id}})<-[w:WITH]-(i:Interaction) DELETE w "
        "WITH DISTINCT i "
        f"SET i.subject = {_SCRUB.format(f='subject')}, "
        f"i.summary = {_SCRUB.format(f='summary')}, "
        f"i.outcome = {_SCRUB.format(f='outcome')}, "
        "i.version = i.version + 1, i.updatedAt = $now "
        "RETURN i.id AS id"
    )


#: interactions among `$ids` left with no participant keep only a redacted summary
REDACT_ORPHANED = (
    "UNWIND $ids AS iid MATCH (i:Interaction {id: iid}) "
    "WHERE NOT EXISTS { (i)-[:WITH]->() } "
    "SET i.summary = CASE WHEN i.summary IS NULL THEN null ELSE $erased END "
    "RETURN i.id AS id"
)


def delete_person(type_name: str) -> str:
    """Delete person `$id` with their consent records and every relationship; a customer
    leaves the revenue histogram (its placeholder has taken the revenue over)."""
    return (
        f"MATCH (n:{_label(type_name)} {{id: $id}}) "
        f"{rankings.forget_revenue('n') if type_name == 'Customer' else ''}"
        "CALL (n) { MATCH (n)-[:HAS_CONSENT]->(c:Consent) DETACH DELETE c } "
        "DETACH DELETE n"
    )


TOMBSTONE = "CREATE (t:Tombstone) SET t = $props"

#: audit events that are about `$id`, about one of `$related`, or that mention one of `$needles`
#: (lower case; matched case-insensitively)
AUDIT_TO_REDACT = (
    "MATCH (e:AuditEvent) WHERE e.entityId = $id OR e.entityId IN $related "
    "OR any(v IN $needles WHERE toLower(e.changes) CONTAINS v) "
    "RETURN e.id AS id, e.entityId AS entityId, e.changes AS changes"
)

#: replace the `changes` of events (`$events`: {id, changes})
AUDIT_REWRITE = "UNWIND $events AS u MATCH (e:AuditEvent {id: u.id}) SET e.changes = u.changes"

#: records the erasure deals with on its own (the audit trail is JSON, redacted field by field;
#: the tombstone is written scrubbed) or that are no one's free text
_NOT_FREE_TEXT = ("AuditEvent", "Tombstone", "ApiKey", "RapportMigration")

_HOLDS = (
    "any(k IN keys(x) WHERE x[k] IS :: STRING "
    "AND any(v IN $needles WHERE toLower(x[k]) CONTAINS v))"
)

#: every node and relationship with a string property holding one of `$needles` (lower case):
#: free text where a user pasted the person (another customer's leadSource, a note, a saved
#: segment's filter, name or description); a scan of the whole graph, as erasure is rare
FREE_TEXT_HOLDING = (
    "CALL () { MATCH (x) WHERE NOT (x:"
    + " OR x:".join(_NOT_FREE_TEXT)
    + ") AND "
    + _HOLDS
    + " RETURN 'node' AS kind, elementId(x) AS eid, labels(x) AS labels, properties(x) AS props "
    "UNION ALL MATCH ()-[x]->() WHERE "
    + _HOLDS
    + " RETURN 'rel' AS kind, elementId(x) AS eid, [type(x)] AS labels, properties(x) AS props } "
    "RETURN kind, eid, labels, props"
)

#: write the scrubbed properties back (`$rows`: {eid, props}); a versioned record gets a new
#: version, so a process that cached it (the segment registry) reloads it
FREE_TEXT_REWRITE_NODES = (
    "UNWIND $rows AS r MATCH (x) WHERE elementId(x) = r.eid SET x += r.props, "
    "x.version = CASE WHEN x.version IS NULL THEN null ELSE x.version + 1 END, "
    "x.updatedAt = CASE WHEN x.updatedAt IS NULL THEN null ELSE $now END"
)
FREE_TEXT_REWRITE_RELS = (
    "UNWIND $rows AS r MATCH ()-[x]->() WHERE elementId(x) = r.eid SET x += r.props"
)

# --- subject access -------------------------------------------------------------------------

_COMMON = (
    "profile: properties(n), "
    "consents: COLLECT { MATCH (n)-[:HAS_CONSENT]->(x:Consent) "
    "RETURN properties(x) AS row ORDER BY x.recordedAt, x.id }, "
    "interactions: COLLECT { MATCH (n)<-[:WITH]-(i:Interaction) "
    "WITH i ORDER BY i.occurredAt, i.id "
    "RETURN i {.*, loggedBy: [(i)<-[:LOGGED]-(u:User) | u.name][0], "
    "participants: [(i)-[:WITH]->(p) | {type: CASE WHEN p:Customer THEN 'Customer' "
    "ELSE 'Contact' END, id: p.id, name: coalesce(p.fullName, p.name)}]} AS row }, "
    "referredBy: COLLECT { MATCH (x)-[r:REFERRED]->(n) "
    "RETURN r {.referredAt, .channel, .note, type: CASE WHEN x:Customer THEN 'Customer' "
    "ELSE 'Contact' END, id: x.id, name: coalesce(x.fullName, x.name)} AS row }, "
    "referred: COLLECT { MATCH (n)-[r:REFERRED]->(x:Customer) WITH r, x "
    "ORDER BY r.referredAt, x.id "
    "RETURN r {.referredAt, .channel, .note, id: x.id, name: x.name} AS row }, "
    "tags: COLLECT { MATCH (n)-[:TAGGED]->(g:Tag) RETURN g.name AS name ORDER BY name }, "
    "audit: COLLECT { MATCH (e:AuditEvent {entityId: n.id}) WITH e ORDER BY e.at, e.id "
    "RETURN e {.*} AS row }"
)

_BY_TYPE = {
    "Customer": (
        "accountManager: [(n)<-[:MANAGES]-(u:User) | u {.id, .name, .email}][0], "
        "company: [(n)-[:ACCOUNT_OF]->(co:Company) | co {.id, .name}][0], "
        "orders: COLLECT { MATCH (n)-[:PLACED]->(o:Order) WITH o ORDER BY o.placedAt, o.id "
        "RETURN o {.id, .externalId, .placedAt, .status, .currency, .total, "
        "lines: COLLECT { MATCH (o)-[l:CONTAINS]->(p:Product) WITH l, p ORDER BY l.position "
        "RETURN {sku: p.sku, name: p.name, quantity: l.quantity, unitPrice: l.unitPrice} "
        "AS line }} AS row }"
    ),
    "Contact": (
        "employments: COLLECT { MATCH (n)-[w:WORKS_AT]->(co:Company) "
        "WITH w, co ORDER BY w.startedOn, co.id "
        "RETURN w {.jobTitle, .department, .seniority, .decisionRole, .startedOn, .endedOn, "
        "companyId: co.id, company: co.name} AS row }, "
        "reportsTo: [(n)-[:REPORTS_TO]->(m:Contact) | m {.id, .fullName}][0], "
        "knows: COLLECT { MATCH (n)-[k:KNOWS]-(o:Contact) "
        "RETURN k {.strength, .since, id: o.id, fullName: o.fullName} AS row }"
    ),
}


def export(type_name: str, *, check_owner: bool) -> str:
    """Everything held about person `$id`, as one map (`doc`), and whether the viewer
    `$viewerId` may have it (`allowed`; always true without `check_owner`)."""
    allowed = "true"
    if check_owner:
        allowed = owned(type_name)
    return (
        f"MATCH (n:{_label(type_name)} {{id: $id}}) "
        f"RETURN {{{_COMMON}, {_BY_TYPE[type_name]}}} AS doc, {allowed} AS allowed"
    )
