"""Payloads of interaction, tag and consent mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import entity, errors
from schema.types.entities import Company, Consent, Contact, Customer, Interaction
from schema.types.errors import UserError


@strawberry.type(description="Result of logInteraction.")
class LogInteractionPayload:
    interaction: Interaction | None = entity("The recorded interaction; null when refused.")
    errors: list[UserError] = errors()


_TAGGED = "Set when the tagged record is a {}; null otherwise and when refused."


@strawberry.type(description="Result of tag.")
class TagPayload:
    customer: Customer | None = entity(_TAGGED.format("customer"))
    contact: Contact | None = entity(_TAGGED.format("contact"))
    company: Company | None = entity(_TAGGED.format("company"))
    errors: list[UserError] = errors()


@strawberry.type(description="Result of untag.")
class UntagPayload:
    customer: Customer | None = entity(_TAGGED.format("customer"))
    contact: Contact | None = entity(_TAGGED.format("contact"))
    company: Company | None = entity(_TAGGED.format("company"))
    errors: list[UserError] = errors()


@strawberry.type(description="Result of recordConsent.")
class RecordConsentPayload:
    consent: Consent | None = entity("The new consent record; null when refused.")
    customer: Customer | None = entity(
        "Set when the consent is a customer's; null otherwise and when refused."
    )
    contact: Contact | None = entity(
        "Set when the consent is a contact's; null otherwise and when refused."
    )
    errors: list[UserError] = errors()
