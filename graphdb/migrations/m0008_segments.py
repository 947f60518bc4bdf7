"""Saved segments (unique ids and names), and the interaction `externalId` that imports upsert
by (until now created by the first interaction import instead of a migration)."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT segment_id_unique IF NOT EXISTS FOR (n:Segment) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT segment_name_unique IF NOT EXISTS FOR (n:Segment) REQUIRE n.name IS UNIQUE",
    "CREATE INDEX interaction_externalid IF NOT EXISTS FOR (i:Interaction) ON (i.externalId)",
)
