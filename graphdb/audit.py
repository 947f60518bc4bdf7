"""Reading the audit trail: one page of a record's events, newest first, with the total.
(The trail is written by graphdb/writes/audit.py, in the transaction of each change.)"""

from __future__ import annotations

AUDIT_PAGE = (
    "CALL () { MATCH (x:AuditEvent {entityId: $entityId}) RETURN count(x) AS total } "
    "CALL () { MATCH (e:AuditEvent {entityId: $entityId}) "
    "WHERE $afterAt IS NULL OR e.at < $afterAt OR (e.at = $afterAt AND e.id < $afterId) "
    "WITH e ORDER BY e.at DESC, e.id DESC LIMIT $limit "
    "RETURN collect(e {.id, .at, .actorId, .actorEmail, .action, .entityType, .entityId, "
    ".changes}) AS events } "
    "RETURN total, events"
)
