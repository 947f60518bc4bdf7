"""Column presets for the exports people bring from other CRMs, and the header check.

A preset maps another tool's export headers to Rapport fields (`--preset hubspot-contacts`),
and is chosen by itself when a file's header row carries the tool's tell-tale columns. Before
any row is read, `check_header` makes sure every required field of the type is fed by some
column (else the import fails with exit 1 and writes nothing), and lists each column that feeds
nothing with the field it most resembles.

The headers are the ones the tools write in English-language accounts: HubSpot's "Export" of
contacts and companies, and Salesforce's Data Loader / Data Export files (API field names) of
Accounts and Contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from resolvers.io.mapping import MappingError, fold
from resolvers.io.names import PRESET_NAMES

_ADDRESS_HUBSPOT = {
    "Street Address": "addressLine1",
    "Street Address 2": "addressLine2",
    "City": "city",
    "State/Region": "region",
    "Postal Code": "postalCode",
    "Zip": "postalCode",
    "Country/Region": "country",
    "Country": "country",
}


_OWN_ID = "the other tool's own id; the record is found again by its {key}"


@dataclass(frozen=True)
class Preset:
    """Another tool's headers → Rapport fields, for one import type."""

    name: str
    type: str
    title: str
    columns: Mapping[str, str]
    #: headers that, all present, identify the tool's export
    signature: frozenset[str]
    #: headers the tool writes that Rapport has no field for, with where to take them instead
    notes: Mapping[str, str]


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "hubspot-contacts",
            "contacts",
            "HubSpot contacts export",
            {
                "First Name": "firstName",
                "Last Name": "lastName",
                "Email": "email",
                "Phone Number": "phone",
                "Mobile Phone Number": "phone",
                "Date of birth": "birthday",
                **_ADDRESS_HUBSPOT,
            },
            frozenset({"Record ID", "First Name", "Last Name", "Email"}),
            {
                "Record ID": _OWN_ID.format(key="e-mail"),
                "Job Title": "import it as an employment (--type employments: jobTitle)",
                "Company Name": "import it as an employment (--type employments: companyDomain)",
                "Associated Company": "import it as an employment (--type employments)",
            },
        ),
        Preset(
            "hubspot-companies",
            "companies",
            "HubSpot companies export",
            {
                "Company name": "name",
                "Company Domain Name": "domain",
                "Website URL": "domain",
                "Industry": "industry",
                "Number of Employees": "employeeCount",
                "Annual Revenue": "annualRevenue",
                "Currency": "currency",
                **_ADDRESS_HUBSPOT,
            },
            frozenset({"Record ID", "Company name", "Company Domain Name"}),
            {"Record ID": _OWN_ID.format(key="domain")},
        ),
        Preset(
            "salesforce-accounts",
            "companies",
            "Salesforce Accounts (Data Loader / Data Export)",
            {
                "Name": "name",
                "Website": "domain",
                "Industry": "industry",
                "NumberOfEmployees": "employeeCount",
                "AnnualRevenue": "annualRevenue",
                "CurrencyIsoCode": "currency",
                "AccountNumber": "registrationNumber",
                "BillingStreet": "addressLine1",
                "BillingCity": "city",
                "BillingState": "region",
                "BillingPostalCode": "postalCode",
                "BillingCountry": "country",
            },
            frozenset({"Id", "Name", "BillingCity"}),
            {"Id": _OWN_ID.format(key="registration number or domain")},
        ),
        Preset(
            "salesforce-contacts",
            "contacts",
            "Salesforce Contacts (Data Loader / Data Export)",
            {
                "FirstName": "firstName",
                "LastName": "lastName",
                "Email": "email",
                "Phone": "phone",
                "MobilePhone": "phone",
                "Birthdate": "birthday",
                "MailingStreet": "addressLine1",
                "MailingCity": "city",
                "MailingState": "region",
                "MailingPostalCode": "postalCode",
                "MailingCountry": "country",
            },
            frozenset({"Id", "AccountId", "FirstName", "LastName"}),
            {
                "Id": _OWN_ID.format(key="e-mail"),
                "Title": "import it as an employment (--type employments: jobTitle)",
                "Department": "import it as an employment (--type employments: department)",
                "AccountId": "import it as an employment (--type employments)",
            },
        ),
    )
}

assert tuple(PRESETS) == PRESET_NAMES, "resolvers/io/names.py must list the presets"

#: Every required field of a type, as alternatives: one field of each group must be fed.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": (("externalId",), ("kind",), ("name",)),
    "companies": (("name",), ("registrationNumber", "domain")),
    "contacts": (("firstName",), ("lastName",), ("email",)),
    "products": (("sku",), ("name",), ("price",), ("currency",)),
    "orders": (("externalId",), ("customerExternalId",), ("placedAt",), ("sku",), ("quantity",)),
    "interactions": (("kind",), ("occurredAt",), ("customerExternalIds", "contactEmails")),
    "referrals": (
        ("referrerExternalId", "referrerEmail"),
        ("referredExternalId",),
        ("referredAt",),
    ),
    "employments": (("contactEmail",), ("companyRegistrationNumber", "companyDomain")),
}


def preset(name: str) -> Preset:
    found = PRESETS.get(name)
    if found is None:
        raise MappingError(f"Unknown preset {name!r}; use one of {', '.join(PRESETS)}.")
    return found


def detect_preset(header: Iterable[str]) -> Preset | None:
    """The preset whose signature headers the file has (the one matching most columns)."""
    names = {h.strip() for h in header}
    matches = [p for p in PRESETS.values() if p.signature <= names]
    if not matches:
        return None
    return max(matches, key=lambda p: len(names & set(p.columns)))


def renames_for(
    found: Preset | None, header: Iterable[str], renames: Mapping[str, str]
) -> dict[str, str]:
    """The preset's renames for the headers the file has, then the user's `--map` on top."""
    out: dict[str, str] = {}
    if found is not None:
        taken: set[str] = set()
        for column in header:
            target = found.columns.get(column.strip())
            if target is not None and target not in taken:  # "Phone Number" before "Mobile…"
                out[column] = target
                taken.add(target)
    out.update(renames)
    return out


@dataclass(frozen=True)
class Unmapped:
    """A column that feeds no field, and what the user might have meant."""

    column: str
    suggestion: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"column": self.column, "suggestion": self.suggestion}


def suggest(column: str, fields: Iterable[str], notes: Mapping[str, str]) -> str | None:
    """A hint for an unmapped column: the preset's note, or the closest field name."""
    if column in notes:
        return notes[column]
    from rapidfuzz import fuzz, process

    choices = {fold(f): f for f in fields}
    best = process.extractOne(fold(column), list(choices), scorer=fuzz.ratio, score_cutoff=75)
    if best is None:
        return None
    return f"--map '{column}={choices[best[0]]}'"


def missing_required(type_name: str, fed: Iterable[str]) -> list[tuple[str, ...]]:
    """The groups of required fields of `type_name` that no column feeds."""
    present = set(fed)
    return [group for group in REQUIRED[type_name] if not present.intersection(group)]
