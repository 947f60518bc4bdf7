"""logInteraction: a touchpoint with customers and contacts, and the customers' recency.

Each customer participant's stored `lastInteractionAt` moves forward to the interaction's time
when that is newer (a backdated call does not move it back). The customers are write-locked
before the comparison, so two interactions logged at once cannot overwrite each other's time.
"""

from __future__ import annotations

from typing import Any

from core.model import INTERACTION_KINDS
from core.validation import Code, Validator
from graphdb.driver import run_in
from graphdb.writes import activity as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _idempotency
from resolvers.writes._audit import Subject
from resolvers.writes._fields import enum_check, present
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Tx,
    decode_ref,
    execute,
    new_node,
    now,
    payload_entity,
    validator,
)

MAX_PARTICIPANTS = 100


def interaction_props(v: Validator, data: Any) -> dict[str, Any]:
    """An interaction's own fields, shared with the importer (`data`: a Input or
    an object with the same attribute names); occurredAt defaults to now."""
    return {
        "kind": enum_check(v, INTERACTION_KINDS)("kind", data.kind),
        "occurredAt": v.datetime("occurredAt", data.occurred_at)
        if present(data.occurred_at)
        else now(),
        "subject": v.text("subject", data.subject, max_length=200)
        if present(data.subject)
        else None,
        "summary": v.text("summary", data.summary, max_length=10000, allow_newlines=True)
        if present(data.summary)
        else None,
        "outcome": v.text("outcome", data.outcome, max_length=1000, allow_newlines=True)
        if present(data.outcome)
        else None,
        "sentiment": v.number("sentiment", data.sentiment, minimum=-1, maximum=1)
        if present(data.sentiment)
        else None,
    }


async def log_interaction(call: Call, data: Input) -> Outcome:
    v = validator(call)
    if not data.participant_ids:
        v.add("participantIds", Code.REQUIRED, "Name at least one customer or contact involved.")
    elif len(data.participant_ids) > MAX_PARTICIPANTS:
        v.add("participantIds", Code.OUT_OF_RANGE, f"At most {MAX_PARTICIPANTS} participants.")
    participants: dict[str, Ref] = {}
    for i, value in enumerate(data.participant_ids[:MAX_PARTICIPANTS]):
        ref = decode_ref(v, ("participantIds", i), value, {"Customer", "Contact"})
        if ref is not None:
            participants.setdefault(ref.raw_id, ref)
    viewer = call.viewer
    logged_by = (
        decode_ref(v, "loggedById", data.logged_by_id, {"User"})
        if present(data.logged_by_id)
        else Ref(("input", "loggedById"), "User", viewer.user_id)
    )
    props = interaction_props(v, data)
    key = _idempotency.requested_key(v, data)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    node = new_node(props, now())
    customers = sorted(r.raw_id for r in participants.values() if r.type_name == "Customer")
    contacts = sorted(r.raw_id for r in participants.values() if r.type_name == "Contact")

    async def work(tx: Tx) -> Any:
        c = Checks(tx)
        await c.exist([r for r in participants.values() if r.type_name == "Customer"], lock=True)
        await c.exist([r for r in participants.values() if r.type_name == "Contact"])
        await c.exist([logged_by])
        c.done()
        await run_in(tx, cypher.CREATE_INTERACTION, {"props": node})
        await run_in(tx, cypher.WITH_CUSTOMERS, {"id": node["id"], "ids": customers})
        await run_in(tx, cypher.WITH_CONTACTS, {"id": node["id"], "ids": contacts})
        if logged_by is not None:
            await run_in(tx, cypher.LOGGED_BY, {"id": node["id"], "userId": logged_by.raw_id})
        return await payload_entity(tx, call, "interaction", "Interaction", node["id"])

    guard = Guard(
        own=tuple(participants.values()),
        self_only=(((("input", "loggedById"), logged_by.raw_id if logged_by else None),)),
    )

    async def replay(tx: Tx, target: str | None) -> Any:
        return await payload_entity(tx, call, "interaction", "Interaction", target or "")

    keyed = _idempotency.keyed(
        viewer.user_id,
        key,
        call.action,
        data,
        target=lambda _: ("Interaction", node["id"]),
        replay=replay,
    )
    row, errors = await execute(
        call, work, subject=Subject("Interaction", node["id"], new=True), guard=guard, keyed=keyed
    )
    return Outcome.of(interaction=row, errors=errors)
