"""`rapport export`: stream one entity type as CSV, JSONL or XLSX, in keyset pages.

Pages are read by ascending id with the statements of graphdb/compiler/export.py, so the
millionth row costs what the first did and memory stays one page.
Columns are the import columns of the type (so an export imports back unchanged) plus the
read-only ones (id, createdAt, updatedAt, version and, for customers, the order aggregates),
which the importer ignores. `--segment` exports a saved segment's current members, selected by
the same compiled filter (and consent rule) as `Segment.customers`.

Personal fields (`personal=True` in core/model.py) are masked *in the Cypher*, with the same
guards the GraphQL reads use (graphdb/compiler/visibility.py): with an ANALYST token they are
blank everywhere; with a SALES token they are blank except on the customers that user MANAGES
and the contacts currently working at those customers' companies; ADMIN and MANAGER (and an
export run without a token, by an operator holding the database credentials) see everything.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from core import global_id
from core.model import ENTITIES
from core.model import Kind as PropKind
from core.money import format_money, from_storage
from graphdb.compiler import export as statements
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.planner import check_no_personal_filter
from graphdb.compiler.visibility import FULL, Visibility
from graphdb.driver import Graph
from graphdb.segments import SavedSegment
from resolvers.io.names import DEFAULT_PAGE_SIZE, EXPORT_TYPES
from resolvers.io.rows import (
    COMPANY_COLUMNS,
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    INTERACTION_COLUMNS,
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
)
from resolvers.io.values import Conventions

_META = ("id",)
_STAMPS = ("createdAt", "updatedAt", "version")


@dataclass(frozen=True)
class ExportSpec:
    label: str
    columns: tuple[str, ...]


_SPECS = {
    "customers": ExportSpec(
        "Customer",
        (
            *_META,
            *CUSTOMER_COLUMNS,
            "orderCount",
            "totalSpent",
            "firstOrderAt",
            "lastOrderAt",
            "lastInteractionAt",
            *_STAMPS,
        ),
    ),
    "companies": ExportSpec("Company", (*_META, *COMPANY_COLUMNS, *_STAMPS)),
    "contacts": ExportSpec("Contact", (*_META, *CONTACT_COLUMNS, *_STAMPS)),
    "products": ExportSpec("Product", (*_META, *PRODUCT_COLUMNS, *_STAMPS)),
}


def _money(label: str) -> set[str]:
    return {n for n, p in ENTITIES[label].props.items() if p.kind is PropKind.MONEY}


def _check_segment(segment: SavedSegment, visibility: Visibility) -> None:
    """A segment exports only while its saved filter is valid and usable by this viewer."""
    if segment.invalid is not None:
        raise ValueError(f"the segment's saved filter is no longer valid: {segment.invalid}")
    if not visibility.may_filter_personal():
        try:
            check_no_personal_filter(ENTITIES["Customer"], segment.filter, "filter")
        except QueryArgumentError as exc:
            raise ValueError(
                "this segment selects customers by personal data, which your role may not see"
            ) from exc


def columns_of(type_name: str) -> tuple[str, ...]:
    if type_name == "orders":
        return ("id", *ORDER_COLUMNS, *_STAMPS)
    if type_name == "interactions":
        return ("id", *INTERACTION_COLUMNS, *_STAMPS)
    return _SPECS[type_name].columns


def _money_text(value: Any) -> Any:
    amount = from_storage(value) if isinstance(value, int) else None
    return format_money(amount) if amount is not None else value


async def export_rows(
    graph: Graph,
    type_name: str,
    visibility: Visibility = FULL,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    segment: SavedSegment | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Every record of `type_name` as {column: value}, page by page, in id order.

    With `segment` (customers only), just the segment's current members.
    """
    if type_name not in EXPORT_TYPES:
        raise ValueError(f"unknown export type {type_name!r}; use one of {', '.join(EXPORT_TYPES)}")
    if segment is not None and type_name != "customers":
        raise ValueError("a segment holds customers; use --type customers with --segment")
    if segment is not None:
        _check_segment(segment, visibility)
    if type_name == "orders":
        statement, params = statements.order_page(visibility, page_size)
    elif type_name == "interactions":
        statement, params = statements.interaction_page(visibility, page_size)
    else:
        spec = _SPECS[type_name]
        statement, params = statements.node_page(
            spec.label, spec.columns, visibility, page_size, segment
        )
    money = _money(_SPECS[type_name].label) if type_name in _SPECS else set()
    node_type = _NODE_TYPE[type_name]
    while True:
        records = await graph.read(statement, params)
        if not records:
            return
        last_raw = records[-1]["row"]["id"]
        for record in records:
            row = dict(record["row"])
            row["id"] = global_id.encode(node_type, row["id"])
            if type_name == "orders":
                for _, sku, quantity, unit_price in sorted(
                    record["lines"] or [[0, None, None, None]]
                ):
                    yield {
                        **row,
                        "sku": sku,
                        "quantity": quantity,
                        "unitPrice": _money_text(unit_price),
                    }
                continue
            if type_name == "interactions":
                row["customerExternalIds"] = ";".join(sorted(row["customerExternalIds"]))
                row["contactEmails"] = ";".join(sorted(e for e in row["contactEmails"] if e))
            for name in money:
                if name in row:
                    row[name] = _money_text(row[name])
            if isinstance(row.get("tags"), list):
                row["tags"] = ";".join(sorted(row["tags"])) or None
            yield row
        params["after"] = last_raw
        if len(records) < page_size:
            return


