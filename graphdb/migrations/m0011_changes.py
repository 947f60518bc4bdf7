"""The change feed over the audit trail (docs/subscriptions.md): one ChangeLog counter node, a
unique number `seq` on every AuditEvent (given after commit, graphdb/changes.py), and the
existing events numbered in the order they were recorded (at, id), so a feed opened on an old
database replays them too."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT changelog_id_unique IF NOT EXISTS FOR (n:ChangeLog) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT auditevent_seq_unique IF NOT EXISTS "
    "FOR (n:AuditEvent) REQUIRE n.seq IS UNIQUE",
    "CREATE INDEX auditevent_entity_seq IF NOT EXISTS FOR (n:AuditEvent) ON (n.entityId, n.seq)",
    "CREATE INDEX auditevent_at IF NOT EXISTS FOR (n:AuditEvent) ON (n.at)",
    # Number the events written before this migration, oldest first, after whatever the counter
    # already handed out (a re-run numbers nothing twice: only events without a seq).
    "MERGE (log:ChangeLog {id: 'changes'}) "
    "ON CREATE SET log.seq = 0, log.epoch = randomUUID() "
    "WITH log "
    "CALL (log) { MATCH (e:AuditEvent) WHERE e.seq IS NULL "
    "WITH e ORDER BY e.at, e.id RETURN collect(e) AS pending } "
    "WITH log, pending, log.seq AS base "
    "FOREACH (i IN range(0, size(pending) - 1) | SET (pending[i]).seq = base + i + 1, "
    "(pending[i]).recordedAt = (pending[i]).at, (pending[i]).sequencedAt = (pending[i]).at, "
    "(pending[i]).change = CASE "
    "WHEN (pending[i]).action STARTS WITH 'create' THEN 'CREATED' "
    "WHEN (pending[i]).action STARTS WITH 'delete' THEN 'DELETED' "
    "WHEN (pending[i]).action STARTS WITH 'merge' THEN 'MERGED' "
    "WHEN (pending[i]).action STARTS WITH 'erase' THEN 'ERASED' "
    "WHEN (pending[i]).action = 'exportSubjectData' THEN 'DISCLOSED' "
    "ELSE 'UPDATED' END) "
    "SET log.seq = base + size(pending)",
)
