"""mergeCustomers / mergeContacts: move everything of node `$mergeId` onto node `$keepId`.

Each statement handles one kind of relationship and runs in the merge's single transaction,
after both nodes are locked. "Move" means: create the same relationship (type, direction and
properties) on the kept node, then delete the merged node's; the merged node is deleted last, so
whatever a statement deliberately leaves behind (a duplicate, a self-loop, a losing referral)
goes with it. Parameters: `$keepId`, `$mergeId`; labels come from the whitelist.
"""

from __future__ import annotations

from core.model import ENTITIES
from graphdb.writes.nodes import label

# --- relationships that simply move (no uniqueness rule on the kept node's side) ----------------


def move_out(type_name: str, rel: str, target: str) -> str:
    """(m)-[:rel]->(x:target) becomes (k)-[:rel]->(x) with the same properties."""
    return (
        f"MATCH (k:{label(type_name)} {{id: $keepId}}), (m:{label(type_name)} {{id: $mergeId}}) "
        f"MATCH (m)-[r:{rel}]->(x:{label(target)}) WHERE x <> k "
        f"CREATE (k)-[r2:{rel}]->(x) SET r2 = properties(r) DELETE r "
        "RETURN count(r2) AS n"
    )


def move_out_once(type_name: str, rel: str, target: str) -> str:
    """Like move_out, but a target the kept node already points to keeps only the kept link
    (e.g. TAGGED: one tag once; REFERRED from a contact: impossible twice, kept for safety)."""
    return (
        f"MATCH (k:{label(type_name)} {{id: $keepId}}), (m:{label(type_name)} {{id: $mergeId}}) "
        f"MATCH (m)-[r:{rel}]->(x:{label(target)}) "
        f"WHERE x <> k AND NOT EXISTS {{ (k)-[:{rel}]->(x) }} "
        f"CREATE (k)-[r2:{rel}]->(x) SET r2 = properties(r) DELETE r "
        "RETURN count(r2) AS n"
    )


def move_in_once(type_name: str, rel: str, source: str) -> str:
    """(x:source)-[:rel]->(m) becomes (x)-[:rel]->(k), unless x already points to k
    (an interaction with both participants keeps one WITH)."""
    return (
        f"MATCH (k:{label(type_name)} {{id: $keepId}}), (m:{label(type_name)} {{id: $mergeId}}) "
        f"MATCH (x:{label(source)})-[r:{rel}]->(m) "
        f"WHERE x <> k AND NOT EXISTS {{ (x)-[:{rel}]->(k) }} "
        f"CREATE (x)-[r2:{rel}]->(k) SET r2 = properties(r) DELETE r "
        "RETURN count(r2) AS n"
    )


def move_in_if_none(type_name: str, rel: str, source: str) -> str:
    """(x:source)-[:rel]->(m) moves to k only when k has no such relationship yet (one account
    manager; one company per account)."""
    return (
        f"MATCH (k:{label(type_name)} {{id: $keepId}}), (m:{label(type_name)} {{id: $mergeId}}) "
        f"WHERE NOT EXISTS {{ (:{label(source)})-[:{rel}]->(k) }} "
        f"MATCH (x:{label(source)})-[r:{rel}]->(m) WHERE x <> k "
        f"WITH k, x, r LIMIT 1 "
        f"CREATE (x)-[r2:{rel}]->(k) SET r2 = properties(r) DELETE r "
        "RETURN count(r2) AS n"
    )


#: the merged customer's company becomes the kept one's only when the kept one is a BUSINESS
#: account without a company (an INDIVIDUAL cannot have one; one company per account)
MOVE_ACCOUNT_OF = (
    "MATCH (k:Customer {id: $keepId}), (m:Customer {id: $mergeId}) "
    "WHERE k.kind = 'BUSINESS' AND NOT EXISTS { (k)-[:ACCOUNT_OF]->(:Company) } "
    "MATCH (m)-[r:ACCOUNT_OF]->(co:Company) "
    "WITH k, co, r LIMIT 1 "
    "CREATE (k)-[r2:ACCOUNT_OF]->(co) SET r2 = properties(r) DELETE r "
    "RETURN count(r2) AS n"
)

# --- contacts: jobs, org chart, acquaintances ---------------------------------------------------

#: jobs: one WORKS_AT per person and company. A company both worked at keeps the kept
#: contact's job, its empty properties filled from the merged contact's job (which goes with the
#: merged contact); jobs elsewhere move with move_out_once(WORKS_AT).
FILL_SHARED_JOBS = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "MATCH (m)-[r:WORKS_AT]->(co:Company)<-[mine:WORKS_AT]-(k) "
    "WITH r, mine, properties(mine) AS own "
    "SET mine = properties(r) SET mine += own RETURN count(mine) AS n"
)

