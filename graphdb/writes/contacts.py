"""Contacts: the stored full name behind the full-text index."""

from __future__ import annotations

#: recompute `fullName` from the stored first and last name of contact `$id`
REFRESH_FULL_NAME = (
    "MATCH (p:Contact {id: $id}) SET p.fullName = trim(p.firstName + ' ' + p.lastName)"
)