#: export type → the GraphQL type whose global ids the `id` column holds
_NODE_TYPE = {
    "customers": "Customer",
    "companies": "Company",
    "contacts": "Contact",
    "products": "Product",
    "orders": "Order",
    "interactions": "Interaction",
}
_LABEL_OF = _NODE_TYPE


def column_kinds(type_name: str) -> dict[str, str]:
    """Column → "money", "float", "int", "date" or "datetime" (other columns are text), so a
    spreadsheet gets number and date cells and the locale's decimal mark."""
    label = _LABEL_OF[type_name]
    props = ENTITIES[label].props
    kinds: dict[str, str] = {}
    names = {
        PropKind.MONEY: "money",
        PropKind.FLOAT: "float",
        PropKind.INT: "int",
        PropKind.DATE: "date",
        PropKind.DATETIME: "datetime",
    }
    for column in columns_of(type_name):
        prop = props.get(column)
        if prop is not None and prop.kind in names:
            kinds[column] = names[prop.kind]
    if type_name == "orders":
        kinds.update(unitPrice="money", quantity="int")
    if type_name == "customers":
        kinds.update(totalSpent="money", orderCount="int")
    return kinds


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Writer:
    """CSV, JSONL or XLSX output of rows with fixed columns.

    `excel=True` (CSV) writes what Excel opens as columns in the user's locale: a UTF-8 BOM, a
    semicolon and decimal commas (a comma and decimal points when `locale` uses a decimal point).
    XLSX has real cells: money and numbers as numbers, dates as dates (date-times stay ISO text
    with their offset: a spreadsheet cell has no time zone), a frozen header row, an autofilter
    and column widths.
    """

    def __init__(
        self,
        fmt: str,
        columns: Iterable[str],
        out: Path | None,
        *,
        kinds: Mapping[str, str] | None = None,
        excel: bool = False,
        locale: Conventions | None = None,
    ) -> None:
        self.fmt = fmt
        self.columns = list(columns)
        self.out = out
        self.kinds = dict(kinds or {})
        self.rows = 0
        self._decimal_comma = excel and (locale is None or locale.decimal == ",")
        self._handle: io.TextIOWrapper | None = None
        self._csv: Any = None
        self._book: Any = None
        self._sheet: Any = None
        if fmt == "xlsx":
            if out is None:
                raise ValueError("XLSX cannot be written to stdout; give --out FILE.xlsx.")
            from openpyxl import Workbook
            from openpyxl.utils import get_column_letter

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("export")
            self._sheet.freeze_panes = "A2"
            for i, column in enumerate(self.columns, start=1):
                width = _WIDTHS.get(self.kinds.get(column, ""), 18)
                if column == "id":
                    width = 44
                self._sheet.column_dimensions[get_column_letter(i)].width = max(
                    width, len(column) + 4
                )
            self._sheet.append(self.columns)
            return
        encoding = "utf-8-sig" if excel else "utf-8"
        if out is not None:
            self._handle = out.open("w", encoding=encoding, newline="")
        else:
            self._handle = io.TextIOWrapper(
                sys.stdout.buffer, encoding=encoding, newline="", write_through=True
            )
        if fmt == "csv":
            self._csv = csv.writer(self._handle, delimiter=";" if self._decimal_comma else ",")
            self._csv.writerow(self.columns)

    def write(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if self.fmt == "csv":
            self._csv.writerow([self._cell_text(c, row.get(c)) for c in self.columns])
        elif self.fmt == "jsonl":
            assert self._handle is not None
            record = {c: row[c] for c in self.columns if row.get(c) is not None}
            self._handle.write(orjson.dumps(record).decode() + "\n")
        else:
            self._sheet.append([self._xlsx_cell(c, row.get(c)) for c in self.columns])

    def _cell_text(self, column: str, value: Any) -> str:
        text = _text(value)
        if self._decimal_comma and self.kinds.get(column) in ("money", "float"):
            return text.replace(".", ",")
        return text

    def _xlsx_cell(self, column: str, value: Any) -> Any:
        from openpyxl.cell import WriteOnlyCell

        kind = self.kinds.get(column)
        fmt = None
        if value is not None and kind == "money":
            value, fmt = float(Decimal(str(value))), "#,##0.00##"
        elif value is not None and kind == "date" and isinstance(value, str):
            value, fmt = dt.date.fromisoformat(value[:10]), "yyyy-mm-dd"
        cell = WriteOnlyCell(self._sheet, value=value)
        if fmt is not None:
            cell.number_format = fmt
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text
        return cell

    def close(self) -> None:
        if self._book is not None:
            assert self.out is not None
            from openpyxl.utils import get_column_letter

            last = get_column_letter(max(1, len(self.columns)))
            self._sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
            self._book.save(self.out)
        elif self._handle is not None:
            if self.out is not None:
                self._handle.close()
            else:
                self._handle.flush()
                self._handle.detach()


#: column width (characters) by kind
_WIDTHS = {"money": 14, "float": 10, "int": 10, "date": 12, "datetime": 27}
