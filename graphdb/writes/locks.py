"""Named application locks for rules that span many nodes (no cycles in a graph).

Only the org chart (REPORTS_TO) still uses one: referrals lock the roots of the trees they touch
instead (graphdb/writes/referrals.py), so writers in different trees never queue behind each
other.

A rule such as "the REPORTS_TO graph stays acyclic" is checked by reading a path, and two
transactions that each read a cycle-free graph could together close a cycle. Taking the write
lock of one well-known node first makes such writers queue behind each other. The node is
MERGEd on use (the unique constraint of migration 4 makes concurrent first uses safe), so a
freshly wiped database needs no setup.
"""

from __future__ import annotations

REPORTING = "reporting"

ACQUIRE = (
    "MERGE (l:RapportLock {name: $name}) SET l._lock = true REMOVE l._lock RETURN l.name AS name"
)
