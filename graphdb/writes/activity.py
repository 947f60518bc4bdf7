"""Interactions, tags and consents: records attached to customers, contacts and companies."""

from __future__ import annotations

from graphdb.writes.nodes import label

# --- interactions -------------------------------------------------------------------------------

#: a new interaction from `$props`
CREATE_INTERACTION = "CREATE (i:Interaction) SET i = $props"

#: link interaction `$id` to the customers `$ids`, moving their lastInteractionAt forward
#: (the customers are locked beforehand, so the comparison reads committed values)
WITH_CUSTOMERS = (
    "MATCH (i:Interaction {id: $id}) UNWIND $ids AS pid MATCH (c:Customer {id: pid}) "
    "CREATE (i)-[:WITH]->(c) "
    "SET c.lastInteractionAt = CASE WHEN c.lastInteractionAt IS NULL "
    "OR c.lastInteractionAt < i.occurredAt THEN i.occurredAt ELSE c.lastInteractionAt END"
)

#: link interaction `$id` to the contacts `$ids`
WITH_CONTACTS = (
    "MATCH (i:Interaction {id: $id}) UNWIND $ids AS pid MATCH (p:Contact {id: pid}) "
    "CREATE (i)-[:WITH]->(p)"
)

#: record that user `$userId` logged interaction `$id`
LOGGED_BY = "MATCH (u:User {id: $userId}), (i:Interaction {id: $id}) CREATE (u)-[:LOGGED]->(i)"

# --- tags ---------------------------------------------------------------------------------------


def tag(type_name: str) -> str:
    """Tag node `$id` with `$tags` ({name, id}); a tag is created on first use, one per
    case-folded name (`key`), and keeps the name it was first written with."""
    return (
        "UNWIND $tags AS t MERGE (g:Tag {key: toLower(t.name)}) "
        "ON CREATE SET g.id = t.id, g.name = t.name, g.createdAt = $now, g.updatedAt = $now, "
        "g.version = 1 "
        f"WITH g MATCH (n:{label(type_name)} {{id: $id}}) MERGE (n)-[:TAGGED]->(g)"
    )


def untag(type_name: str) -> str:
    """Remove the tags named `$names` (in any case) from node `$id`; the Tag nodes stay."""
    return (
        f"MATCH (n:{label(type_name)} {{id: $id}})-[r:TAGGED]->(g:Tag) "
        "WHERE g.key IN [x IN $names | toLower(x)] DELETE r"
    )


# --- consents -----------------------------------------------------------------------------------


def record_consent(type_name: str) -> str:
    """A new Consent from `$props` for customer or contact `$subjectId` (history is kept)."""
    return (
        f"MATCH (s:{label(type_name)} {{id: $subjectId}}) "
        "CREATE (s)-[:HAS_CONSENT]->(c:Consent) SET c = $props"
    )
