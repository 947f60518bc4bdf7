"""Payloads of customer and company mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import deleted_id, entity, errors
from schema.types.entities import Company, Customer
from schema.types.errors import UserError

_CUSTOMER = "The customer as saved; null when refused."


@strawberry.type(description="Result of createCustomer.")
class CreateCustomerPayload:
    customer: Customer | None = entity(_CUSTOMER)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateCustomer.")
class UpdateCustomerPayload:
    customer: Customer | None = entity(_CUSTOMER)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of upsertCustomer.")
class UpsertCustomerPayload:
    customer: Customer | None = entity(_CUSTOMER)
    created: bool = strawberry.field(
        default=False, description="True when a new customer was created, false when updated."
    )
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteCustomer.")
class DeleteCustomerPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    customer: Customer | None = entity(
        "The customer as it was just before it was deleted; null when refused."
    )
    errors: list[UserError] = errors()


_COMPANY = "The company as saved; null when refused."


@strawberry.type(description="Result of createCompany.")
class CreateCompanyPayload:
    company: Company | None = entity(_COMPANY)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateCompany.")
class UpdateCompanyPayload:
    company: Company | None = entity(_COMPANY)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteCompany.")
class DeleteCompanyPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    company: Company | None = entity(
        "The company as it was just before it was deleted; null when refused."
    )
    errors: list[UserError] = errors()
