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
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import orjson

from resolvers.io.sniff import (
    SAMPLE_BYTES,
    Detected,
    SniffError,
    delimiter_char,
    file_encoding,
    guess_delimiter,
    sep_line,
)

Format = Literal["csv", "jsonl", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "xlsx")

RawRow = dict[str, Any]


class ReadError(Exception):
    """The file cannot be read at all (unknown format, encoding or delimiter, bad bytes)."""


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


class Source:
    """The records of one file or text, and `detected`: how it was read (encoding, delimiter).

    Everything that can make the whole file unreadable (unknown encoding, a byte that does not
    decode, no header) is found when the source is made, before any row is imported.
    """

    def __init__(
        self,
        fmt: Format,
        *,
        path: Path | None = None,
        text: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self.fmt = fmt
        self.path = path
        self._text = text
        self._skip_lines = 0
        enc: str | None = None
        enc_given = False
        if fmt != "xlsx" and path is not None:
            try:
                enc, enc_given = file_encoding(path, encoding)
            except SniffError as exc:
                raise ReadError(str(exc)) from exc
        if fmt == "xlsx" and path is not None and not zipfile.is_zipfile(path):
            raise ReadError(f"{path.name} is not an XLSX workbook (Excel 2007 or later).")
        self.encoding = enc
        self.delimiter: str | None = None
        given = False
        if fmt == "csv":
            try:
                chosen = delimiter_char(delimiter) if delimiter is not None else None
            except SniffError as exc:
                raise ReadError(str(exc)) from exc
            sample = self._sample()
            first_line = sample.split("\n", 1)[0]
            excel_sep = sep_line(first_line)
            if excel_sep is not None:
                self._skip_lines = 1
                sample = sample.split("\n", 1)[1] if "\n" in sample else ""
            given = chosen is not None
            self.delimiter = chosen or excel_sep or guess_delimiter(sample)
        self.detected = Detected(fmt, enc, enc_given, self.delimiter, given)

    def header(self) -> list[str] | None:
        """The header row (None for JSONL, whose records name their own keys)."""
        if self.fmt == "jsonl":
            return None
        if self.fmt == "xlsx":
            assert self.path is not None
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(self.path, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a damaged file
                raise ReadError(f"{self.path.name} cannot be read as XLSX: {exc}") from exc
            try:
                first = next(workbook.worksheets[0].iter_rows(values_only=True), None)
            finally:
                workbook.close()
            return [str(h).strip() for h in first if h is not None] if first else []
        sample = self._sample()
        if self._skip_lines:
            sample = sample.split("\n", 1)[1] if "\n" in sample else ""
        first_record = next(
            csv.reader(io.StringIO(sample, newline=""), delimiter=self.delimiter or ","), []
        )
        return [h.strip() for h in first_record if h.strip()]

    def last_row(self) -> int | None:
        """The number the file's last row has, or about (a quoted CSV cell spanning lines
        makes it a little less), read cheaply for the progress bar's total: the lines of a CSV
        or JSONL, the dimension an XLSX records (None when it records none)."""
        if self.fmt == "xlsx":
            assert self.path is not None
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(self.path, read_only=True, data_only=True)
            except Exception:  # the reading itself reports a damaged file
                return None
            try:
                rows = workbook.worksheets[0].max_row
            finally:
                workbook.close()
            return rows if isinstance(rows, int) and rows > 1 else None
        if self._text is not None:
            lines = self._text.count("\n") + (not self._text.endswith("\n"))
        else:
            assert self.path is not None
            lines, last = 0, b"\n"
            with self.path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
            lines += last != b"\n"
        return lines or None

    def _sample(self) -> str:
        if self._text is not None:
            return self._text[:SAMPLE_BYTES].removeprefix("\ufeff")
        assert self.path is not None and self.encoding is not None
        with self.path.open(encoding=self.encoding, newline="") as handle:
            return handle.read(SAMPLE_BYTES).removeprefix("\ufeff")

    def __iter__(self) -> Iterator[tuple[int, RawRow | BadRow]]:
        if self.fmt == "xlsx":
            assert self.path is not None
            yield from _xlsx(self.path)
            return
        if self._text is not None:
            handle: Any = io.StringIO(self._text.removeprefix("\ufeff"), newline="")
            yield from self._records(handle)
            return
        assert self.path is not None
        with self.path.open(encoding=self.encoding, newline="") as handle:
            first = handle.read(1)
            if first and first != "\ufeff":  # a BOM that survived a given encoding
                handle.seek(0)
            yield from self._records(handle)

    def _records(self, handle: Any) -> Iterator[tuple[int, RawRow | BadRow]]:
        if self.fmt == "jsonl":
            yield from _jsonl(handle)
            return
        for _ in range(self._skip_lines):
            handle.readline()
        yield from _csv(handle, self.delimiter or ",", self._skip_lines)


def read_file(
    path: Path,
    fmt: Format | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Source:
    """Every record of the file at `path`, streamed; encoding and delimiter detected unless
    given."""
    return Source(fmt or detect_format(path), path=path, encoding=encoding, delimiter=delimiter)


def read_text(data: str, fmt: Format, *, delimiter: str | None = None) -> Source:
    """Every record of an in-memory document (the GraphQL importRecords mutation)."""
    if fmt == "xlsx":
        raise ReadError("XLSX cannot be sent as text; use CSV or JSONL.")
    return Source(fmt, text=data, delimiter=delimiter)


def _csv(
    handle: Iterable[str], delimiter: str = ",", skipped: int = 0
) -> Iterator[tuple[int, RawRow | BadRow]]:
    reader = csv.reader(handle, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    names = [h.strip() for h in header]
    for values in reader:
        row = {name: value for name, value in zip(names, values, strict=False) if value != ""}
        if row:
            # line_num counts physical lines, which differs from the record number only when a
            # quoted cell spans lines; the record number is what spreadsheets show.
            yield reader.line_num + skipped, row


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
