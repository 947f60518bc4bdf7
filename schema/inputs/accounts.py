"""Inputs for customers and companies."""

from __future__ import annotations

import strawberry

from schema.inputs.common import EXPECTED_VERSION, AddressInput, idempotency_key, opt, req
from schema.scalars import Decimal
from schema.types.entities import CustomerKind, LifecycleStage

# --- customers --------------------------------------------------------------------------------

_CUSTOMER_EXTERNAL_ID = (
    "The customer's id in your source system (ERP, e-shop, old CRM). Unique: a second customer "
    "with the same one is refused with DUPLICATE. Kept exactly as typed."
)
_CUSTOMER_KIND = (
    "INDIVIDUAL for a person, BUSINESS for a company account (only those may have a company)."
)
_CUSTOMER_NAME = "Display name of the account: the person's or company's name."
_CUSTOMER_EMAIL = "Main e-mail address; stored in lower case."
_CUSTOMER_PHONE = (
    "Main phone number; stored as +421901234567. Numbers without a country code are read as "
    "local to the address's country (or the deployment's default country)."
)
_CUSTOMER_STAGE = "LEAD, PROSPECT, CUSTOMER or CHURNED. New accounts start as LEAD."
_CUSTOMER_SOURCE = "Where the lead came from: web form, trade fair, referral…"
_CUSTOMER_SCORE = "How promising the lead is, from 0 (cold) to 100 (ready to buy)."
_CUSTOMER_ADDRESS = "Billing or home address."
_CUSTOMER_COMPANY = (
    "Id of the Company behind a BUSINESS account. Not allowed for INDIVIDUAL accounts "
    "(INVALID_FOR_KIND); a company can be the account of one customer only."
)
_CUSTOMER_MANAGER = "Id of the User who owns this account (account manager)."


@strawberry.input(description="A new customer account.")
class CreateCustomerInput:
    external_id: str = req(_CUSTOMER_EXTERNAL_ID)
    kind: CustomerKind = req(_CUSTOMER_KIND)  # type: ignore[valid-type]
    name: str = req(_CUSTOMER_NAME)
    email: str | None = opt(_CUSTOMER_EMAIL)
    phone: str | None = opt(_CUSTOMER_PHONE)
    lifecycle_stage: LifecycleStage | None = opt(_CUSTOMER_STAGE)  # type: ignore[valid-type]
    lead_source: str | None = opt(_CUSTOMER_SOURCE)
    lead_score: int | None = opt(_CUSTOMER_SCORE)
    address: AddressInput | None = opt(_CUSTOMER_ADDRESS)
    company_id: strawberry.ID | None = opt(_CUSTOMER_COMPANY)
    account_manager_id: strawberry.ID | None = opt(_CUSTOMER_MANAGER)
    idempotency_key: str | None = idempotency_key()


@strawberry.input(
    description="Changes to a customer account. Fields you leave out stay as they are; "
    "null empties an optional field."
)
class UpdateCustomerInput:
    id: strawberry.ID = req("Id of the customer to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    external_id: str | None = opt(_CUSTOMER_EXTERNAL_ID)
    kind: CustomerKind | None = opt(_CUSTOMER_KIND)  # type: ignore[valid-type]
    name: str | None = opt(_CUSTOMER_NAME)
    email: str | None = opt(_CUSTOMER_EMAIL)
    phone: str | None = opt(_CUSTOMER_PHONE)
    lifecycle_stage: LifecycleStage | None = opt(_CUSTOMER_STAGE)  # type: ignore[valid-type]
    lead_source: str | None = opt(_CUSTOMER_SOURCE)
    lead_score: int | None = opt(_CUSTOMER_SCORE)
    address: AddressInput | None = opt(_CUSTOMER_ADDRESS)
    company_id: strawberry.ID | None = opt(_CUSTOMER_COMPANY + " null removes the company.")
    account_manager_id: strawberry.ID | None = opt(
        _CUSTOMER_MANAGER + " null leaves the account without a manager."
    )


@strawberry.input(
    description="A customer as your source system knows it, matched by `externalId`: created "
    "when new, otherwise updated (fields you leave out stay as they are)."
)
class UpsertCustomerInput(CreateCustomerInput):
    expected_version: int | None = opt(
        EXPECTED_VERSION + " Only checked when the customer already exists."
    )


@strawberry.input(description="Which customer to delete.")
class DeleteCustomerInput:
    id: strawberry.ID = req(
        "Id of the customer. Customers with orders cannot be deleted (CUSTOMER_HAS_ORDERS)."
    )
    expected_version: int | None = opt(EXPECTED_VERSION)


# --- companies --------------------------------------------------------------------------------

_COMPANY_NAME = "Registered or trading name."
_COMPANY_DOMAIN = "Web domain, e.g. acme.sk (stored in lower case, without http:// or www.)."
_COMPANY_INDUSTRY = "Sector the company works in."
_COMPANY_LEGAL_FORM = "Legal form, e.g. s.r.o., a.s., GmbH, Sp. z o.o., Lda."
_COMPANY_REGISTRATION = "Company register number (IČO, KRS, NIPC…)."
_COMPANY_EMPLOYEES = "Number of employees (0 or more)."
_COMPANY_REVENUE = 'Annual turnover as a decimal string, e.g. "1250000.00", in `currency`.'
_COMPANY_CURRENCY = "ISO 4217 currency of `annualRevenue`, e.g. EUR; required with a revenue."
_COMPANY_ADDRESS = "Registered address."


@strawberry.input(description="A new company.")
class CreateCompanyInput:
    name: str = req(_COMPANY_NAME)
    domain: str | None = opt(_COMPANY_DOMAIN)
    industry: str | None = opt(_COMPANY_INDUSTRY)
    legal_form: str | None = opt(_COMPANY_LEGAL_FORM)
    registration_number: str | None = opt(_COMPANY_REGISTRATION)
    employee_count: int | None = opt(_COMPANY_EMPLOYEES)
    annual_revenue: Decimal | None = opt(_COMPANY_REVENUE)
    currency: str | None = opt(_COMPANY_CURRENCY)
    address: AddressInput | None = opt(_COMPANY_ADDRESS)
    idempotency_key: str | None = idempotency_key()


@strawberry.input(
    description="Changes to a company. Fields you leave out stay as they are; null empties an "
    "optional field."
)
class UpdateCompanyInput:
    id: strawberry.ID = req("Id of the company to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    name: str | None = opt(_COMPANY_NAME)
    domain: str | None = opt(_COMPANY_DOMAIN)
    industry: str | None = opt(_COMPANY_INDUSTRY)
    legal_form: str | None = opt(_COMPANY_LEGAL_FORM)
    registration_number: str | None = opt(_COMPANY_REGISTRATION)
    employee_count: int | None = opt(_COMPANY_EMPLOYEES)
    annual_revenue: Decimal | None = opt(_COMPANY_REVENUE)
    currency: str | None = opt(_COMPANY_CURRENCY)
    address: AddressInput | None = opt(_COMPANY_ADDRESS)


@strawberry.input(description="Which company to delete.")
class DeleteCompanyInput:
    id: strawberry.ID = req(
        "Id of the company. A company where people still work cannot be deleted "
        "(COMPANY_HAS_EMPLOYEES): end their employments first."
    )
    expected_version: int | None = opt(EXPECTED_VERSION)
