"""Statements every entity shares: lock, look up, create, update, delete by id.

Locking: Neo4j 5 runs at read-committed isolation, so a version check is only safe after this
transaction holds the node's write lock. Setting and removing a dummy property takes that lock
(a REMOVE of an absent property alone does not, and `SET n.version = n.version` reads the old
value before it waits); the lock is held to commit, and the *next* statement reads the value the
previous holder committed. tests/test_mutations_locking.py pins this behaviour down.
"""

from __future__ import annotations

from core.model import ENTITIES
from graphdb import rankings


def label(type_name: str) -> str:
    """The whitelisted label of an entity type (KeyError for anything else)."""
    return ENTITIES[type_name].label


def prop(type_name: str, name: str) -> str:
    """A whitelisted property name of an entity type (KeyError for anything else)."""
    return ENTITIES[type_name].props[name].name


def lock(type_name: str) -> str:
    """Write-lock the nodes with ids `$ids`; returns the ids that exist."""
    return (
        f"UNWIND $ids AS id MATCH (n:{label(type_name)} {{id: id}}) "
        "SET n._lock = true REMOVE n._lock RETURN n.id AS id"
    )


def find(type_name: str) -> str:
    """The ids among `$ids` that exist, without locking (for read-only references)."""
    return f"UNWIND $ids AS id MATCH (n:{label(type_name)} {{id: id}}) RETURN n.id AS id"


def version(type_name: str) -> str:
    """The committed version of node `$id`; run it after `lock`."""
    return f"MATCH (n:{label(type_name)} {{id: $id}}) RETURN n.version AS version"


def country(type_name: str, key: str = "id") -> str:
    """The stored address country of the node whose `key` (its id, or a natural key such as
    `externalId` for upserts) equals `$value`: how its phone numbers are read."""
    return (
        f"MATCH (n:{label(type_name)} {{{prop(type_name, key)}: $value}}) "
        "RETURN n.country AS country LIMIT 1"
    )


def find_by(type_name: str, key: str) -> str:
    """The id of the node whose natural key (`externalId`, `sku`, `email`) equals `$value`."""
    return (
        f"MATCH (n:{label(type_name)} {{{prop(type_name, key)}: $value}}) RETURN n.id AS id LIMIT 1"
    )


def create(type_name: str) -> str:
    """A new node from `$props` (which carries id, createdAt, updatedAt and version 1)."""
    return f"CREATE (n:{label(type_name)}) SET n = $props"


def create_unless_taken(type_name: str, key: str) -> str:
    """`create`, unless a node already has the natural key `key` = `$value`: the check and the
    write in one round trip. Returns the holder's id as `taken` (null: created). A concurrent
    insert of the same key still meets the unique constraint (resolvers/writes/_tx.py)."""
    return (
        f"OPTIONAL MATCH (d:{label(type_name)} {{{prop(type_name, key)}: $value}}) "
        "WITH d LIMIT 1 "
        f"FOREACH (_ IN CASE WHEN d IS NULL THEN [1] ELSE [] END | "
        f"CREATE (n:{label(type_name)}) SET n = $props) "
        "RETURN d.id AS taken"
    )


def update(type_name: str) -> str:
    """Apply `$props` (null removes a property), bump the version, stamp updatedAt: only when
    some value differs. An update that changes nothing is no change: same version, no audit."""
    return (
        f"MATCH (n:{label(type_name)} {{id: $id}}) "
        "WITH n, [k IN keys($props) WHERE NOT coalesce(n[k] = $props[k], "
        "n[k] IS NULL AND $props[k] IS NULL)] AS changed "
        "FOREACH (_ IN CASE WHEN size(changed) > 0 THEN [1] ELSE [] END | "
        "SET n += $props, n.version = n.version + 1, n.updatedAt = $now)"
    )


def detach_delete(type_name: str) -> str:
    """Delete node `$id`, its relationships and the records it owns: consents, and a user's
    API keys (which would otherwise outlive the person they authenticated). A customer leaves
    the revenue histogram (graphdb/rankings) with its revenue."""
    return (
        f"MATCH (n:{label(type_name)} {{id: $id}}) "
        f"{rankings.forget_revenue('n') if type_name == 'Customer' else ''}"
        "CALL (n) { MATCH (n)-[:HAS_CONSENT]->(c:Consent) DETACH DELETE c } "
        "CALL (n) { MATCH (n)-[:HAS_KEY]->(k:ApiKey) DETACH DELETE k } "
        "DETACH DELETE n"
    )


def merge_by(type_name: str, key: str) -> str:
    """The node whose unique natural key equals `$value`, created from `$props` if missing.

    Relies on the key's unique constraint: concurrent MERGEs of one value then queue, and exactly
    one creates. Returns the node's id (equal to `$props.id` when this statement created it).
    """
    return (
        f"MERGE (n:{label(type_name)} {{{prop(type_name, key)}: $value}}) "
        "ON CREATE SET n += $props RETURN n.id AS id"
    )
