"""What an import did: counts, and every refused row with its field, code and message.

The JSON report (default `.rapport/import-report-<UTC timestamp>.json`) looks like::

    {"file": "customers.csv", "type": "customers", "dryRun": false,
     "startedAt": "2026-11-22T21:00:00+00:00", "seconds": 1.42, "rowsPerSecond": 7042,
     "rows": 10000, "created": 9990, "updated": 0, "unchanged": 0, "linked": 0, "failed": 10,
     "detected": {"format": "csv", "encoding": "Windows-1250", "delimiter": "semicolon", …},
     "ignoredColumns": ["Notes", "Lead Scor"],
     "suggestions": {"Lead Scor": "--map 'Lead Scor=leadScore'"},
     "resumedAfterRow": null, "stoppedAfterRow": null,
     "errors": [{"row": 17, "field": "email", "column": "E-mail", "code": "INVALID_EMAIL",
                 "message": "'jan@' is not a valid e-mail address: …"}]}

`row` is the row number a spreadsheet shows (the header is row 1; in JSONL the line number),
`field` the Rapport field and `column` the file's header that fed it.

A report outlives the import and is read by whoever finds the file, so it is written readable
by its owner only (0600), and an error about a personal field (an e-mail, a phone, a birthday…)
does not quote the value it refused: `'[redacted]'` stands where the message quoted it. The
console shows the full message to the operator who ran the import.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True)
class RowError:
    row: int
    field: str | None
    code: str
    message: str
    column: str | None = None


@dataclass
class ImportResult:
    type: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: customers whose company, account manager or tags the import linked
    linked: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    #: rows that passed validation (in a dry run: would be written)
    valid: int = 0
    #: how the file was read: format, encoding, delimiter, locale, preset (and whether each
    #: was detected or given)
    detected: dict[str, Any] = field(default_factory=dict)
    #: unmapped column → what it might have meant (a --map, or where its data belongs)
    suggestions: dict[str, str] = field(default_factory=dict)
    #: `--resume`: the row the interrupted import had committed up to, and the rows it had read
    resumed_after: int | None = None
    resumed_rows: int = 0
    #: an interrupted import: the last row of the last committed batch (0: none committed)
    stopped_after: int | None = None

    @property
    def failed(self) -> int:
        return len({e.row for e in self.errors})

    def tally(self) -> dict[str, int]:
        """The counts a checkpoint keeps and an importRecords answer carries, by field name."""
        return {
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "linked": self.linked,
        }

    @property
    def rows_per_second(self) -> float:
        return (self.rows - self.resumed_rows) / self.seconds if self.seconds else 0.0

    def as_json(self, source: str | None = None) -> dict[str, Any]:
        return {
            "file": source,
            "type": self.type,
            "dryRun": self.dry_run,
            "startedAt": self.started_at.isoformat(timespec="seconds"),
            "seconds": round(self.seconds, 3),
            "rowsPerSecond": round(self.rows_per_second),
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "linked": self.linked,
            "failed": self.failed,
            "detected": self.detected,
            "ignoredColumns": self.ignored_columns,
            "suggestions": self.suggestions,
            "resumedAfterRow": self.resumed_after,
            "stoppedAfterRow": self.stopped_after,
            "errors": [private_error(asdict(e)) for e in sorted(self.errors, key=lambda e: e.row)],
        }


#: Fields whose refused values a report does not repeat (the personal fields of the model).
PERSONAL_FIELDS = frozenset(
    {
        "email",
        "phone",
        "birthday",
        "videoHandle",
        "personalNotes",
        "addressLine1",
        "addressLine2",
        "postalCode",
    }
)
_QUOTED = re.compile(r"'[^']*'")


def private_error(error: dict[str, Any]) -> dict[str, Any]:
    """A row error as a file on disk may hold it: a refused personal value not repeated."""
    if error.get("field") in PERSONAL_FIELDS:
        return {**error, "message": _QUOTED.sub("'[redacted]'", error["message"])}
    return error


def default_report_path(data_dir: Path, at: dt.datetime | None = None) -> Path:
    stamp = (at or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return data_dir / f"import-report-{stamp}.json"


def write_report(result: ImportResult, path: Path, source: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # an existing, wider file is narrowed too
        out.write(orjson.dumps(result.as_json(source), option=orjson.OPT_INDENT_2) + b"\n")
    return path


def error_line(error: RowError) -> str:
    where = f"row {error.row}"
    if error.field:
        shown = error.column if error.column and error.column != error.field else None
        where += f", {error.field}" + (f" (column {shown!r})" if shown else "")
    return f"{where}: {error.code}: {error.message}"
