"""Pieces shared by several inputs: optional fields and the postal address."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET


def opt(description: str) -> Any:
    """An optional input field. Left out: unchanged (updates) or not stored (creates)."""
    return strawberry.field(default=UNSET, description=description)


def req(description: str) -> Any:
    """A field the client must send."""
    return strawberry.field(description=description)


def idempotency_key() -> Any:
    """The optional `idempotencyKey` of a create mutation (resolvers/writes/_idempotency.py)."""
    return strawberry.field(
        default=UNSET,
        description="Any unique string you choose for this request (1-128 characters), e.g. a "
        "UUID. Sending the same request again with the same key (after a timeout, a lost "
        "connection, COMMIT_UNKNOWN) returns the record the first one created instead of "
        "creating a second; the same key with different input is IDEMPOTENCY_KEY_REUSED. "
        "Keys are per user.",
    )


EXPECTED_VERSION = (
    "The `version` you last read. If someone changed the record since, nothing is saved and "
    "you get VERSION_CONFLICT. Leave it out to save regardless."
)


@strawberry.input(
    description="A postal address. Sending it replaces the whole stored address; fields you "
    "leave out become empty."
)
class AddressInput:
    line1: str | None = strawberry.field(default=None, description="Street and number.")
    line2: str | None = strawberry.field(
        default=None, description="Apartment, floor, building, c/o."
    )
    postal_code: str | None = strawberry.field(
        default=None, description="Postal or ZIP code, e.g. 010 01."
    )
    city: str | None = strawberry.field(default=None, description="City or town.")
    region: str | None = strawberry.field(default=None, description="Region, state or county.")
    country: str | None = strawberry.field(
        default=None, description="Two-letter ISO country code, e.g. SK, CZ, PL, PT, CN."
    )
