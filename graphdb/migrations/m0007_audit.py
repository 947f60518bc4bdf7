"""The audit trail and GDPR tombstones: unique ids, and the per-record history that `auditLog`
pages through newest first (entityId, then at)."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT auditevent_id_unique IF NOT EXISTS "
    "FOR (n:AuditEvent) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX auditevent_entity_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.entityId, n.at)",
    "CREATE CONSTRAINT tombstone_id_unique IF NOT EXISTS FOR (n:Tombstone) REQUIRE n.id IS UNIQUE",
)
