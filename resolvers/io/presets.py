"""Column presets for the exports people bring from other CRMs, and the header check.

A preset maps another tool's export headers to Rapport fields (`--preset hubspot-contacts`),
and is chosen by itself when a file's header row carries the tool's tell-tale columns. Before
any row is read, `check_header` makes sure every required field of the type is fed by some
column (else the import fails with exit 1 and writes nothing), and lists each column that feeds
nothing with the field it most resembles.

The headers are the ones the tools write in English-language accounts: HubSpot's "Export" of
contacts, companies and deals, Salesforce's Data Loader / Data Export files (API field names) of
Accounts, Contacts and AccountContactRelation, and Pipedrive's export of people and
organizations; `excel-contacts` reads a spreadsheet whose headers are Slovak, Czech, Polish,
Hungarian or German words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


_JOB = {"Job Title": "jobTitle", "Company Name": "companyName"}

#: HubSpot's default deal stages (labels) → an order's status; other stages are open deals
_HUBSPOT_STAGES = {"closed won": "PAID", "closed lost": "CANCELLED"}
#: Salesforce's Roles picklist (AccountContactRelation, OpportunityContactRole) → decisionRole,
#: strongest first: a multi-select cell ("Decision Maker;Evaluator") gives the strongest
_SALESFORCE_ROLES = {
    "decision maker": "DECISION_MAKER",
    "economic decision maker": "DECISION_MAKER",
    "economic buyer": "ECONOMIC_BUYER",
    "executive sponsor": "CHAMPION",
    "influencer": "INFLUENCER",
    "technical buyer": "INFLUENCER",
    "evaluator": "INFLUENCER",
    "business user": "USER",
}
_ROLE_ORDER = ("DECISION_MAKER", "ECONOMIC_BUYER", "CHAMPION", "INFLUENCER", "USER")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _hubspot_stage(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    return _HUBSPOT_STAGES.get(text.casefold(), "PENDING")


def _hubspot_close_date(value: str) -> str:
    """HubSpot's Close Date is a date property, which HubSpot keeps as midnight UTC."""
    text = value.strip()
    return f"{text}T00:00:00Z" if _DATE_ONLY.fullmatch(text) else text


def _salesforce_roles(value: str) -> str | None:
    """The strongest known role of a multi-select Roles cell; none known: no decisionRole."""
    found = {_SALESFORCE_ROLES.get(r.strip().casefold()) for r in value.split(";")}
    return next((role for role in _ROLE_ORDER if role in found), None)


