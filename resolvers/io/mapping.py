"""Which column of a file feeds which field: by header, with `--map src=dst` renames.

A header matches a field when it is the field's name, or the same once case, spaces, dashes and
underscores are ignored ("External ID", "external_id" and "externalId" all mean externalId).
`--map "Kundennummer=externalId,Mail=email"` renames first. Columns that match nothing are
ignored and listed in the report; read-only columns of an export (id, version, createdAt…) are
ignored silently, so an exported file imports as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Columns an export writes that are not input (the database assigns them).
READ_ONLY = frozenset(
    {
        "id",
        "createdAt",
        "updatedAt",
        "version",
        "fullName",
        "orderCount",
        "totalSpent",
        "averageOrderValue",
        "firstOrderAt",
        "lastOrderAt",
        "lastInteractionAt",
        "total",
        "lineTotal",
    }
)


class MappingError(ValueError):
    """A `--map` that cannot be used (bad syntax, unknown target field)."""


def fold(name: str) -> str:
    """A header as compared: case, spaces, `_`, `-` and `.` ignored."""
    return re.sub(r"[\s_\-.]+", "", name).casefold()


def parse_map(spec: str | Mapping[str, Any] | None) -> dict[str, str]:
    """`"a=b,c=d"` (CLI) or `{"a": "b"}` (GraphQL JSON) as {source header: field}."""
    if spec is None or spec == "":
        return {}
    if isinstance(spec, Mapping):
        pairs = [(str(k), v) for k, v in spec.items()]
    else:
        pairs = []
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise MappingError(f"--map entry {part.strip()!r} is not of the form src=dst.")
            src, dst = part.split("=", 1)
            pairs.append((src.strip(), dst.strip()))
    out: dict[str, str] = {}
    for src, dst in pairs:
        if not isinstance(dst, str) or not src or not dst:
            raise MappingError(f"--map entry {src!r} needs a source column and a field name.")
        out[src] = dst
    return out


class ColumnMap:
    """Header → field for one type and one `--map`; headers are resolved on first sight, so
    JSONL records need not all carry the same keys. `ignored` lists headers that feed nothing."""

    def __init__(self, columns: Iterable[str], renames: Mapping[str, str]) -> None:
        self.columns = list(columns)
        self.renames = dict(renames)
        for src, dst in self.renames.items():
            if dst not in self.columns:
                raise MappingError(
                    f"--map {src}={dst}: {dst!r} is not a field of this type; "
                    f"use one of {', '.join(self.columns)}."
                )
        self._by_fold = {fold(c): c for c in self.columns}
        self._known = set(self.columns)
        self.fields: dict[str, str | None] = {}
        self.ignored: list[str] = []

    def target(self, header: str) -> str | None:
        if header in self.fields:
            return self.fields[header]
        found = self.renames.get(header) or (header if header in self._known else None)
        found = found or self._by_fold.get(fold(header))
        self.fields[header] = found
        if found is None and header not in READ_ONLY:
            self.ignored.append(header)
        return found

    def apply(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row keyed by field name (unknown headers dropped; the first of two wins)."""
        out: dict[str, Any] = {}
        for header, value in row.items():
            name = self.target(header)
            if name is not None and name not in out:
                out[name] = value
        return out

    def column_of(self, name: str) -> str:
        """The file's header that feeds field `name` (the field's own name if none does)."""
        for header, target in self.fields.items():
            if target == name:
                return header
        return name
