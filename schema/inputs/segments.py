"""Inputs for saved segments."""

from __future__ import annotations

import strawberry

from schema.inputs.common import EXPECTED_VERSION, idempotency_key, opt, req
from schema.types.entities import ConsentChannel
from schema.types.filters import FILTERS

CustomerFilter = FILTERS["Customer"]

_NAME = "Unique name of the segment (DUPLICATE otherwise), at most 200 characters."
_DESCRIPTION = "What the segment is for; several lines are fine."
_FILTER = (
    "Which customers belong: the same filter `customers` takes. Left out on create: every "
    "customer. Members are recomputed at every read, so the segment follows the data."
)
_CONSENT = (
    "Only customers who granted this consent are members (their newest consent record for the "
    "channel and purpose grants it). Null on update removes the rule."
)


@strawberry.input(description="A consent that every member of a segment must have granted.")
class ConsentRequirementInput:
    channel: ConsentChannel = req("EMAIL, PHONE, SMS or POST.")  # type: ignore[valid-type]
    purpose: str = req("The purpose, matched exactly as recorded, e.g. newsletter.")


@strawberry.input(description="A new saved segment.")
class CreateSegmentInput:
    name: str = req(_NAME)
    description: str | None = opt(_DESCRIPTION)
    filter: CustomerFilter | None = opt(_FILTER)  # type: ignore[valid-type]
    require_consent: ConsentRequirementInput | None = opt(_CONSENT)
    idempotency_key: str | None = idempotency_key()


@strawberry.input(
    description="Changes to a segment. Fields you leave out stay as they are; `filter` "
    "replaces the whole saved filter."
)
class UpdateSegmentInput:
    id: strawberry.ID = req("Id of the segment to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    name: str | None = opt(_NAME)
    description: str | None = opt(_DESCRIPTION)
    filter: CustomerFilter | None = opt(_FILTER + " Null keeps every customer.")  # type: ignore[valid-type]
    require_consent: ConsentRequirementInput | None = opt(_CONSENT)


@strawberry.input(description="Which segment to delete (its customers are not touched).")
class DeleteSegmentInput:
    id: strawberry.ID = req("Id of the segment.")
    expected_version: int | None = opt(EXPECTED_VERSION)
