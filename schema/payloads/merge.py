"""Payloads of mergeCustomers and mergeContacts."""

from __future__ import annotations

import strawberry

from schema.payloads.common import entity, errors
from schema.types.entities import Contact, Customer
from schema.types.errors import UserError


@strawberry.type(description="Result of mergeCustomers.")
class MergeCustomersPayload:
    customer: Customer | None = entity(
        "The kept customer after the merge (with `mergedFrom`); null when refused."
    )
    merged_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the merged (deleted) customer; null when refused.",
    )
    errors: list[UserError] = errors()


@strawberry.type(description="Result of mergeContacts.")
class MergeContactsPayload:
    contact: Contact | None = entity("The kept contact after the merge; null when refused.")
    merged_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Global id of the merged (deleted) contact; null when refused.",
    )
    errors: list[UserError] = errors()
