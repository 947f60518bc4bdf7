"""The change log (docs/subscriptions.md): numbering new AuditEvents, reading them in order.

A mutation writes its AuditEvent as `:ChangePending` in its own transaction, without taking any
shared lock (graphdb/writes/audit.py). A reader first numbers the committed pending events
(`LOCK`, then `NUMBER`, in one write transaction): the ChangeLog counter is write-locked by the
first statement, so the second reads the counter and the pending events fresh, after every
earlier numbering committed. Numbers are therefore unique, contiguous (a rolled-back numbering
gives its numbers back) and only grow: an event committed after a numbering gets a number
greater than all of that numbering's. Readers scan a contiguous range of numbers with the
unique `seq` index and can tell a missing number (resolvers/changes.py) from the end.
"""

from __future__ import annotations

#: Are there committed events without a number?
PENDING = "RETURN EXISTS { MATCH (:ChangePending) } AS pending"

#: Write-lock the counter (created on first use); the next statement reads it fresh.
LOCK = (
    "MERGE (log:ChangeLog {id: 'changes'}) ON CREATE SET log.seq = 0, log.epoch = randomUUID() "
    "SET log._lock = true REMOVE log._lock"
)

#: Number up to `$limit` pending events in the order they were recorded (ties by id).
NUMBER = (
    "MATCH (log:ChangeLog {id: 'changes'}) "
    "CALL () { MATCH (e:ChangePending) WITH e ORDER BY e.recordedAt, e.id LIMIT $limit "
    "RETURN collect(e) AS pending } "
    "WITH log, pending, log.seq AS base, datetime.statement() AS now "
    "SET log.seq = base + size(pending) "
    "WITH base, now, pending UNWIND range(0, size(pending) - 1) AS i "
    "WITH base, now, i, pending[i] AS e "
    "SET e.seq = base + i + 1, e.sequencedAt = now REMOVE e:ChangePending "
    "RETURN count(*) AS numbered"
)

#: What a feed needs of an event.
_EVENT = (
    "e {.seq, .id, .at, .sequencedAt, .actorId, .action, .change, .entityType, .entityId, .changes}"
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
    "RETURN head, log.epoch AS epoch, c.at AS cursorAt, now, start, events, "
    "EXISTS { MATCH (:ChangePending) } AS pending"
)

#: The head of the log now (a new live subscriber starts after it).
HEAD = (
    "OPTIONAL MATCH (log:ChangeLog {id: 'changes'}) "
    "RETURN coalesce(log.seq, 0) AS head, log.epoch AS epoch"
)
