"""The change log's reads (docs/subscriptions.md): a window of AuditEvents in `seq` order.

Every AuditEvent carries `seq`, a number from the ChangeLog counter taken in the transaction
that made the change (graphdb/writes/audit.py): commit order, with no number skipped. A reader
therefore scans a *contiguous* range of numbers with the unique `seq` index and can tell a
missing number (see resolvers/changes.py) from the end of the log.
"""

from __future__ import annotations

#: What a feed needs of an event.
_EVENT = (
    "e {.seq, .id, .at, .recordedAt, .actorId, .action, .change, .entityType, .entityId, .changes}"
)

#: The log's head and epoch, where a cursor stands, and up to `$limit` events after it.
#: `$after` null: after the newest event older than `$since` (the retention window), or from
#: the start of the log when none is that old.
WINDOW = (
    "OPTIONAL MATCH (log:ChangeLog {id: 'changes'}) "
    "OPTIONAL MATCH (c:AuditEvent {seq: $after}) "
    "WITH log, c, datetime.statement() AS now, coalesce(log.seq, 0) AS head "
    "WITH log, c, now, head, CASE WHEN $after IS NOT NULL THEN $after ELSE coalesce(head(COLLECT { "
    "MATCH (f:AuditEvent) WHERE f.at < $since AND f.seq IS NOT NULL "
    "WITH f ORDER BY f.at DESC LIMIT 1 RETURN f.seq }), 0) END AS start "
    "CALL (start) { MATCH (e:AuditEvent) WHERE e.seq > start AND e.seq <= start + $limit "
    f"WITH e ORDER BY e.seq RETURN collect({_EVENT}) AS events }} "
    "RETURN head, log.epoch AS epoch, c.at AS cursorAt, now, start, events"
)

#: The head of the log now (a new live subscriber starts after it).
HEAD = (
    "OPTIONAL MATCH (log:ChangeLog {id: 'changes'}) "
    "RETURN coalesce(log.seq, 0) AS head, log.epoch AS epoch"
)
