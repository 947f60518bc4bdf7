"""createUser, updateUser, deleteUser.

The e-mail is the login, so it is unique after normalisation (lower case). A user who still
manages accounts cannot be deleted: the accounts would silently lose their owner.
"""

from __future__ import annotations

from typing import Any

from core.codes import WriteCode
from core.validation import Validator
from graphdb.writes import catalog as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, enum_value, expected_version
from resolvers.writes._tx import Checks, Ref, decode_ref, validator

TYPE, FIELD = "User", "user"


def _props(v: Validator, data: Input, *, creating: bool) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating)
    ch.put("name", "name", v.name, required=True)
    ch.put("email", "email", v.email, required=True)
    ch.put("role", "role", enum_value, required=True)
    return ch.props


def _unique_email(props: dict[str, Any]) -> _crud.Check:
    async def check(c: Checks, raw_id: str) -> None:
        await c.unique(TYPE, "email", props.get("email"), ("input", "email"), except_id=raw_id)

    return check


async def create_user(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = _props(v, data, creating=True)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.create(
        call,
        TYPE,
        FIELD,
        props,
        unique=_crud.Unique("email", props.get("email"), ("input", "email")),
        request=data,
    )
    return Outcome.written("user", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_user(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    props = _props(v, data, creating=False)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.update(
        call, ref, FIELD, expected_version(data), props, check=_unique_email(props)
    )
    return Outcome.written("user", written, errors)


async def _no_accounts(c: Checks, raw_id: str) -> None:
    accounts = await c.count(cypher.USER_ACCOUNTS, {"id": raw_id})
    if accounts:
        c.add(
            ("input", "id"),
            WriteCode.USER_HAS_ACCOUNTS,
            f"This user manages {accounts} customer account(s); give them another account "
            "manager (updateCustomer) before deleting the user.",
        )


async def delete_user(call: Call, data: Input) -> Outcome:
    v = validator(call)
    deleted = await _crud.delete_by_id(
        call,
        v,
        _decode_id(v, data.id),
        FIELD,
        expected_version(data),
        check=_no_accounts,
        guarded=False,
    )
    return Outcome.of(
        deleted_id=deleted.deleted_id,
        user=deleted.row,
        errors=deleted.errors,
    )
