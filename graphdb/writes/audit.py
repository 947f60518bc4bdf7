"""The audit trail: what a record looked like around a mutation, and the AuditEvent written.

`state(type)` reads one record as the audit sees it: its own properties plus the relationships
the write path changes (a contact's jobs, a customer's manager, tags, consents…), so that every
mutation's before/after comes out of the same two reads, whatever the mutation did. Related
records are returned as `{k, ref, id, v, many}` items (`ref` names the type of `id`, so the
caller can turn it into a global id); resolvers/writes/_audit.py turns them into flat fields.
"""

from __future__ import annotations

from graphdb import ownership
from graphdb.writes.nodes import label, prop

_EITHER = "CASE WHEN x:Customer THEN 'Customer' ELSE 'Contact' END"

_TAGS = "[{k: 'tags', v: [(n)-[:TAGGED]->(g:Tag) | g.name]}]"
_CONSENTS = (
    "[(n)-[:HAS_CONSENT]->(x:Consent) | {k: 'consent', many: true, ref: 'Consent', id: x.id, "
    "v: x {.channel, .purpose, .granted, .recordedAt, .source}}]"
)

#: relationship items per entity type (pattern comprehensions over the record `n`)
_RELATED: dict[str, tuple[str, ...]] = {
    "Customer": (
        "[(n)-[:ACCOUNT_OF]->(x:Company) | {k: 'company', ref: 'Company', id: x.id}]",
        "[(n)<-[:MANAGES]-(x:User) | {k: 'accountManager', ref: 'User', id: x.id}]",
        f"[(n)<-[r:REFERRED]-(x) | {{k: 'referredBy', ref: {_EITHER}, id: x.id, "
        "v: r {.referredAt, .channel, .note}}]",
        _TAGS,
        _CONSENTS,
    ),
    "Contact": (
        "[(n)-[r:WORKS_AT]->(x:Company) | {k: 'employment', many: true, ref: 'Company', "
        "id: x.id, v: r {.jobTitle, .department, .seniority, .decisionRole, .startedOn, "
        ".endedOn}}]",
        "[(n)-[:REPORTS_TO]->(x:Contact) | {k: 'reportsTo', ref: 'Contact', id: x.id}]",
        "[(n)-[r:KNOWS]-(x:Contact) | {k: 'knows', many: true, ref: 'Contact', id: x.id, "
        "v: r {.strength, .since}}]",
        _TAGS,
        _CONSENTS,
    ),
    "Company": (_TAGS,),
    "Order": (
        "[(n)<-[:PLACED]-(x:Customer) | {k: 'customer', ref: 'Customer', id: x.id}]",
        "[{k: 'lines', v: [(n)-[c:CONTAINS]->(p:Product) | {position: c.position, "
        "product: p.id, quantity: c.quantity, unitPrice: c.unitPrice}]}]",
    ),
    "Interaction": (
        f"[{{k: 'participants', v: [(n)-[:WITH]->(x) | {_EITHER} + ':' + x.id]}}]",
        "[(n)<-[:LOGGED]-(x:User) | {k: 'loggedBy', ref: 'User', id: x.id}]",
    ),
}


#: natural keys a subject may be found by, beyond the model's whitelisted properties
#: (interactions are upserted by an externalId the read model does not expose)
_KEYS = {"id": "id", "idempotencyScope": "idempotencyScope", "externalId": "externalId"}


def _key(type_name: str, key: str) -> str:
    return _KEYS.get(key) or prop(type_name, key)


def state(type_name: str, key: str = "id") -> str:
    """The record whose `key` equals `$value`: `id`, `props` and `related` items (or no row)."""
    related = " + ".join(_RELATED.get(type_name, ())) or "[]"
    return (
        f"MATCH (n:{label(type_name)} {{{_key(type_name, key)}: $value}}) "
        f"RETURN n.id AS id, properties(n) AS props, {related} AS related LIMIT 1"
    )


