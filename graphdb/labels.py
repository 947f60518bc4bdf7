"""The whitelist of node labels the graph uses. Cypher identifiers come only from here."""

from __future__ import annotations

ENTITY_LABELS: tuple[str, ...] = (
    "Customer",
    "Company",
    "Contact",
    "Product",
    "Order",
    "Interaction",
    "User",
    "Tag",
    "Consent",
    "Segment",
    "AuditEvent",
)
