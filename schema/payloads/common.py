"""Field helpers shared by every payload."""

from __future__ import annotations

from typing import Any

import strawberry

ERRORS = "Why the change was refused; empty when it was saved. When not empty, nothing was saved."


def entity(description: str) -> Any:
    """A payload's entity field: null when the mutation was refused."""
    return strawberry.field(default=None, description=description)


def errors() -> Any:
    return strawberry.field(default_factory=list, description=ERRORS)


def deleted_id() -> Any:
    return strawberry.field(
        default=None, description="Global id of the deleted record; null when refused."
    )
