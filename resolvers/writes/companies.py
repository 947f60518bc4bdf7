"""createCompany, updateCompany, deleteCompany.

A company where people currently work cannot be deleted: their jobs would vanish from the org
chart without anyone having ended them. Past employments do not block a delete.
"""

from __future__ import annotations

import re
from typing import Any

from core.codes import WriteCode
from core.validation import Code, Validator
from graphdb.writes import companies as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, expected_version, given
from resolvers.writes._tx import OPEN, Checks, Guard, Ref, decode_ref, validator

TYPE, FIELD = "Company", "company"

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}", re.ASCII)
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)


def domain(v: Validator, field: str, value: object) -> str | None:
    """A web domain in lower case; a pasted URL ("https://www.acme.sk/") is reduced to it."""
    text = v.text(field, value, max_length=253)
    if text is None:
        return None
    bare = _SCHEME.sub("", text).rstrip("/").lower()
    if not _DOMAIN.fullmatch(bare) or len(bare) > 253:
        v.add(field, Code.INVALID_VALUE, f"'{text[:60]}' is not a web domain such as acme.sk.")
        return None
    return bare


def company_props(v: Validator, data: Input, *, creating: bool) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating)
    ch.put("name", "name", v.name, required=True)
    ch.put("domain", "domain", lambda f, x: domain(v, f, x))
    ch.put("industry", "industry", lambda f, x: v.text(f, x, max_length=100))
    ch.put("legal_form", "legalForm", lambda f, x: v.text(f, x, max_length=50))
    ch.put("registration_number", "registrationNumber", lambda f, x: v.text(f, x, max_length=50))
    ch.put("employee_count", "employeeCount", lambda f, x: v.integer(f, x, minimum=0))
    ch.put("annual_revenue", "annualRevenue", v.money)
    ch.put("currency", "currency", v.currency)
    ch.address()
    if creating and data.annual_revenue and not given(data, "currency"):
        v.add("currency", Code.REQUIRED, "Say which currency the annual revenue is in.")
    return ch.props


async def create_company(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = company_props(v, data, creating=True)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.create(call, TYPE, FIELD, props, guard=OPEN, request=data)
    return Outcome.written("company", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_company(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    props = company_props(v, data, creating=False)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.update(
        call, ref, FIELD, expected_version(data), props, guard=Guard(own=(ref,))
    )
    return Outcome.written("company", written, errors)


async def _no_current_employees(c: Checks, raw_id: str) -> None:
    employees = await c.count(cypher.CURRENT_EMPLOYEES, {"id": raw_id})
    if employees:
        c.add(
            ("input", "id"),
            WriteCode.COMPANY_HAS_EMPLOYEES,
            f"{employees} people still work at this company; end their employments "
            "(endEmployment) before deleting it.",
        )


async def delete_company(call: Call, data: Input) -> Outcome:
    v = validator(call)
    deleted = await _crud.delete_by_id(
        call, v, _decode_id(v, data.id), FIELD, expected_version(data), check=_no_current_employees
    )
    return Outcome.of(
        deleted_id=deleted.deleted_id,
        company=deleted.row,
        errors=deleted.errors,
    )
