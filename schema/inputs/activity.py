"""Inputs for interactions, tags and consents."""

from __future__ import annotations

import strawberry

from schema.inputs.common import idempotency_key, opt, req
from schema.scalars import DateTime
from schema.types.entities import ConsentChannel, InteractionKind


@strawberry.input(description="A touchpoint to record: a call, meeting, e-mail, visit…")
class LogInteractionInput:
    kind: InteractionKind = req(  # type: ignore[valid-type]
        "CALL, EMAIL, MEETING, VIDEO_CALL, CHAT, WEBSITE_VISIT, SUPPORT_TICKET, COMPLAINT or "
        "SURVEY."
    )
    participant_ids: list[strawberry.ID] = req(
        "Ids of the customers and contacts involved (at least one). Customers' "
        "`lastInteractionAt` moves forward to `occurredAt`."
    )
    occurred_at: DateTime | None = opt("When it happened; now when left out.")
    subject: str | None = opt("Short subject line.")
    summary: str | None = opt("What was said or done; several lines are fine.")
    outcome: str | None = opt("What came out of it: next step, resolution…")
    sentiment: float | None = opt("Mood, from -1 (angry) through 0 (neutral) to 1 (delighted).")
    logged_by_id: strawberry.ID | None = opt("Id of the User who records it.")
    idempotency_key: str | None = idempotency_key()


@strawberry.input(description="Tags to put on a customer, contact or company.")
class TagInput:
    entity_id: strawberry.ID = req("Id of the customer, contact or company to tag.")
    tags: list[str] = req(
        "Tag names, e.g. VIP, trade-fair-2025, 1-50 characters, trimmed. One tag per name "
        "regardless of case: an existing tag keeps the spelling it was created with."
    )


@strawberry.input(description="Tags to take off a customer, contact or company.")
class UntagInput:
    entity_id: strawberry.ID = req("Id of the customer, contact or company.")
    tags: list[str] = req("Tag names to remove (compared trimmed, regardless of case).")


@strawberry.input(
    description="A person gave or withdrew permission to be contacted. Every call adds a "
    "record, so the history is kept; the newest record per channel and purpose is in force."
)
class RecordConsentInput:
    subject_id: strawberry.ID = req("Id of the customer or contact it concerns.")
    channel: ConsentChannel = req("EMAIL, PHONE, SMS or POST.")  # type: ignore[valid-type]
    purpose: str = req("What for, e.g. newsletter, offers, surveys.")
    granted: bool = req("True when given, false when refused or withdrawn.")
    recorded_at: DateTime | None = opt("When the person said so; now when left out.")
    source: str | None = opt("Where it was recorded: web form, phone call, paper form…")
