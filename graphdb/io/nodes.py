"""The node upsert of an imported batch (customers, companies, contacts, products), and the
lookup of merged-away customer externalIds (aliases)."""

from __future__ import annotations

import functools

from core.model import ENTITIES

#: the labels an import writes nodes of, and the key properties it finds them by
UPSERT_KEYS = {
    "Customer": ("externalId",),
    "Company": ("registrationNumber", "domain", "externalId"),
    "Contact": ("email",),
    "Product": ("sku",),
}


@functools.cache
def upsert_statement(label: str, key_prop: str, temporal: tuple[tuple[str, str], ...] = ()) -> str:
    """Create or update `$rows` ({key, props, temporal}) by `key_prop` at `$now` (ISO,
    parsed once per batch); new nodes start from `$defaults`.

    `temporal` names the label's imported date/datetime properties and the Cypher function
    that parses each ('date' or 'datetime'). `props` hold plain values (null removes a
    property); `temporal` ISO strings, parsed here (labels without imported temporal
    properties send no `temporal`).
    A stored node changes (version + 1, updatedAt) only when some value really differs. A new
    node's id is a random UUID (v4, lower-case, as `global_id.new_raw_id` makes) drawn by
    Neo4j: no id is made or sent for the rows that already exist.
    """
    if key_prop not in UPSERT_KEYS.get(label, ()):
        raise ValueError(f"an import does not upsert {label} by {key_prop}")
    props = ENTITIES[label].props
    for name, fn in temporal:
        if name not in props or fn not in ("date", "datetime"):
            raise ValueError(f"{label}.{name} is not an imported {fn}")
    differs = [
        "any(k IN keys(r.props) WHERE (e[k] IS NULL) <> (r.props[k] IS NULL) OR e[k] <> r.props[k])"
    ]
    sets = []
    for name, fn in temporal:
        differs.append(
            f"(r.temporal.{name} IS NOT NULL AND "
            f"(e.{name} IS NULL OR e.{name} <> {fn}(r.temporal.{name})))"
        )
        sets.append(f", n.{name} = coalesce({fn}(r.temporal.{name}), n.{name})")
    set_temporal = "".join(sets)
    return (
        "WITH datetime($now) AS now UNWIND $rows AS r "
        f"CALL (r) {{ OPTIONAL MATCH (e:{label} {{{key_prop}: r.key}}) RETURN e LIMIT 1 }} "
        f"WITH r, e, now, e IS NOT NULL AND ({' OR '.join(differs)}) AS changed "
        "CALL (r, e, now) { WITH r, e, now WHERE e IS NULL "
        f"CREATE (n:{label}) SET n = $defaults, n += r.props{set_temporal}, "
        "n.id = randomUUID(), n.createdAt = now, n.updatedAt = now, n.version = 1 } "
        "CALL (r, e, changed, now) { WITH r, e, changed, now WHERE changed "
        f"WITH r, e AS n, now SET n += r.props{set_temporal}, "
        "n.version = n.version + 1, n.updatedAt = now } "
        "RETURN sum(CASE WHEN e IS NULL THEN 1 ELSE 0 END) AS created, "
        "sum(CASE WHEN changed THEN 1 ELSE 0 END) AS updated, count(*) AS total"
    )


#: label → (its upsert key, the list property holding merged-away keys, that list's full-text
#: index; migration 16)
ALIASED = {
    "Customer": ("externalId", "externalIdAliases", "customer_externalid_aliases"),
    "Contact": ("email", "emailAliases", "contact_email_aliases"),
}


def alias_query(value: str) -> str:
    """The full-text query (Lucene syntax) for exactly `value` in a `keyword`-analysed index:
    one quoted term, so no character of it is query syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.cache
def aliases_statement(label: str) -> str:
    """For each `$keys` entry {key, query} (query: `alias_query(key)`) that no `label` node has
    as its key but a kept node lists among its aliases: `alias` (the key) and `kept` (the kept
    node's key). An index seek per key (the full-text index of migration 16), confirmed by an
    exact list membership test."""
    key_prop, aliases_prop, index = ALIASED[label]
    return (
        f"UNWIND $keys AS r OPTIONAL MATCH (e:{label} {{{key_prop}: r.key}}) "
        "WITH r WHERE e IS NULL "
        f"CALL db.index.fulltext.queryNodes('{index}', r.query) YIELD node "
        f"WITH r, node WHERE node:{label} AND r.key IN node.{aliases_prop} "
        f"RETURN r.key AS alias, min(node.{key_prop}) AS kept"
    )
