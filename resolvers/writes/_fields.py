"""Turning an input object into the properties to store, for creates and updates alike.

Inputs leave a field ABSENT when the client did not mention it. On a create, unmentioned fields
are simply not stored; on an update they stay as they are, while an explicit null clears an
optional field (and is refused with REQUIRED for a field every record must have).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from core.validation import Code, Validator
from resolvers.call import ABSENT

Check = Callable[[str, Any], Any]

#: AddressInput (attribute, GraphQL field) → stored (flattened) property
ADDRESS_FIELDS = (
    ("line1", "line1", "addressLine1"),
    ("line2", "line2", "addressLine2"),
    ("postal_code", "postalCode", "postalCode"),
    ("city", "city", "city"),
    ("region", "region", "region"),
    ("country", "country", "country"),
)


def given(data: object, attr: str) -> bool:
    """True when the client sent this field (possibly as null)."""
    return getattr(data, attr, ABSENT) is not ABSENT


def enum_value(field: str, value: Any) -> Any:
    """Enum inputs are already checked by GraphQL; store their name."""
    return value.value if isinstance(value, Enum) else value


def enum_check(v: Validator, allowed: Sequence[str]) -> Check:
    """An enum field: GraphQL enums pass through by name; text (the importer) is validated."""

    def check(field: str, value: Any) -> Any:
        return value.value if isinstance(value, Enum) else v.enum(field, value, allowed)

    return check


def as_is(field: str, value: Any) -> Any:
    return value


class Changes:
    """Properties to write, collected field by field from one input object."""

    def __init__(
        self, v: Validator, data: object, *, creating: bool, stored_country: str | None = None
    ) -> None:
        self.v = v
        self.data = data
        self.creating = creating
        #: the record's country before this change (updates), for reading its phone numbers
        self.stored_country = stored_country
        self.props: dict[str, Any] = {}

    def raw(self, attr: str) -> Any:
        return getattr(self.data, attr, ABSENT)

    def put(self, attr: str, prop: str, check: Check, *, required: bool = False) -> None:
        """Validate `data.<attr>` with `check` and store it as `prop` (also the error field)."""
        raw = self.raw(attr)
        if raw is ABSENT or raw is None:
            if required and (self.creating or raw is None):
                message = (
                    "This field is required."
                    if self.creating
                    else "This field cannot be emptied; every record needs it."
                )
                self.v.add(prop, Code.REQUIRED, message)
            elif raw is None and not self.creating:
                self.props[prop] = None
            return
        value = check(prop, raw)
        if value is not None:
            self.props[prop] = value

    def address(self, attr: str = "address") -> None:
        """A nested AddressInput: replaces all six stored address fields at once."""
        raw = self.raw(attr)
        if raw is ABSENT or (raw is None and self.creating):
            return
        if raw is None:
            self.props.update({prop: None for _, _, prop in ADDRESS_FIELDS})
            return
        sub = self.v.scoped(attr)
        for field, name, prop in ADDRESS_FIELDS:
            value = getattr(raw, field, None)
            if value is None:
                self.props[prop] = None
            elif field == "country":
                self.props[prop] = sub.country(name, value)
            else:
                self.props[prop] = sub.text(name, value, max_length=200)

    @property
    def country(self) -> str | None:
        """The record's country after this change, for reading phone numbers written without a
        prefix: the one sent, else (an update that does not touch it) the stored one."""
        if "country" not in self.props:
            return self.stored_country
        value = self.props["country"]
        return value if isinstance(value, str) else None


def expected_version(data: object) -> int | None:
    """The input's `expectedVersion`, or None when the client did not send one."""
    value = getattr(data, "expected_version", ABSENT)
    return None if value is ABSENT or value is None else int(value)


def present(value: object) -> bool:
    """True when an optional input value was sent and is not null."""
    return value is not None and value is not ABSENT