#: The generic spreadsheet of contacts: headers as people write them in SK, CZ, PL, HU and DE
_EXCEL_FIRST = (
    "Meno",
    "Krstné meno",
    "Jméno",
    "Křestní jméno",
    "Imię",
    "Keresztnév",
    "Utónév",
    "Vorname",
)
_EXCEL_LAST = (
    "Priezvisko",
    "Příjmení",
    "Nazwisko",
    "Vezetéknév",
    "Családnév",
    "Nachname",
    "Familienname",
)
_EXCEL_EMAIL = (
    "E-mail",
    "Email",
    "E-Mail",
    "Mail",
    "Adres e-mail",
    "E-mail cím",
    "E-Mail-Adresse",
    "E-mailová adresa",
    "Emailová adresa",
)
_EXCEL_COLUMNS = {
    **dict.fromkeys(_EXCEL_FIRST, "firstName"),
    **dict.fromkeys(_EXCEL_LAST, "lastName"),
    **dict.fromkeys(_EXCEL_EMAIL, "email"),
    **dict.fromkeys(
        (
            "Telefón",
            "Telefon",
            "Tel.",
            "Mobil",
            "Telefónne číslo",
            "Telefonní číslo",
            "Numer telefonu",
            "Telefonszám",
            "Telefonnummer",
            "Handy",
        ),
        "phone",
    ),
    **dict.fromkeys(
        ("Dátum narodenia", "Datum narození", "Data urodzenia", "Születési dátum", "Geburtsdatum"),
        "birthday",
    ),
    **dict.fromkeys(
        ("Ulica", "Ulice", "Utca", "Cím", "Straße", "Strasse", "Adres"), "addressLine1"
    ),
    **dict.fromkeys(
        ("Mesto", "Obec", "Město", "Miasto", "Miejscowość", "Város", "Ort", "Stadt"), "city"
    ),
    **dict.fromkeys(("PSČ", "Kod pocztowy", "Irányítószám", "PLZ", "Postleitzahl"), "postalCode"),
    **dict.fromkeys(("Krajina", "Štát", "Země", "Stát", "Kraj", "Ország", "Land"), "country"),
    **dict.fromkeys(
        ("Firma", "Spoločnosť", "Společnost", "Spółka", "Cég", "Unternehmen"), "companyName"
    ),
    **dict.fromkeys(
        ("IČO", "NIP", "Adószám", "Handelsregisternummer"), "companyRegistrationNumber"
    ),
    **dict.fromkeys(
        (
            "Pozícia",
            "Funkcia",
            "Pozice",
            "Funkce",
            "Stanowisko",
            "Beosztás",
            "Position",
            "Funktion",
        ),
        "jobTitle",
    ),
    **dict.fromkeys(("Oddelenie", "Oddělení", "Dział", "Osztály", "Abteilung"), "department"),
    **dict.fromkeys(
        ("Nadriadený", "Nadřízený", "Przełożony", "Felettes", "Vorgesetzter"), "reportsToEmail"
    ),
}
_PIPEDRIVE_ORG_ADDRESS = {
    "Organization - Address - Street/road name": "addressLine1",
    "Organization - Address - City/town/village/locality": "city",
    "Organization - Address - ZIP/Postal code": "postalCode",
    "Organization - Address - State/county": "region",
    "Organization - Address - Country": "country",
}


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
    #: groups of headers of which one each must be present (compared ignoring case, spaces,
    #: `_-.`), for presets that recognise headers in several languages
    any_of: tuple[frozenset[str], ...] = ()
    #: the tool's values → Rapport's, by source header (e.g. "Closed Won" → PAID)
    values: Mapping[str, Callable[[str], str | None]] = field(default_factory=dict)
    #: columns the tool splits that are one Rapport field: the first header gets the values of
    #: all of them, space-separated (street and house number)
    joins: tuple[tuple[str, ...], ...] = ()
    #: a value for a field that no column of the file feeds (a deal is one line of quantity 1)
    defaults: Mapping[str, str] = field(default_factory=dict)

    @property
    def folded(self) -> dict[str, str]:
        """The preset's headers ignoring case and separators → fields."""
        return {fold(h): f for h, f in self.columns.items()}

    def matches(self, header: set[str]) -> bool:
        folded = {fold(h) for h in header}
        return self.signature <= header and all(
            folded & {fold(h) for h in group} for group in self.any_of
        )

    def prepare(self, row: dict[str, Any]) -> dict[str, Any]:
        """A file row with the preset's joins, value rewrites and defaults applied (run before
        the columns are renamed)."""
        out = dict(row)
        for first, *rest in self.joins:
            parts = [str(out.pop(c)).strip() for c in (first, *rest) if out.get(c) is not None]
            if parts:
                out[first] = " ".join(p for p in parts if p)
        for column, rewrite in self.values.items():
            value = out.get(column)
            if isinstance(value, str):
                rewritten = rewrite(value)
                if rewritten is None:
                    del out[column]
                else:
                    out[column] = rewritten
        for name, value in self.defaults.items():
            if name not in out and not any(self.columns.get(c.strip()) == name for c in out):
                out[name] = value
        return out


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
                "Record ID": "externalId",
                **_JOB,
                **_ADDRESS_HUBSPOT,
            },
            frozenset({"Record ID", "First Name", "Last Name", "Email"}),
            {
                "Associated Company": "HubSpot's association; Company Name names the employer",
                "Contact owner": "owners are users of HubSpot; Rapport's account managers are "
                "set on customers (accountManagerEmail)",
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
                "Record ID": "externalId",
                **_ADDRESS_HUBSPOT,
            },
            frozenset({"Record ID", "Company name", "Company Domain Name"}),
            {},
        ),
        Preset(
            "hubspot-deals",
            "orders",
            "HubSpot deals export, one row per deal (or per line item), as orders",
            {
                "Record ID": "externalId",
                "Associated Company IDs (Primary)": "customerExternalId",
                "Associated Company IDs": "customerExternalId",
                "Close Date": "placedAt",
                "Deal Stage": "status",
                "Currency": "currency",
                "SKU": "sku",
                "Quantity": "quantity",
                "Unit price": "unitPrice",
                "Amount": "unitPrice",
            },
            frozenset({"Record ID", "Deal Name", "Deal Stage", "Close Date"}),
            {
                "Deal Name": "an order has no name; it is found again by its Record ID",
                "Pipeline": "Rapport has one order flow; the stage gives the status",
                "Deal owner": "set the account manager on the customer (accountManagerEmail)",
                "Associated Company": "the customer is named by Associated Company IDs",
            },
            values={"Deal Stage": _hubspot_stage, "Close Date": _hubspot_close_date},
            defaults={"quantity": "1"},
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
                "Id": "externalId",
                "BillingStreet": "addressLine1",
                "BillingCity": "city",
                "BillingState": "region",
                "BillingPostalCode": "postalCode",
                "BillingCountry": "country",
            },
            frozenset({"Id", "Name", "BillingCity"}),
            {"OwnerId": "owners are Salesforce users; set accountManagerEmail on the customer"},
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
                "Id": "externalId",
                "AccountId": "companyExternalId",
                "Title": "jobTitle",
                "Department": "department",
                "ReportsToId": "reportsToExternalId",
            },
            frozenset({"Id", "AccountId", "FirstName", "LastName"}),
            {"OwnerId": "owners are Salesforce users; set accountManagerEmail on the customer"},
        ),
        Preset(
            "salesforce-account-contact-relations",
            "employments",
            "Salesforce AccountContactRelation (Data Loader / Data Export), as jobs with roles",
            {
                "ContactId": "contactExternalId",
                "AccountId": "companyExternalId",
                "Roles": "decisionRole",
                "StartDate": "startedOn",
                "EndDate": "endedOn",
            },
            frozenset({"AccountId", "ContactId", "Roles"}),
            {
                "Id": "the relation's own id; a job is found again by its contact and company",
                "IsDirect": "the contact's primary account; every relation is a job here",
                "IsActive": "give EndDate for a relation that ended",
            },
            values={"Roles": _salesforce_roles},
        ),
        Preset(
            "pipedrive-persons",
            "contacts",
            "Pipedrive people export",
            {
                "Person - ID": "externalId",
                "Person - First name": "firstName",
                "Person - Last name": "lastName",
                "Person - Email - Work": "email",
                "Person - Email - Home": "email",
                "Person - Email - Other": "email",
                "Person - Phone - Work": "phone",
                "Person - Phone - Mobile": "phone",
                "Person - Phone - Home": "phone",
                "Person - Phone - Other": "phone",
                "Person - Birthday": "birthday",
                "Person - Organization": "companyName",
                "Person - Job title": "jobTitle",
            },
            frozenset({"Person - ID", "Person - Name"}),
            {
                "Person - Name": "the full name; Rapport takes First name and Last name",
                "Person - Owner": "owners are Pipedrive users; set accountManagerEmail on the "
                "customer",
                "Person - Label": "import labels as customer tags (--type customers: tags)",
            },
        ),
        Preset(
            "pipedrive-organizations",
            "companies",
            "Pipedrive organizations export",
            {
                "Organization - ID": "externalId",
                "Organization - Name": "name",
                "Organization - Website": "domain",
                "Organization - Industry": "industry",
                "Organization - Number of employees": "employeeCount",
                "Organization - Annual revenue": "annualRevenue",
                **_PIPEDRIVE_ORG_ADDRESS,
            },
            frozenset({"Organization - ID", "Organization - Name"}),
            {
                "Organization - Owner": "owners are Pipedrive users; set accountManagerEmail on "
                "the customer",
                "Organization - Address": "the formatted address; its parts are read instead",
                "Organization - Label": "import labels as customer tags (--type customers: tags)",
            },
            joins=(
                (
                    "Organization - Address - Street/road name",
                    "Organization - Address - House number",
                ),
            ),
        ),
        Preset(
            "excel-contacts",
            "contacts",
            "A spreadsheet of contacts with headers in Slovak, Czech, Polish, Hungarian or German",
            _EXCEL_COLUMNS,
            frozenset(),
            {},
            any_of=(frozenset(_EXCEL_FIRST), frozenset(_EXCEL_LAST), frozenset(_EXCEL_EMAIL)),
        ),
    )
}

