"""Relationships between people and companies: employment, org chart, acquaintance."""

from __future__ import annotations

from core.model import CURRENT_EMPLOYMENT

# --- WORKS_AT: at most one per (contact, company) -----------------------------------------------

#: create or update the one WORKS_AT between `$contactId` and `$companyId` with `$props`
SET_EMPLOYMENT = (
    "MATCH (p:Contact {id: $contactId}), (co:Company {id: $companyId}) "
    "MERGE (p)-[r:WORKS_AT]->(co) ON CREATE SET r.createdAt = $now "
    "SET r += $props, r.updatedAt = $now"
)

#: the dates of the job of `$contactId` at `$companyId`, if there is one
EMPLOYMENT_DATES = (
    "MATCH (:Contact {id: $contactId})-[r:WORKS_AT]->(:Company {id: $companyId}) "
    "RETURN r.startedOn AS startedOn, r.endedOn AS endedOn LIMIT 1"
)

#: the start date of the current employment of `$contactId` at `$companyId`, if any
CURRENT_EMPLOYMENT_AT = (
    "MATCH (:Contact {id: $contactId})-[r:WORKS_AT]->(:Company {id: $companyId}) "
    f"WHERE {CURRENT_EMPLOYMENT.format(r='r')} RETURN r.startedOn AS startedOn LIMIT 1"
)

#: end the current employment of `$contactId` at `$companyId` on `$endedOn`
END_EMPLOYMENT = (
    "MATCH (:Contact {id: $contactId})-[r:WORKS_AT]->(:Company {id: $companyId}) "
    f"WHERE {CURRENT_EMPLOYMENT.format(r='r')} SET r.endedOn = $endedOn, r.updatedAt = $now"
)

# --- REPORTS_TO: at most one manager, no cycles -------------------------------------------------

#: true when `$contactId` is already above `$managerId` (so the new link would close a loop)
REPORTING_CYCLE = (
    "RETURN EXISTS { (:Contact {id: $managerId})-[:REPORTS_TO*1..]->(:Contact {id: $contactId}) }"
    " AS cycle"
)

#: replace the manager of `$contactId` with `$managerId` (null: no manager)
SET_MANAGER = (
    "MATCH (p:Contact {id: $contactId}) "
    "OPTIONAL MATCH (p)-[r:REPORTS_TO]->(:Contact) DELETE r "
    "WITH DISTINCT p MATCH (m:Contact {id: $managerId}) CREATE (p)-[:REPORTS_TO]->(m)"
)

# --- KNOWS: one per pair, whichever direction it was stored in ----------------------------------

#: update the existing KNOWS between the two contacts; returns how many were updated
UPDATE_KNOWS = (
    "MATCH (:Contact {id: $contactId})-[r:KNOWS]-(:Contact {id: $otherId}) "
    "SET r += $props, r.updatedAt = $now RETURN count(r) AS n"
)

#: a new KNOWS from `$contactId` to `$otherId`
CREATE_KNOWS = (
    "MATCH (a:Contact {id: $contactId}), (b:Contact {id: $otherId}) "
    "CREATE (a)-[r:KNOWS]->(b) SET r += $props, r.createdAt = $now, r.updatedAt = $now"
)
