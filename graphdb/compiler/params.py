"""Collects user values as Cypher parameters; statements only ever see `$pN` placeholders.
`Emitter` pairs them with the statement's variable names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        """Register a value and return its placeholder, e.g. `$p3`."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


class Vars:
    """Fresh Cypher variable names, so nested subqueries never shadow an outer variable."""

    def __init__(self) -> None:
        self._n = 0

    def new(self, prefix: str = "n") -> str:
        self._n += 1
        return f"{prefix}{self._n}"


@dataclass
class Emitter:
    """One statement's parameters and variable names, shared by every part that writes it."""

    params: Params = field(default_factory=Params)
    vars: Vars = field(default_factory=Vars)
