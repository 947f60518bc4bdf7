"""Bulk data in and out: `rapport import` and `rapport export` (docs/import-export.md).

Import reads CSV, JSONL or XLSX (rapport/io/readers.py, with the encoding and delimiter found
by rapport/io/sniff.py), reads locale-formatted values (rapport/io/values.py), validates each
row with the mutations' own validation (rapport/io/rows.py), and upserts in batches
(rapport/io/load.py); rapport/io/importing.py runs it. Export streams an entity type in keyset
pages with the caller's personal-data masking (rapport/io/export.py).

The names below are loaded on first use, so that importing `rapport.io.names` (which the CLI
does to build `--help`) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rapport.io.importing import import_rows, progress_bar, read_source
    from rapport.io.load import Importer
    from rapport.io.names import DEFAULT_BATCH_SIZE, IMPORT_TYPES
    from rapport.io.readers import FORMATS, read_file, read_text
    from rapport.io.report import ImportResult, RowError, default_report_path, write_report

_EXPORTS = {
    "DEFAULT_BATCH_SIZE": "rapport.io.names",
    "IMPORT_TYPES": "rapport.io.names",
    "FORMATS": "rapport.io.readers",
    "read_file": "rapport.io.readers",
    "read_text": "rapport.io.readers",
    "ImportResult": "rapport.io.report",
    "RowError": "rapport.io.report",
    "default_report_path": "rapport.io.report",
    "write_report": "rapport.io.report",
    "Importer": "rapport.io.load",
    "import_rows": "rapport.io.importing",
    "progress_bar": "rapport.io.importing",
    "read_source": "rapport.io.importing",
}

__all__ = [  # noqa: RUF022 - the same order as _EXPORTS
    "DEFAULT_BATCH_SIZE",
    "IMPORT_TYPES",
    "FORMATS",
    "read_file",
    "read_text",
    "ImportResult",
    "RowError",
    "default_report_path",
    "write_report",
    "Importer",
    "import_rows",
    "progress_bar",
    "read_source",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rapport.io' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
