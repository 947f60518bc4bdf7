"""The statements that read saved segments: every one (the registry), one by id (after a write),
one by id or exact name (the command line). One projection, so the three cannot drift."""

from __future__ import annotations

_FIELDS = (
    "RETURN s.id AS id, s.version AS version, s.filter AS filter, "
    "s.requireConsentChannel AS channel, s.requireConsentPurpose AS purpose"
)

ALL = f"MATCH (s:Segment) {_FIELDS}"
BY_ID = f"MATCH (s:Segment {{id: $id}}) {_FIELDS}"
BY_ID_OR_NAME = f"MATCH (s:Segment) WHERE s.id = $key OR s.name = $key {_FIELDS}"
