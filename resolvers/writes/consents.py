"""recordConsent: a person's permission to be contacted, per channel and purpose (GDPR).

Consents are never overwritten: each call adds a Consent node, so the history of who agreed to
what, when and where is kept as evidence; the newest record per channel and purpose is in force.
"""

from __future__ import annotations

from typing import Any

from graphdb.driver import run_in
from graphdb.writes import activity as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes._audit import Subject
from resolvers.writes._fields import enum_value, present
from resolvers.writes._tx import (
    Checks,
    Guard,
    Tx,
    decode_ref,
    execute,
    new_node,
    now,
    payload_entity,
    validator,
)

SUBJECTS = {"Customer": "customer", "Contact": "contact"}


async def record_consent(call: Call, data: Input) -> Outcome:
    v = validator(call)
    subject = decode_ref(v, "subjectId", data.subject_id, set(SUBJECTS))
    props = {
        "channel": enum_value("channel", data.channel),
        "purpose": v.text("purpose", data.purpose, required=True, max_length=100),
        "granted": bool(data.granted),
        "recordedAt": v.datetime("recordedAt", data.recorded_at)
        if present(data.recorded_at)
        else now(),
        "source": v.text("source", data.source, max_length=200) if present(data.source) else None,
    }
    if subject is None or not v.ok:
        return Outcome.of(errors=v.errors)
    node = new_node(props, now())

    async def work(tx: Tx) -> dict[str, Any]:
        c = Checks(tx)
        await c.exist([subject])
        c.done()
        await run_in(
            tx,
            cypher.record_consent(subject.type_name),
            {"subjectId": subject.raw_id, "props": node},
        )
        field = SUBJECTS[subject.type_name]
        return {
            "consent": await payload_entity(tx, call, "consent", "Consent", node["id"]),
            field: await payload_entity(tx, call, field, subject.type_name, subject.raw_id),
        }

    rows, errors = await execute(
        call,
        work,
        subject=Subject(subject.type_name, subject.raw_id),
        guard=Guard(own=(subject,)),
    )
    return Outcome.of(**(rows or {}), errors=errors)