def with_state(type_name: str, payload: str) -> str:
    """`payload` (a statement that returns one `row` or none) followed, in the same statement,
    by the `state` of record `$value`: a mutation's payload read and its audit "after" read in
    one round trip. The columns are `row`, `stateId`, `stateProps` and `stateRelated` (nulls
    where either part found nothing)."""
    return (
        f"OPTIONAL CALL () {{ {payload} }} "
        f"OPTIONAL CALL () {{ {state(type_name)} }} "
        "RETURN row, id AS stateId, props AS stateProps, related AS stateRelated"
    )


def states(type_name: str, key: str) -> str:
    """`state` for every value of `$values` at once (bulk import): rows also carry `value`."""
    related = " + ".join(_RELATED.get(type_name, ())) or "[]"
    return (
        f"UNWIND $values AS value MATCH (n:{label(type_name)} {{{_key(type_name, key)}: value}}) "
        f"RETURN value, n.id AS id, properties(n) AS props, {related} AS related"
    )


def lock_all(type_name: str, key: str) -> str:
    """Write-lock the records whose `key` is in `$values` (bulk import)."""
    return (
        f"UNWIND $values AS value MATCH (n:{label(type_name)} {{{_key(type_name, key)}: value}}) "
        "SET n._lock = true REMOVE n._lock"
    )


#: A new event is also `:ChangePending`: in the change log, not numbered yet. The first reader of
#: the feed after the commit numbers it (graphdb/changes.py), so no writer waits for another.
_NEW = "CREATE (e:AuditEvent:ChangePending) "


def record_all(type_name: str) -> str:
    """`record` for every event of `$events` (bulk import)."""
    return (
        "UNWIND $events AS event " + _NEW + "SET e = event, e.recordedAt = datetime.statement() "
        f"WITH e CALL (e) {{ MATCH (n:{label(type_name)} {{id: e.entityId}}) "
        "CREATE (e)-[:ABOUT]->(n) }"
    )


def create_recorded(type_name: str, key: str | None, payload: str | None) -> str:
    """A new node from `$props` with its AuditEvent `$event`, unless a node already has the
    natural key `key` = `$value`, followed by the `payload` read (a statement returning one
    `row`): a plain create in one round trip. Returns `taken`, the holder's id (null: created),
    and `row` (null when taken or without payload). A concurrent insert of the same key still
    meets the unique constraint."""
    taken = (
        f"OPTIONAL MATCH (d:{label(type_name)} {{{prop(type_name, key)}: $value}}) "
        "WITH d.id AS taken LIMIT 1 "
        if key is not None
        else "WITH null AS taken "
    )
    read = (
        f"WITH taken OPTIONAL CALL () {{ {payload} }} RETURN taken, row"
        if payload
        else ("RETURN taken, null AS row")
    )
    return (
        taken + "FOREACH (_ IN CASE WHEN taken IS NULL THEN [1] ELSE [] END | "
        f"CREATE (n:{label(type_name)}) SET n = $props "
        + _NEW
        + "SET e = $event, e.recordedAt = datetime.statement() CREATE (e)-[:ABOUT]->(n)) "
        + read
    )


def lock(type_name: str, key: str = "id") -> str:
    """Write-lock the record whose `key` equals `$value` (the next statement reads it fresh)."""
    return (
        f"MATCH (n:{label(type_name)} {{{_key(type_name, key)}: $value}}) "
        "SET n._lock = true REMOVE n._lock RETURN n.id AS id"
    )


def record(type_name: str) -> str:
    """A new AuditEvent from `$event`, ABOUT the record `$event.entityId` when it still exists."""
    return (
        _NEW + "SET e = $event, e.recordedAt = datetime.statement() "
        f"WITH e CALL (e) {{ MATCH (n:{label(type_name)} {{id: e.entityId}}) "
        "CREATE (e)-[:ABOUT]->(n) }"
    )


# --- authorization: is a record one of the viewer's accounts? ----------------------------------


def owned(type_name: str) -> str:
    """For each existing record among `$ids`: `id`, whether it is one of the accounts of
    `$viewerId` (`owned`), and whether making it part of them reveals nothing the viewer cannot
    already see (`clean`). Both by the one ownership rule of graphdb/ownership.py."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label(type_name)} {{id: id}}) "
        f"RETURN n.id AS id, {ownership.owned(type_name)} AS owned, "
        f"{ownership.brings_in_nothing_hidden(type_name)} AS clean"
    )
