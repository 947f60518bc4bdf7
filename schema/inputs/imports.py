"""Input of importRecords: a small file's worth of rows, imported like `rapport import`."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.scalars import JSON


@strawberry.enum(
    description="What the imported rows are (docs/import-export.md lists the columns)."
)
class ImportType(Enum):
    CUSTOMERS = "customers"
    COMPANIES = "companies"
    CONTACTS = "contacts"
    PRODUCTS = "products"
    ORDERS = "orders"
    INTERACTIONS = "interactions"
    REFERRALS = "referrals"
    EMPLOYMENTS = "employments"


@strawberry.enum(description="How `data` is written.")
class ImportFormat(Enum):
    CSV = "csv"
    JSONL = "jsonl"


@strawberry.input(description="Rows to import: at most 1,000; larger files go through the CLI.")
class ImportRecordsInput:
    type: ImportType = strawberry.field(description="What the rows are.")
    data: str = strawberry.field(
        description="The rows: CSV with a header line, or JSON Lines (one object per line)."
    )
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
