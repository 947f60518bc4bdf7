"""Payloads of segment mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import deleted_id, entity, errors
from schema.types.entities import Segment
from schema.types.errors import UserError

_SEGMENT = "The segment as saved (members as of now); null when refused."


@strawberry.type(description="Result of createSegment.")
class CreateSegmentPayload:
    segment: Segment | None = entity(_SEGMENT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateSegment.")
class UpdateSegmentPayload:
    segment: Segment | None = entity(_SEGMENT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteSegment.")
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    segment: Segment | None = entity(
        "The segment as it was just before it was deleted; null when refused."
    )
    errors: list[UserError] = errors()
