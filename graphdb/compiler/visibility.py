"""Who may see personal data: masking is compiled into the Cypher, never applied afterwards.

A personal field (`personal=True` in core/model.py) is emitted as
`CASE WHEN <guard> THEN <value> END`, so a masked value never leaves the database. Masked roles
may not filter on personal fields either (that would reveal values through totalCount or the
presence of a row), and search uses an index without e-mail addresses.

| role | personal data visible |
|---|---|
| ADMIN, MANAGER | everywhere |
| SALES | its own accounts (graphdb/ownership.py, the rule writes and subject access use too) |
| ANALYST | nowhere |

`Visibility.guard(entity)` is the API for "the visibility predicate template for an entity and
viewer": None (everything visible), "false" (nothing), or a template over `{n}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.viewer import Viewer
from graphdb.compiler.request import Request
from graphdb.ownership import VIEWER_PARAM, owned_template

__all__ = ["FULL", "VIEWER_PARAM", "Visibility", "masked"]


@dataclass(frozen=True)
class Visibility:
    role: str | None = None  # None: an internal call with no request (full access)
    user_id: str | None = None

    @classmethod
    def of(cls, call: Request) -> Visibility:
        return cls.for_viewer(call.principal)

    @classmethod
    def for_viewer(cls, principal: Viewer | None) -> Visibility:
        if principal is None:
            return FULL
        return cls(principal.role, principal.user_id)

    @property
    def full(self) -> bool:
        return self.role in (None, "ADMIN", "MANAGER")

    @property
    def cache_key(self) -> tuple[str | None, str | None]:
        # Only SALES statements depend on who the viewer is; the rest depend on the role.
        return (self.role, self.user_id if self.role == "SALES" else None)

    def guard(self, entity: str) -> str | None:
        """A predicate template over {n} for "personal data of {n} is visible", or None."""
        if self.full:
            return None
        if self.role == "SALES":
            return owned_template(entity)
        return "false"

    def params(self) -> dict[str, Any]:
        return {VIEWER_PARAM: self.user_id} if self.role == "SALES" else {}

    def may_filter_personal(self) -> bool:
        return self.full


FULL = Visibility()


def masked(expr: str, guard: str | None) -> str:
    """`expr` (a template over {n}) shown only where `guard` holds."""
    if guard is None:
        return expr
    if guard == "false":
        return "null"
    return f"CASE WHEN {guard} THEN {expr} END"
