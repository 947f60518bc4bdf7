"""setEmployment, endEmployment, setReportsTo, connectContacts: links between people.

One job (WORKS_AT) per person and company, updated in place; ending it keeps it as history.
One manager per person, and the org chart never loops: the reporting check and the write run
behind the `reporting` application lock, so two concurrent changes cannot close a loop that
neither saw. One KNOWS per pair, whichever way round it was first stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.codes import WriteCode
from core.model import DECISION_ROLES, SENIORITIES
from core.validation import Validator
from graphdb.driver import run_in
from graphdb.writes import locks
from graphdb.writes import people as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes._audit import Subject
from resolvers.writes._fields import Changes, enum_check, present
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Tx,
    acquire,
    decode_ref,
    execute,
    now,
    payload_entity,
    validator,
)

_ENDED_BEFORE_STARTED = "A job cannot end before it started."


def _person_and_employer(v: Validator, data: Input) -> tuple[Ref | None, Ref | None]:
    return (
        decode_ref(v, "contactId", data.contact_id, {"Contact"}),
        decode_ref(v, "companyId", data.company_id, {"Company"}),
    )


async def _both(tx: Tx, call: Call, contact: Ref, company: Ref) -> tuple[Any, Any]:
    return (
        await payload_entity(tx, call, "contact", "Contact", contact.raw_id),
        await payload_entity(tx, call, "company", "Company", company.raw_id),
    )


def _check_dates(
    c: Checks, started: dt.date | None, ended: dt.date | None, field: str = "endedOn"
) -> None:
    if started is not None and ended is not None and ended < started:
        c.add(("input", field), WriteCode.ENDED_BEFORE_STARTED, _ENDED_BEFORE_STARTED)


def employment_props(v: Validator, data: Any) -> dict[str, Any]:
    """A job's fields (WORKS_AT), shared with the importer (`data`: a Input or an
    object with the same attribute names). Left out: unchanged; null: emptied."""
    ch = Changes(v, data, creating=False)
    ch.put("job_title", "jobTitle", lambda f, x: v.text(f, x, max_length=100))
    ch.put("department", "department", lambda f, x: v.text(f, x, max_length=100))
    ch.put("seniority", "seniority", enum_check(v, SENIORITIES))
    ch.put("decision_role", "decisionRole", enum_check(v, DECISION_ROLES))
    ch.put("started_on", "startedOn", v.date)
    ch.put("ended_on", "endedOn", v.date)
    return ch.props


async def set_employment(call: Call, data: Input) -> Outcome:
    v = validator(call)
    contact, company = _person_and_employer(v, data)
    props = employment_props(v, data)
    if contact is None or company is None or not v.ok:
        return Outcome.of(errors=v.errors)
    at = now()
    ids = {"contactId": contact.raw_id, "companyId": company.raw_id}

    async def work(tx: Tx) -> tuple[Any, Any]:
        c = Checks(tx)
        await c.exist([contact, company], lock=True)
        c.done()
        rows = await run_in(tx, cypher.EMPLOYMENT_DATES, ids)
        stored = rows[0] if rows else {"startedOn": None, "endedOn": None}
        started = props["startedOn"] if "startedOn" in props else stored["startedOn"]
        ended = props["endedOn"] if "endedOn" in props else stored["endedOn"]
        _check_dates(c, _native(started), _native(ended))
        c.done()
        await run_in(tx, cypher.SET_EMPLOYMENT, {**ids, "props": props, "now": at})
        return await _both(tx, call, contact, company)

    rows, errors = await execute(
        call,
        work,
        subject=Subject("Contact", contact.raw_id),
        guard=Guard(own=(company,), brings_in=(contact,)),
    )
    contact_row, company_row = rows or (None, None)
    return Outcome.of(contact=contact_row, company=company_row, errors=errors)


def _native(value: Any) -> dt.date | None:
    """A stored neo4j Date (or a Python date) as a Python date."""
    if value is None or isinstance(value, dt.date):
        return value
    return value.to_native()  # type: ignore[no-any-return]


async def end_employment(call: Call, data: Input) -> Outcome:
    v = validator(call)
    contact, company = _person_and_employer(v, data)
    ended_on = (
        v.date("endedOn", data.ended_on)
        if present(data.ended_on)
        else dt.datetime.now(dt.UTC).date()
    )
    if contact is None or company is None or ended_on is None or not v.ok:
        return Outcome.of(errors=v.errors)
    at = now()
    ids = {"contactId": contact.raw_id, "companyId": company.raw_id}

    async def work(tx: Tx) -> tuple[Any, Any]:
        c = Checks(tx)
        await c.exist([contact, company], lock=True)
        c.done()
        rows = await run_in(tx, cypher.CURRENT_EMPLOYMENT_AT, ids)
        if not rows:
            c.add(
                ("input", "companyId"),
                WriteCode.NOT_EMPLOYED,
                "This person does not currently work at this company.",
            )
        else:
            _check_dates(c, _native(rows[0]["startedOn"]), ended_on)
        c.done()
        await run_in(tx, cypher.END_EMPLOYMENT, {**ids, "endedOn": ended_on, "now": at})
        return await _both(tx, call, contact, company)

    rows, errors = await execute(
        call,
        work,
        subject=Subject("Contact", contact.raw_id),
        guard=Guard(own=(company,)),
    )
    contact_row, company_row = rows or (None, None)
    return Outcome.of(contact=contact_row, company=company_row, errors=errors)


async def set_reports_to(call: Call, data: Input) -> Outcome:
    v = validator(call)
    contact = decode_ref(v, "contactId", data.contact_id, {"Contact"})
    manager = decode_ref(v, "managerId", data.manager_id, {"Contact"})
    if contact is not None and manager is not None and contact.raw_id == manager.raw_id:
        v.add("managerId", WriteCode.SELF_REPORTING, "Nobody can be their own manager.")
    if contact is None or not v.ok:
        return Outcome.of(errors=v.errors)
    params = {"contactId": contact.raw_id, "managerId": manager.raw_id if manager else None}

    async def work(tx: Tx) -> Any:
        await acquire(tx, locks.REPORTING)
        c = Checks(tx)
        await c.exist([contact, manager], lock=True)
        c.done()
        if manager is not None:
            rows = await run_in(tx, cypher.REPORTING_CYCLE, params)
            if rows[0]["cycle"]:
                c.add(
                    manager.field,
                    WriteCode.REPORTING_CYCLE,
                    "This manager already reports to this person, directly or through others; "
                    "the org chart cannot go round in a circle.",
                )
        c.done()
        await run_in(tx, cypher.SET_MANAGER, params)
        return await payload_entity(tx, call, "contact", "Contact", contact.raw_id)

    row, errors = await execute(
        call,
        work,
        subject=Subject("Contact", contact.raw_id),
        guard=Guard(own=(contact, manager)),
    )
    return Outcome.of(contact=row, errors=errors)


async def connect_contacts(call: Call, data: Input) -> Outcome:
    v = validator(call)
    contact = decode_ref(v, "contactId", data.contact_id, {"Contact"})
    other = decode_ref(v, "otherId", data.other_id, {"Contact"})
    if contact is not None and other is not None and contact.raw_id == other.raw_id:
        v.add("otherId", WriteCode.SELF_CONNECTION, "A person cannot be connected to themselves.")
    ch = Changes(v, data, creating=False)
    ch.put("strength", "strength", lambda f, x: v.number(f, x, minimum=0, maximum=1))
    ch.put("since", "since", v.date)
    if contact is None or other is None or not v.ok:
        return Outcome.of(errors=v.errors)
    params = {"contactId": contact.raw_id, "otherId": other.raw_id, "props": ch.props, "now": now()}

    async def work(tx: Tx) -> tuple[Any, Any]:
        c = Checks(tx)
        await c.exist([contact, other], lock=True)  # one statement, ids in order: no deadlock
        c.done()
        updated = await run_in(tx, cypher.UPDATE_KNOWS, params)
        if not updated[0]["n"]:
            await run_in(tx, cypher.CREATE_KNOWS, params)
        return (
            await payload_entity(tx, call, "contact", "Contact", contact.raw_id),
            await payload_entity(tx, call, "other", "Contact", other.raw_id),
        )

    rows, errors = await execute(
        call,
        work,
        subject=Subject("Contact", contact.raw_id),
        guard=Guard(own=(contact, other)),
    )
    contact_row, other_row = rows or (None, None)
    return Outcome.of(contact=contact_row, other=other_row, errors=errors)
