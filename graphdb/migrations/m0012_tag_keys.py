"""Migration 12, one tag per case-folded name: `VIP` and `vip` were two tags, so a segment on
one missed the customers tagged with the other. Every Tag gets `key` (its lower-cased name),
tags that share a key are merged into the oldest (whose name is kept), and the key becomes the
unique one."""

STATEMENTS: tuple[str, ...] = (
    # Merge first, then set the key: the key must be unique the moment it is written.
    "MATCH (g:Tag) WITH g ORDER BY g.createdAt, g.id "
    "WITH coalesce(g.key, toLower(trim(g.name))) AS key, collect(g) AS tags "
    "WHERE size(tags) > 1 "
    "WITH head(tags) AS keep, tail(tags) AS duplicates UNWIND duplicates AS d "
    "CALL (keep, d) { MATCH (n)-[r:TAGGED]->(d) MERGE (n)-[:TAGGED]->(keep) DELETE r } "
    "DETACH DELETE d",
    "MATCH (g:Tag) WHERE g.key IS NULL SET g.key = toLower(trim(g.name))",
    "DROP CONSTRAINT tag_name_unique IF EXISTS",
    "CREATE CONSTRAINT tag_key_unique IF NOT EXISTS FOR (n:Tag) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX tag_name IF NOT EXISTS FOR (n:Tag) ON (n.name)",
)
