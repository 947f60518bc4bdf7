"""What every compile function returns: one statement, its parameters, and the shaper of its
rows into the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Compiled:
    cypher: str
    params: dict[str, Any]
    shape: Callable[[list[dict[str, Any]]], Any]
