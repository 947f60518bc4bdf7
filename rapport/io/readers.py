"""Streaming readers for CSV, JSONL and XLSX: each yields (row number, {header: value}).

Row numbers are what a person sees in the file: in CSV and XLSX the header is row 1, so the first
record is row 2; in JSONL a record's number is its line number. Empty cells are left out of the
row (a missing value, never an empty string), so "blank" means the same in every format.

XLSX cells are turned into the text a CSV export of the same sheet would hold (numbers without a
trailing ".0", dates as ISO 8601, booleans as true/false): the same sheet imported as CSV or as
XLSX then goes through validation identically. JSONL values keep their JSON types, exactly as a
GraphQL client would send them (so a float price is refused there as in the API).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import orjson

Format = Literal["csv", "jsonl", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "xlsx")

RawRow = dict[str, Any]


class ReadError(Exception):
    """The file cannot be read at all (unknown format, no header row)."""


class BadRow:
    """A line that is not a record (JSONL that is not a JSON object); reported, never loaded."""

    def __init__(self, message: str) -> None:
        self.message = message


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("csv", "txt"):
        return "csv"
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    raise ReadError(f"Cannot tell the format of {path.name}; name it .csv, .jsonl or .xlsx.")


def read_file(path: Path, fmt: Format | None = None) -> Iterator[tuple[int, RawRow | BadRow]]:
    """Every record of the file at `path`, streamed."""
    fmt = fmt or detect_format(path)
    if fmt == "xlsx":
        yield from _xlsx(path)
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from (_csv(handle) if fmt == "csv" else _jsonl(handle))


def read_text(data: str, fmt: Format) -> Iterator[tuple[int, RawRow | BadRow]]:
    """Every record of an in-memory document (the GraphQL importRecords mutation)."""
    if fmt == "xlsx":
        raise ReadError("XLSX cannot be sent as text; use CSV or JSONL.")
    handle = io.StringIO(data.removeprefix("\ufeff"), newline="")
    yield from (_csv(handle) if fmt == "csv" else _jsonl(handle))


def _csv(handle: Iterable[str]) -> Iterator[tuple[int, RawRow | BadRow]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip() for h in header]
    for values in reader:
        row = {name: value for name, value in zip(names, values, strict=False) if value != ""}
        if row:
            # line_num counts physical lines, which differs from the record number only when a
            # quoted cell spans lines; the record number is what spreadsheets show.
            yield reader.line_num, row


def _jsonl(handle: Iterable[str]) -> Iterator[tuple[int, RawRow | BadRow]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, BadRow(f"Line {number} is not valid JSON: {exc}.")
            continue
        if not isinstance(value, dict):
            yield number, BadRow(f"Line {number} is not a JSON object.")
            continue
        yield number, {str(k): v for k, v in value.items() if v is not None and v != ""}


def cell_text(value: object) -> str | None:
    """An XLSX cell as the text a CSV export of it would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _xlsx(path: Path) -> Iterator[tuple[int, RawRow | BadRow]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = [str(h).strip() if h is not None else "" for h in header]
        for number, values in enumerate(rows, start=2):
            row: RawRow = {}
            for name, value in zip(names, values, strict=False):
                text = cell_text(value)
                if name and text is not None:
                    row[name] = text
            if row:
                yield number, row
    finally:
        workbook.close()