#: KNOWS is undirected and one per pair: ties to people the kept contact already knows (either
#: way round) and the tie between the two contacts are dropped; the rest move, same direction.
MOVE_KNOWS_OUT = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "MATCH (m)-[r:KNOWS]->(x:Contact) WHERE x <> k AND NOT EXISTS { (k)-[:KNOWS]-(x) } "
    "CREATE (k)-[r2:KNOWS]->(x) SET r2 = properties(r) DELETE r RETURN count(r2) AS n"
)
MOVE_KNOWS_IN = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "MATCH (x:Contact)-[r:KNOWS]->(m) WHERE x <> k AND NOT EXISTS { (k)-[:KNOWS]-(x) } "
    "CREATE (x)-[r2:KNOWS]->(k) SET r2 = properties(r) DELETE r RETURN count(r2) AS n"
)

#: everyone who reported to the merged contact now reports to the kept one (not the kept one
#: itself: that link between the two disappears)
MOVE_DIRECT_REPORTS = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "MATCH (x:Contact)-[r:REPORTS_TO]->(m) WHERE x <> k "
    "CREATE (x)-[r2:REPORTS_TO]->(k) SET r2 = properties(r) DELETE r RETURN count(r2) AS n"
)

#: managers of the two contacts, other than each other, and whether each would close a loop
#: once the two are one (a manager who reports, directly or not, to the other contact)
MANAGERS = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "OPTIONAL MATCH (k)-[:REPORTS_TO]->(bk:Contact) WHERE bk <> m "
    "OPTIONAL MATCH (m)-[:REPORTS_TO]->(bm:Contact) WHERE bm <> k "
    "RETURN bk.id AS keep, bm.id AS merge, "
    "bk IS NOT NULL AND EXISTS { (bk)-[:REPORTS_TO*1..]->(m) } AS keepLoops, "
    "bm IS NOT NULL AND EXISTS { (bm)-[:REPORTS_TO*1..]->(k) } AS mergeLoops"
)

#: drop the kept contact's REPORTS_TO links except the one to `$chosenId` (null: drop all)
DROP_OTHER_MANAGERS = (
    "MATCH (k:Contact {id: $keepId})-[r:REPORTS_TO]->(b:Contact) "
    "WHERE $chosenId IS NULL OR b.id <> $chosenId DELETE r RETURN count(r) AS n"
)

#: the kept contact takes over the merged contact's manager `$chosenId` (same properties)
ADOPT_MANAGER = (
    "MATCH (k:Contact {id: $keepId}), (m:Contact {id: $mergeId}) "
    "MATCH (m)-[old:REPORTS_TO]->(b:Contact {id: $chosenId}) "
    "CREATE (k)-[r2:REPORTS_TO]->(b) SET r2 = properties(old) DELETE old RETURN count(r2) AS n"
)

# --- customers: referrals -----------------------------------------------------------------------

#: referrers of the two customers, other than each other, and whether each would close a loop
#: once the two are one (a referrer downstream of the other customer)
REFERRERS = (
    "MATCH (k:Customer {id: $keepId}), (m:Customer {id: $mergeId}) "
    "OPTIONAL MATCH (xk)-[:REFERRED]->(k) WHERE (xk:Customer OR xk:Contact) AND xk <> m "
    "OPTIONAL MATCH (xm)-[:REFERRED]->(m) WHERE (xm:Customer OR xm:Contact) AND xm <> k "
    "RETURN xk.id AS keep, xm.id AS merge, "
    "xk IS NOT NULL AND EXISTS { (m)-[:REFERRED*1..]->(xk) } AS keepLoops, "
    "xm IS NOT NULL AND EXISTS { (k)-[:REFERRED*1..]->(xm) } AS mergeLoops"
)

#: drop the kept customer's incoming REFERRED except the one from `$chosenId` (null: drop all)
DROP_OTHER_REFERRERS = (
    "MATCH (x)-[r:REFERRED]->(k:Customer {id: $keepId}) "
    "WHERE $chosenId IS NULL OR x.id <> $chosenId DELETE r RETURN count(r) AS n"
)

