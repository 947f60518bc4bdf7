"""Who may see personal data: masking is compiled into the Cypher, never applied afterwards.

A personal field (`personal=True` in core/model.py) is emitted as
`CASE WHEN <guard> THEN <value> END`, so a masked value never leaves the database (for SALES the
guard is a pattern predicate, evaluated once per record for all its fields: `SEEN`). Masked roles
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

from core.model import Entity
from core.viewer import Viewer
from graphdb.compiler.request import Request
from graphdb.ownership import VIEWER_PARAM, owned_template

__all__ = [
    "ADDRESS",
    "FULL",
    "SEEN",
    "VIEWER_PARAM",
    "Visibility",
    "masked",
    "masked_fields",
    "personal_field_names",
]


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

#: What a projection's items write for "this record's personal data is visible" when the guard
#: is a predicate: `Projection.emit` evaluates the guard once per record, binds it to a fresh
#: variable and puts that variable in place of this mark (graphdb/compiler/planner.py).
SEEN = "__rapport_seen__"


def masked(expr: str, guard: str | None) -> str:
    """`expr` (a template over {n}) shown only where `guard` holds."""
    if guard is None:
        return expr
    if guard == "false":
        return "null"
    return f"CASE WHEN {guard} THEN {expr} END"


#: The Address type's fields and the stored properties they read.
ADDRESS = {
    "line1": "addressLine1",
    "line2": "addressLine2",
    "postalCode": "postalCode",
    "city": "city",
    "region": "region",
    "country": "country",
}


def personal_field_names(entity: Entity) -> list[str]:
    """The GraphQL names of an entity's personal fields; address parts as `address.line1`."""
    by_stored = {stored: f"address.{key}" for key, stored in ADDRESS.items()}
    return [by_stored.get(p.name, p.name) for p in entity.props.values() if p.personal]


def masked_fields(entity: Entity, guard: str | None) -> str:
    """`maskedFields` as a Cypher template over {n}: every personal field when the guard fails.

    The list names the fields withheld, whether or not the record has a value in them: naming
    only the filled ones would tell a masked role which records have an e-mail or a phone.
    """
    names = personal_field_names(entity)
    literal = "[" + ", ".join(f"'{name}'" for name in names) + "]"
    if guard is None or not names:
        return "[]"
    if guard == "false":
        return literal
    return f"CASE WHEN {guard} THEN [] ELSE {literal} END"
