"""Payloads of the mutations that link people, companies and accounts."""

from __future__ import annotations

import strawberry

from schema.payloads.common import entity, errors
from schema.types.entities import Company, Contact, Customer
from schema.types.errors import UserError


@strawberry.type(description="Result of setEmployment.")
class SetEmploymentPayload:
    contact: Contact | None = entity(
        "The employee; their `employments` show the job. Null when refused."
    )
    company: Company | None = entity("The employer; null when refused.")
    errors: list[UserError] = errors()


@strawberry.type(description="Result of endEmployment.")
class EndEmploymentPayload:
    contact: Contact | None = entity("The former employee; null when refused.")
    company: Company | None = entity("The former employer; null when refused.")
    errors: list[UserError] = errors()


@strawberry.type(description="Result of setReportsTo.")
class SetReportsToPayload:
    contact: Contact | None = entity("The contact whose manager changed; null when refused.")
    errors: list[UserError] = errors()


@strawberry.type(description="Result of connectContacts.")
class ConnectContactsPayload:
    contact: Contact | None = entity("The first contact (`contactId`); null when refused.")
    other: Contact | None = entity("The second contact (`otherId`); null when refused.")
    errors: list[UserError] = errors()


@strawberry.type(description="Result of recordReferral.")
class RecordReferralPayload:
    referred: Customer | None = entity("The customer who was referred; null when refused.")
    errors: list[UserError] = errors()