#: the kept customer takes over the merged customer's referral by `$chosenId` (same properties)
ADOPT_REFERRER = (
    "MATCH (k:Customer {id: $keepId}), (m:Customer {id: $mergeId}) "
    "MATCH (x)-[old:REFERRED]->(m) WHERE x.id = $chosenId AND (x:Customer OR x:Contact) "
    "CREATE (x)-[r2:REFERRED]->(k) SET r2 = properties(old) DELETE old RETURN count(r2) AS n"
)

# --- what no rule above knows ------------------------------------------------------------------


def known_types(type_name: str) -> list[str]:
    return sorted(KNOWN[type_name])


KNOWN = {
    "Customer": {"PLACED", "WITH", "TAGGED", "HAS_CONSENT", "MANAGES", "ACCOUNT_OF", "REFERRED"},
    "Contact": {"WORKS_AT", "REPORTS_TO", "KNOWS", "WITH", "TAGGED", "HAS_CONSENT", "REFERRED"},
}


def move_other(type_name: str) -> str:
    """Relationships of a type no rule above handles (added by later features) move as they are,
    same type, direction and properties; links between the two nodes are dropped."""
    lb = label(type_name)
    return (
        f"MATCH (k:{lb} {{id: $keepId}}), (m:{lb} {{id: $mergeId}}) "
        "CALL (k, m) { "
        "  MATCH (m)-[r]->(x) WHERE x <> k AND NOT type(r) IN $known "
        "  CREATE (k)-[r2:$(type(r))]->(x) SET r2 = properties(r) DELETE r RETURN count(*) AS n "
        "UNION ALL "
        "  MATCH (x)-[r]->(m) WHERE x <> k AND NOT type(r) IN $known "
        "  CREATE (x)-[r2:$(type(r))]->(k) SET r2 = properties(r) DELETE r RETURN count(*) AS n "
        "} RETURN sum(n) AS n"
    )


# --- fields, aggregates, provenance, deletion ---------------------------------------------------

_NOT_FILLED = {"id", "createdAt", "updatedAt", "version", "mergedFrom"}
_ADDRESS = ("addressLine1", "addressLine2", "postalCode", "city", "region", "country")
_AGGREGATES = ("orderCount", "totalSpent", "firstOrderAt", "lastOrderAt", "lastInteractionAt")


def fill_fields(type_name: str) -> str:
    """Empty fields of the kept node take the merged node's values; the address is one unit
    (taken whole when the kept node has none). Bumps the version, records provenance in
    `mergedFrom` (the merged node's global id `$mergedGlobalId`, then what it had absorbed)."""
    entity = ENTITIES[type_name]
    stored = [
        name
        for name, prop in entity.props.items()
        if prop.expr is None
        and name not in _NOT_FILLED
        and name not in _ADDRESS
        and name not in _AGGREGATES
    ]
    fields = ", ".join(f"k.{name} = coalesce(k.{name}, m.{name})" for name in stored)
    if type_name == "Customer":
        # The merged-away externalIds stay findable, so a re-import of an old file updates the
        # kept customer instead of creating the merged one again (resolvers/io/load.py).
        fields += (
            ", k.externalIdAliases = [x IN coalesce(k.externalIdAliases, []) + [m.externalId] "
            "+ coalesce(m.externalIdAliases, []) WHERE x IS NOT NULL AND x <> k.externalId]"
        )
    if type_name == "Contact":
        # Likewise the merged-away e-mails of a contact (graphdb/io/nodes.py; migration 16).
        fields += (
            ", k.emailAliases = [x IN coalesce(k.emailAliases, []) + [m.email] "
            "+ coalesce(m.emailAliases, []) WHERE x IS NOT NULL AND x <> k.email]"
        )
    no_address = " AND ".join(f"k.{p} IS NULL" for p in _ADDRESS)
    address = ", ".join(f"k.{p} = CASE WHEN noAddress THEN m.{p} ELSE k.{p} END" for p in _ADDRESS)
    return (
        f"MATCH (k:{label(type_name)} {{id: $keepId}}), (m:{label(type_name)} {{id: $mergeId}}) "
        f"WITH k, m, ({no_address}) AS noAddress "
        f"SET {fields}, {address}, "
        "k.mergedFrom = coalesce(k.mergedFrom, []) + [$mergedGlobalId] "
        "+ coalesce(m.mergedFrom, []), "
        "k.version = k.version + 1, k.updatedAt = $now"
    )


def versions(type_name: str) -> str:
    """The committed versions of nodes `$keepId` and `$mergeId` (run after locking them)."""
    return (
        f"UNWIND [$keepId, $mergeId] AS id MATCH (n:{label(type_name)} {{id: id}}) "
        "RETURN n.id AS id, n.version AS version"
    )
