"""Bulk data in and out: `rapport import` and `rapport export` (docs/import-export.md).

Import reads CSV, JSONL or XLSX (resolvers/io/readers.py, with the encoding and delimiter found
by resolvers/io/sniff.py), reads locale-formatted values (resolvers/io/values.py), validates each
row with the mutations' own validation (resolvers/io/rows.py), and upserts in batches
(resolvers/io/load.py); resolvers/io/importing.py runs it. Export streams an entity type in keyset
pages with the caller's personal-data masking (resolvers/io/export.py).

The names below are loaded on first use, so that importing `resolvers.io.names` (which the CLI
does to build `--help`) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from resolvers.io.importing import import_rows, progress_bar, read_source
    from resolvers.io.load import Importer
    from resolvers.io.names import DEFAULT_BATCH_SIZE, IMPORT_TYPES
    from resolvers.io.readers import FORMATS, read_file, read_text
    from resolvers.io.report import ImportResult, RowError, default_report_path, write_report

_EXPORTS = {
    "DEFAULT_BATCH_SIZE": "resolvers.io.names",
    "IMPORT_TYPES": "resolvers.io.names",
    "FORMATS": "resolvers.io.readers",
    "read_file": "resolvers.io.readers",
    "read_text": "resolvers.io.readers",
    "ImportResult": "resolvers.io.report",
    "RowError": "resolvers.io.report",
    "default_report_path": "resolvers.io.report",
    "write_report": "resolvers.io.report",
    "Importer": "resolvers.io.load",
    "import_rows": "resolvers.io.importing",
    "progress_bar": "resolvers.io.importing",
    "read_source": "resolvers.io.importing",
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
        raise AttributeError(f"module 'resolvers.io' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
