"""One file row → one validated record, through the mutations' own field validation.

Each type's record is built by the very function its GraphQL mutation uses (customer_props,
company_props, contact_props, product_props, order_header/order_line, interaction_props,
referral_props, employment_props in resolvers/writes), fed a `RowInput` whose attributes are
the row's cells; so the importer and the API accept, refuse and normalise exactly alike. What
only the importer needs (the upsert key, references by natural key) is checked here with the
same `Validator`.

Columns are the GraphQL field names; an address is spread over addressLine1, addressLine2,
postalCode, city, region and country (as stored and exported).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.codes import WriteCode
from core.validation import Code, FieldError, Validator
from resolvers.call import ABSENT
from resolvers.io.links import (
    CONTACT_COMPANY_COLUMNS,
    EXPORTED_LINK_COLUMNS,
    LINK_COLUMNS,
    REPORTS_TO_COLUMNS,
    read_company,
    read_links,
)
from resolvers.io.names import IMPORT_TYPES
from resolvers.writes._fields import ADDRESS_FIELDS
from resolvers.writes.companies import company_props
from resolvers.writes.contacts import contact_props
from resolvers.writes.customers import customer_props
from resolvers.writes.interactions import MAX_PARTICIPANTS, interaction_props
from resolvers.writes.orders import MAX_QUANTITY, order_header, order_line
from resolvers.writes.people import employment_props
from resolvers.writes.products import product_props
from resolvers.writes.referrals import referral_props

Record = dict[str, Any]

#: stored address property → AddressInput attribute
_ADDRESS_ATTR = {prop: attr for attr, _, prop in ADDRESS_FIELDS}
#: AddressInput GraphQL field → stored property (for error paths like ("address", "postalCode"))
_ADDRESS_PROP = {name: prop for _, name, prop in ADDRESS_FIELDS}
ADDRESS_COLUMNS = tuple(prop for _, _, prop in ADDRESS_FIELDS)

_LIST_SPLIT = re.compile(r"[;|]")


class RowInput:
    """A row seen as a mutation input: `row.first_name` is the firstName cell, or `default`."""

    def __init__(self, values: dict[str, Any], default: Any = ABSENT) -> None:
        # The cells are instance attributes, so reading one is a plain attribute lookup;
        # __getattr__ only runs for the cells the row does not have.
        self.__dict__.update(values)
        self.__dict__["_default"] = default

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.__dict__["_default"]


_SNAKE: dict[str, str] = {}


def _snake(name: str) -> str:
    """externalId → external_id (the input object's attribute), memoised: it runs per cell."""
    found = _SNAKE.get(name)
    if found is None:
        found = _SNAKE[name] = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    return found


_ATTRS: dict[tuple[str, ...], dict[str, str]] = {}


def _attrs(columns: tuple[str, ...]) -> dict[str, str]:
    """A type's own (non-address) columns → their input attributes, computed once per type."""
    found = _ATTRS.get(columns)
    if found is None:
        found = _ATTRS[columns] = {c: _snake(c) for c in columns if c not in _ADDRESS_ATTR}
    return found


def _input(row: dict[str, Any], columns: tuple[str, ...]) -> Any:
    """The row's own (non-address) fields as attributes, plus a nested `address`."""
    attrs = _attrs(columns)
    values = {attrs[c]: v for c, v in row.items() if c in attrs}
    address = {_ADDRESS_ATTR[c]: v for c, v in row.items() if c in _ADDRESS_ATTR}
    if address:
        values["address"] = RowInput(address, default=None)
    return RowInput(values)


def field_name(error: FieldError) -> str:
    """An error's path as the column it concerns: ("address", "postalCode") → "postalCode"."""
    path = error.field
    if len(path) >= 2 and path[0] == "address":
        return _ADDRESS_PROP.get(path[1], path[1])
    return ".".join(path)


@dataclass(frozen=True)
class RowType:
    """How rows of one `--type` are validated; `columns` are the accepted field names."""

    name: str
    columns: tuple[str, ...]
    validate: Callable[[Validator, dict[str, Any]], Record | None]


def _text_list(v: Validator, field: str, value: object, check: Callable[..., Any]) -> list[Any]:
    """ "a; b | c" (or a JSON list) → validated values, each error at (field, index)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else _LIST_SPLIT.split(str(value))
    out = []
    for i, item in enumerate(x for x in items if not (isinstance(x, str) and not x.strip())):
        checked = check((field, i), item.strip() if isinstance(item, str) else item)
        if checked is not None and checked not in out:
            out.append(checked)
    return out


# --- entities ----------------------------------------------------------------------------------

CUSTOMER_COLUMNS = (
    "externalId",
    "kind",
    "name",
    "email",
    "phone",
    "lifecycleStage",
    "leadSource",
    "leadScore",
    *ADDRESS_COLUMNS,
    *EXPORTED_LINK_COLUMNS,
)
#: what an import reads: the exported columns and the links an export does not write
CUSTOMER_IMPORT_COLUMNS = (
    *CUSTOMER_COLUMNS,
    *(c for c in LINK_COLUMNS if c not in EXPORTED_LINK_COLUMNS),
)


def customer(v: Validator, row: dict[str, Any]) -> Record | None:
    props = customer_props(v, _input(row, CUSTOMER_IMPORT_COLUMNS), creating=True)
    links = read_links(v, row, props.get("kind"))
    if not v.ok:
        return None
    return {"key": props.get("externalId"), "props": props, "links": links}


COMPANY_COLUMNS = (
    "name",
    "domain",
    "industry",
    "legalForm",
    "registrationNumber",
    "employeeCount",
    "annualRevenue",
    "currency",
    *ADDRESS_COLUMNS,
)
#: what an import reads: also the other tool's id of the company (stored, not exported)
COMPANY_IMPORT_COLUMNS = (*COMPANY_COLUMNS, "externalId")


def company(v: Validator, row: dict[str, Any]) -> Record | None:
    props = company_props(v, _input(row, COMPANY_IMPORT_COLUMNS), creating=True)
    external_id = v.external_id("externalId", row.get("externalId"))
    if "registrationNumber" not in row and "domain" not in row and "externalId" not in row:
        v.add(
            "registrationNumber",
            Code.REQUIRED,
            "A company needs a registrationNumber, a domain or an externalId: that is how an "
            "import finds it.",
        )
    if not v.ok:
        return None
    if external_id is not None:
        props["externalId"] = external_id
    key_prop = next(
        (k for k in ("registrationNumber", "domain", "externalId") if props.get(k)), None
    )
    if key_prop is None:
        v.add(
            "registrationNumber",
            Code.REQUIRED,
            "A company needs a registrationNumber, a domain or an externalId: that is how an "
            "import finds it.",
        )
        return None
    return {"keyProp": key_prop, "key": props[key_prop], "props": props}


CONTACT_COLUMNS = (
    "firstName",
    "lastName",
    "email",
    "phone",
    "videoHandle",
    "birthday",
    "personalNotes",
    *ADDRESS_COLUMNS,
)
#: the job columns of a contact row (its WORKS_AT at the company the row names)
JOB_COLUMNS = ("jobTitle", "department", "seniority", "decisionRole")
#: what an import reads: also the other tool's id, the company and job, and the manager
CONTACT_IMPORT_COLUMNS = (
    *CONTACT_COLUMNS,
    "externalId",
    *CONTACT_COMPANY_COLUMNS,
    *JOB_COLUMNS,
    *REPORTS_TO_COLUMNS,
)


def contact(v: Validator, row: dict[str, Any]) -> Record | None:
    props = contact_props(v, _input(row, CONTACT_IMPORT_COLUMNS), creating=True)
    if "email" not in row:
        v.add("email", Code.REQUIRED, "An imported contact needs an e-mail: it is the upsert key.")
    external_id = v.external_id("externalId", row.get("externalId"))
    company_ref = read_company(v, row, CONTACT_COMPANY_COLUMNS)
    job = employment_props(v, _input(row, JOB_COLUMNS))
    if job and company_ref is None and v.ok:
        column = next(c for c in JOB_COLUMNS if c in row)
        v.add(
            column,
            Code.REQUIRED,
            "A job needs its company: add companyName, companyDomain, companyRegistrationNumber "
            "or companyExternalId.",
        )
    manager: tuple[str, str] | None = None
    if "reportsToEmail" in row:
        by_email = v.email("reportsToEmail", row.get("reportsToEmail"))
        manager = ("email", by_email) if by_email else None
        if by_email is not None and by_email == props.get("email"):
            v.add("reportsToEmail", WriteCode.SELF_REPORTING, "Nobody can be their own manager.")
    elif "reportsToExternalId" in row:
        by_id = v.external_id("reportsToExternalId", row.get("reportsToExternalId"))
        manager = ("externalId", by_id) if by_id else None
        if by_id is not None and by_id == external_id:
            v.add(
                "reportsToExternalId", WriteCode.SELF_REPORTING, "Nobody can be their own manager."
            )
    if not v.ok:
        return None
    props["fullName"] = f"{props['firstName']} {props['lastName']}"
    if external_id is not None:
        props["externalId"] = external_id
    record: Record = {"key": props["email"], "props": props}
    if company_ref is not None:
        record["company"] = company_ref
        record["job"] = job
    if manager is not None:
        record["manager"] = manager
    return record


PRODUCT_COLUMNS = ("sku", "name", "price", "currency", "category", "description", "active")


def product(v: Validator, row: dict[str, Any]) -> Record | None:
    props = product_props(v, _input(row, PRODUCT_COLUMNS), creating=True)
    return {"key": props.get("sku"), "props": props} if v.ok else None


# --- orders: one row per order line; consecutive rows with one externalId are one order -------

ORDER_COLUMNS = (
    "externalId",
    "customerExternalId",
    "placedAt",
    "status",
    "currency",
    "sku",
    "quantity",
    "unitPrice",
)


def order(v: Validator, row: dict[str, Any]) -> Record | None:
    data = _input(row, ORDER_COLUMNS)
    header = order_header(v, data)
    if "externalId" not in row:
        v.add("externalId", Code.REQUIRED, "An imported order needs its externalId.")
    if "placedAt" not in row:
        # The API defaults to now; a re-import would then never match, so files must say when.
        v.add("placedAt", Code.REQUIRED, "Say when the order was placed.")
    customer_key = v.external_id("customerExternalId", row.get("customerExternalId"), required=True)
    line_input: Any = RowInput(
        {
            "product_id": None,
            "sku": row.get("sku"),
            "quantity": row.get("quantity"),
            "unit_price": row.get("unitPrice"),
        },
        default=None,
    )
    if "quantity" not in row:
        v.add("quantity", Code.REQUIRED, f"How many were ordered (1 to {MAX_QUANTITY:,}).")
    line = order_line(v, line_input)
    if not v.ok or line is None:
        return None
    return {"key": header["externalId"], "customer": customer_key, "header": header, "line": line}


# --- interactions ------------------------------------------------------------------------------

INTERACTION_COLUMNS = (
    "externalId",
    "kind",
    "occurredAt",
    "subject",
    "summary",
    "outcome",
    "sentiment",
    "customerExternalIds",
    "contactEmails",
    "loggedByEmail",
)


def interaction(v: Validator, row: dict[str, Any]) -> Record | None:
    if "kind" not in row:
        v.add("kind", Code.REQUIRED, "Say what kind of interaction this was (CALL, MEETING, …).")
    if "occurredAt" not in row:
        v.add("occurredAt", Code.REQUIRED, "Say when the interaction happened.")
    props = interaction_props(v, _input(row, INTERACTION_COLUMNS))
    external_id = v.external_id("externalId", row.get("externalId"))
    customers = _text_list(v, "customerExternalIds", row.get("customerExternalIds"), v.external_id)
    contacts = _text_list(v, "contactEmails", row.get("contactEmails"), v.email)
    if not customers and not contacts and v.ok:
        v.add(
            "customerExternalIds",
            Code.REQUIRED,
            "Name at least one participant (customerExternalIds or contactEmails).",
        )
    if len(customers) + len(contacts) > MAX_PARTICIPANTS:
        v.add("customerExternalIds", Code.OUT_OF_RANGE, f"At most {MAX_PARTICIPANTS} participants.")
    logged_by = v.email("loggedByEmail", row.get("loggedByEmail"))
    if not v.ok:
        return None
    return {
        "key": external_id,
        "props": {**props, "externalId": external_id},
        "customers": customers,
        "contacts": contacts,
        "loggedBy": logged_by,
    }


# --- referrals and employments: relationships between records found by natural keys -----------

REFERRAL_COLUMNS = (
    "referrerExternalId",
    "referrerEmail",
    "referredExternalId",
    "referredAt",
    "channel",
    "note",
)


def referral(v: Validator, row: dict[str, Any]) -> Record | None:
    by_customer = v.external_id("referrerExternalId", row.get("referrerExternalId"))
    by_contact = v.email("referrerEmail", row.get("referrerEmail"))
    if "referrerExternalId" in row and "referrerEmail" in row:
        v.add(
            "referrerEmail",
            Code.INVALID_VALUE,
            "Give the referring customer's externalId or the referring contact's e-mail, not both.",
        )
    elif "referrerExternalId" not in row and "referrerEmail" not in row:
        v.add(
            "referrerExternalId",
            Code.REQUIRED,
            "Say who referred: a customer's externalId or a contact's e-mail (referrerEmail).",
        )
    referred = v.external_id("referredExternalId", row.get("referredExternalId"), required=True)
    if "referredAt" not in row:
        v.add("referredAt", Code.REQUIRED, "Say when the referral happened.")
    props = referral_props(v, _input(row, REFERRAL_COLUMNS))
    if by_customer is not None and by_customer == referred:
        v.add("referredExternalId", "SELF_REFERRAL", "A customer cannot refer themselves.")
    if not v.ok:
        return None
    return {
        "referrerType": "Customer" if by_customer is not None else "Contact",
        "referrer": by_customer if by_customer is not None else by_contact,
        "referred": referred,
        "props": props,
    }


EMPLOYMENT_COLUMNS = (
    "contactEmail",
    "contactExternalId",
    *CONTACT_COMPANY_COLUMNS,
    "jobTitle",
    "department",
    "seniority",
    "decisionRole",
    "startedOn",
    "endedOn",
)


def employment(v: Validator, row: dict[str, Any]) -> Record | None:
    if "contactEmail" in row or "contactExternalId" not in row:
        contact_by, contact_key = (
            "email",
            v.email("contactEmail", row.get("contactEmail"), required=True),
        )
    else:
        contact_by = "externalId"
        contact_key = v.external_id(
            "contactExternalId", row.get("contactExternalId"), required=True
        )
    company_ref = read_company(v, row, CONTACT_COMPANY_COLUMNS)
    if not any(c in row for c in CONTACT_COMPANY_COLUMNS):
        v.add(
            "companyRegistrationNumber",
            Code.REQUIRED,
            "Say which company: its registrationNumber (companyRegistrationNumber), domain "
            "(companyDomain), externalId (companyExternalId) or name (companyName).",
        )
    props = employment_props(v, _input(row, EMPLOYMENT_COLUMNS))
    started, ended = props.get("startedOn"), props.get("endedOn")
    if started is not None and ended is not None and ended < started:
        v.add("endedOn", "ENDED_BEFORE_STARTED", "A job cannot end before it started.")
    if not v.ok or company_ref is None:
        return None
    return {
        "contactBy": contact_by,
        "contact": contact_key,
        "companyRef": company_ref,
        "companyKeyProp": company_ref.key_prop,
        "company": company_ref.value,
        "props": props,
    }


TYPES: dict[str, RowType] = {
    t.name: t
    for t in (
        RowType("customers", CUSTOMER_IMPORT_COLUMNS, customer),
        RowType("companies", COMPANY_IMPORT_COLUMNS, company),
        RowType("contacts", CONTACT_IMPORT_COLUMNS, contact),
        RowType("products", PRODUCT_COLUMNS, product),
        RowType("orders", ORDER_COLUMNS, order),
        RowType("interactions", INTERACTION_COLUMNS, interaction),
        RowType("referrals", REFERRAL_COLUMNS, referral),
        RowType("employments", EMPLOYMENT_COLUMNS, employment),
    )
}
assert tuple(TYPES) == IMPORT_TYPES, "resolvers/io/names.py must list the import types"
