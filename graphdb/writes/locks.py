"""Named application locks for rules that span many nodes (no cycles in a graph).

A rule such as "the REFERRED graph stays acyclic" is checked by reading a path, and two
transactions that each read a cycle-free graph could together close a cycle. Taking the write
lock of one well-known node first makes such writers queue behind each other. The node is
MERGEd on use (the unique constraint of migration 4 makes concurrent first uses safe), so a
freshly wiped database needs no setup.
"""

from __future__ import annotations

REFERRALS = "referrals"
REPORTING = "reporting"

ACQUIRE = (
    "MERGE (l:RapportLock {name: $name}) SET l._lock = true REMOVE l._lock RETURN l.name AS name"
)
