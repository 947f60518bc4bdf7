"""The statements of `rapport seed`: one UNWIND statement per batch of generated rows, the
checks `seed --if-empty` and `seed --wipe` make, and the wipe itself (rapport/seed/load.py
generates the rows and hands them over).

Labels and relationship types come only from the model's whitelists; temporal properties are
sent as ISO strings and parsed here, so the driver does not convert Python datetimes one by one.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.model import ENTITIES
from graphdb.driver import Graph
from graphdb.labels import ENTITY_LABELS

#: Relationship types a seed row may create: the model's relations, order lines and referrals.
REL_TYPES = frozenset(
    {rel.type for entity in ENTITIES.values() for rel in entity.rels.values()}
    | {"CONTAINS", "REFERRED"}
)

#: How a temporal property is parsed from its ISO string.
_PARSERS = frozenset({"date", "datetime"})

#: Labels deleted first when wiping: children before parents keeps each transaction's
#: DETACH DELETE small (an Order takes its few lines along, a Product is deleted bare).
_WIPE_ORDER = (
    "Order",
    "Interaction",
    "Consent",
    "Contact",
    "Customer",
    "Company",
    "Product",
    "Tag",
    "User",
)

#: Infrastructure that `wipe_graph` never deletes.
KEPT_LABELS = ("RapportMigration", "RapportLock", "ApiKey")


def _label(label: str) -> str:
    if label not in ENTITY_LABELS:
        raise ValueError(f"unknown node label {label!r}")
    return label


def _conversions(var: str, source: str, temporal: Mapping[str, str]) -> str:
    for name, parser in temporal.items():
        if parser not in _PARSERS or not name.isidentifier():
            raise ValueError(f"bad temporal property {name!r}: {parser!r}")
    return "".join(f", {var}.{name} = {fn}({source}.{name})" for name, fn in temporal.items())


def node_statement(label: str, temporal: Mapping[str, str]) -> str:
    """Create one `label` node per row (`$rows`, properties as they are); returns `written`.

    `temporal` names the properties sent as ISO strings and their parser (`date`, `datetime`).
    """
    label = _label(label)
    if label == "User":
        # A seeded user who holds an API key survives `--wipe --force` (credentials are kept);
        # seeding again updates that user instead of colliding with it half-way.
        return (
            f"UNWIND $rows AS r MERGE (n:User {{email: r.email}}) SET n += r"
            f"{_conversions('n', 'r', temporal)} RETURN count(*) AS written"
        )
    return (
        f"UNWIND $rows AS r CREATE (n:{label}) SET n = r{_conversions('n', 'r', temporal)} "
        "RETURN count(*) AS written"
    )


def rel_statement(source: str, rel_type: str, target: str, temporal: Mapping[str, str]) -> str:
    """Create one relationship per row `{a, b, p}`: endpoints matched by id, properties `p`."""
    if rel_type not in REL_TYPES:
        raise ValueError(f"unknown relationship type {rel_type!r}")
    source, target = _label(source), _label(target)
    return (
        f"UNWIND $rows AS r MATCH (a:{source} {{id: r.a}}) MATCH (b:{target} {{id: r.b}}) "
        f"CREATE (a)-[x:{rel_type}]->(b) SET x = r.p{_conversions('x', 'r.p', temporal)} "
        "RETURN count(*) AS written"
    )


_FOREIGN_CREDENTIALS = (
    "CALL { MATCH (u:User) WHERE NOT u.email ENDS WITH $domain RETURN count(u) AS users } "
    "CALL { MATCH (k:ApiKey) RETURN count(k) AS keys } RETURN users, keys"
)

_ANY_CUSTOMER = "MATCH (c:Customer) RETURN c.id AS id LIMIT 1"


async def foreign_credentials(graph: Graph, seeded_domain: str) -> tuple[int, int]:
    """(users whose e-mail does not end with `seeded_domain`, API keys)."""
    rows = await graph.read(_FOREIGN_CREDENTIALS, {"domain": seeded_domain})
    return int(rows[0]["users"]), int(rows[0]["keys"])


async def has_customers(graph: Graph) -> bool:
    rows = await graph.read(_ANY_CUSTOMER)
    return bool(rows)


async def wipe_graph(graph: Graph, *, batch_size: int = 10_000) -> int:
    """Delete the data graph in bounded transactions; returns the number of nodes deleted.

    Kept: migration records, application locks, API keys and the users holding them (wiping
    credentials would lock every client out of a running server). Labels go in dependency
    order, so a node with many relationships (a popular Product, a Tag) is deleted only after
    the nodes pointing at it, and no transaction detaches an unbounded number of relationships.
    """
    labels = [*_WIPE_ORDER, *(label for label in ENTITY_LABELS if label not in _WIPE_ORDER)]
    deleted = 0
    for label in labels:
        statement = (
            f"MATCH (n:{label}) WHERE NOT (n)-[:HAS_KEY]->() WITH n LIMIT $limit "
            "DETACH DELETE n RETURN count(*) AS deleted"
        )
        deleted += await _delete_until_empty(graph, statement, batch_size)
    deleted += await _delete_until_empty(
        graph,
        f"MATCH (n) WHERE NOT n:{' AND NOT n:'.join(KEPT_LABELS)} "
        "AND NOT (n:User AND (n)-[:HAS_KEY]->()) WITH n LIMIT $limit "
        "DETACH DELETE n RETURN count(*) AS deleted",
        batch_size,
    )
    return deleted


async def _delete_until_empty(graph: Graph, statement: str, batch_size: int) -> int:
    total = 0
    while True:
        rows = await graph.write(statement, {"limit": batch_size})
        deleted = int(rows[0]["deleted"]) if rows else 0
        total += deleted
        if deleted < batch_size:
            return total
