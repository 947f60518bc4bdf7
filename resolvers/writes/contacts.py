"""createContact, updateContact, deleteContact.

`fullName` is stored (first + last name) because the full-text index searches it; it is
recomputed in the same transaction whenever either part changes. Deleting a contact removes
their jobs, org-chart links, acquaintances, tags and consent records; interactions stay (they
are part of the customer's history and may involve other people).
"""

from __future__ import annotations

from typing import Any

from core.validation import Validator
from graphdb.driver import run_in
from graphdb.writes import contacts as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, expected_version
from resolvers.writes._tx import OPEN, Guard, Ref, Tx, decode_ref, stored_country, validator

TYPE, FIELD = "Contact", "contact"


def contact_props(
    v: Validator, data: Input, *, creating: bool, stored_country: str | None = None
) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating, stored_country=stored_country)
    ch.put("first_name", "firstName", lambda f, x: v.name(f, x, max_length=100), required=True)
    ch.put("last_name", "lastName", lambda f, x: v.name(f, x, max_length=100), required=True)
    ch.address()
    ch.put("email", "email", v.email)
    ch.put("phone", "phone", lambda f, x: v.phone(f, x, region=ch.country))
    ch.put("video_handle", "videoHandle", v.url_or_handle)
    ch.put("birthday", "birthday", v.birthday)
    ch.put(
        "personal_notes",
        "personalNotes",
        lambda f, x: v.text(f, x, max_length=5000, allow_newlines=True),
    )
    return ch.props


async def _refresh_full_name(tx: Tx, raw_id: str) -> None:
    await run_in(tx, cypher.REFRESH_FULL_NAME, {"id": raw_id})


async def create_contact(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = contact_props(v, data, creating=True)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    props["fullName"] = f"{props['firstName']} {props['lastName']}"
    written, errors = await _crud.create(call, TYPE, FIELD, props, guard=OPEN, request=data)
    return Outcome.written("contact", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_contact(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    stored = await stored_country(call, ref, data)
    props = contact_props(v, data, creating=False, stored_country=stored)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)
    renamed = "firstName" in props or "lastName" in props
    written, errors = await _crud.update(
        call,
        ref,
        FIELD,
        expected_version(data),
        props,
        link=_refresh_full_name if renamed else None,
        guard=Guard(own=(ref,)),
    )
    return Outcome.written("contact", written, errors)


async def delete_contact(call: Call, data: Input) -> Outcome:
    v = validator(call)
    deleted = await _crud.delete_by_id(
        call, v, _decode_id(v, data.id), FIELD, expected_version(data)
    )
    return Outcome.of(
        deleted_id=deleted.deleted_id,
        contact=deleted.row,
        errors=deleted.errors,
    )
