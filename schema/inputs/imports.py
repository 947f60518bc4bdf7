"""Input of importRecords: a small file's worth of rows, imported like `rapport import`."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.scalars import JSON


@strawberry.enum(
    description="What the imported rows are (docs/import-export.md lists the columns)."
)
class ImportType(Enum):
    CUSTOMERS = strawberry.enum_value(
        "customers", description="Customer accounts, matched by `externalId` (updated if known)."
    )
    COMPANIES = strawberry.enum_value(
        "companies", description="Companies, matched by `registrationNumber`, else `domain`."
    )
    CONTACTS = strawberry.enum_value("contacts", description="Contact people, matched by `email`.")
    PRODUCTS = strawberry.enum_value("products", description="Catalogue items, matched by `sku`.")
    ORDERS = strawberry.enum_value(
        "orders",
        description="Orders, one row per order line; rows with the same `externalId` form one "
        "order, and the customers' order totals are recounted.",
    )
    INTERACTIONS = strawberry.enum_value(
        "interactions",
        description="Calls, meetings, e-mails…; matched by `externalId` when given, otherwise "
        "every import adds them again.",
    )
    REFERRALS = strawberry.enum_value(
        "referrals",
        description="Who referred which customer, under the same rules as recordReferral.",
    )
    EMPLOYMENTS = strawberry.enum_value(
        "employments",
        description="Jobs: which contact works at which company, as setEmployment records them.",
    )


@strawberry.enum(description="How `data` is written.")
class ImportFormat(Enum):
    CSV = strawberry.enum_value(
        "csv", description="Comma-separated values with a header line of field names."
    )
    JSONL = strawberry.enum_value(
        "jsonl", description="JSON Lines: one JSON object per line, keyed by field name."
    )


@strawberry.input(
    description="What an import's rows are, how its file is written and whether it writes: the "
    "options importRecords and startImport share (not itself an argument)."
)
class ImportOptions:
    type: ImportType = strawberry.field(description="What the rows are.")
    format: ImportFormat = strawberry.field(
        default=ImportFormat.CSV, description="CSV (default) or JSONL."
    )
    map: JSON | None = strawberry.field(
        default=None,
        description='Column renames, {"source header": "field"}, like the CLI\'s --map.',
    )
    dry_run: bool = strawberry.field(
        default=False, description="Validate and report; write nothing."
    )
    delimiter: str | None = strawberry.field(
        default=None,
        description="CSV separator: comma, semicolon, tab or pipe (or the character itself); "
        "detected from the data when left out.",
    )
    locale: str | None = strawberry.field(
        default=None,
        description="How dates and numbers are written, e.g. sk-SK, de-DE, en-GB, en-US "
        "(24/12/1980 vs 12/24/1980, 1.234,50 vs 1,234.50); without it only unambiguous values "
        "are read.",
    )
    preset: str | None = strawberry.field(
        default=None,
        description="Another tool's export headers: hubspot-contacts, hubspot-companies, "
        "hubspot-deals, salesforce-accounts, salesforce-contacts, "
        "salesforce-account-contact-relations, pipedrive-persons, pipedrive-organizations or "
        "excel-contacts; detected from the header row when left out.",
    )


@strawberry.input(description="Rows to import: at most 1,000; larger files go through the CLI.")
class ImportRecordsInput(ImportOptions):
    data: str = strawberry.field(
        description="The rows: CSV with a header line, or JSON Lines (one object per line)."
    )