assert tuple(PRESETS) == PRESET_NAMES, "resolvers/io/names.py must list the presets"

#: Every required field of a type, as alternatives: one field of each group must be fed.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": (("externalId",), ("kind",), ("name",)),
    "companies": (("name",), ("registrationNumber", "domain", "externalId")),
    "contacts": (("firstName",), ("lastName",), ("email",)),
    "products": (("sku",), ("name",), ("price",), ("currency",)),
    "orders": (("externalId",), ("customerExternalId",), ("placedAt",), ("sku",), ("quantity",)),
    "interactions": (("kind",), ("occurredAt",), ("customerExternalIds", "contactEmails")),
    "referrals": (
        ("referrerExternalId", "referrerEmail"),
        ("referredExternalId",),
        ("referredAt",),
    ),
    "employments": (
        ("contactEmail", "contactExternalId"),
        ("companyRegistrationNumber", "companyDomain", "companyExternalId", "companyName"),
    ),
}


def preset(name: str) -> Preset:
    found = PRESETS.get(name)
    if found is None:
        raise MappingError(f"Unknown preset {name!r}; use one of {', '.join(PRESETS)}.")
    return found


def detect_preset(header: Iterable[str]) -> Preset | None:
    """The preset whose signature headers the file has (the one matching most columns)."""
    names = {h.strip() for h in header}
    matches = [p for p in PRESETS.values() if p.matches(names)]
    if not matches:
        return None
    return max(
        matches,
        key=lambda p: (len(p.signature), len({fold(n) for n in names} & set(p.folded))),
    )


def renames_for(
    found: Preset | None, header: Iterable[str], renames: Mapping[str, str]
) -> dict[str, str]:
    """The preset's renames for the headers the file has, then the user's `--map` on top."""
    out: dict[str, str] = {}
    if found is not None:
        taken: set[str] = set()
        folded = found.folded
        joined = {c for _, *rest in found.joins for c in rest}
        for column in header:
            if column.strip() in joined:
                continue
            target = found.columns.get(column.strip()) or folded.get(fold(column))
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
