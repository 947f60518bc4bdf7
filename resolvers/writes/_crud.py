"""The create / update / upsert / delete skeleton every entity shares.

Entity modules supply the validated properties and, where the entity has them, a `check`
(rules read inside the transaction; it records errors on `Checks`) and a `link` (relationship
writes after the node write). Everything runs in one transaction; a refusal rolls it all back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core import global_id
from core.validation import FieldError, Validator
from graphdb.compiler import compile_payload_entity
from graphdb.driver import run_in
from graphdb.writes import audit, nodes
from resolvers.call import Call
from resolvers.writes import _audit, _idempotency
from resolvers.writes._audit import Subject
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Tx,
    execute,
    lock_for_update,
    new_node,
    now,
    payload_entity,
    validator,
)
from resolvers.writes.referrals import lock_trees, refresh_networks, upstream

#: rules checked inside the transaction: (checks, raw id of the node) → records errors
Check = Callable[[Checks, str], Awaitable[None]]
#: relationship writes after the node write: (tx, raw id of the node)
Link = Callable[[Tx, str], Awaitable[None]]


@dataclass(frozen=True)
class Unique:
    """A natural key a new node must not share: `key` (a model property) = `value`, reported
    on input `field` when taken."""

    key: str
    value: object
    field: tuple[str, ...]


@dataclass
class Written:
    """What a write transaction produced: the payload row and whether a node was created."""

    row: Any = None
    raw_id: str | None = None
    created: bool = False


Outcome = tuple[Written | None, list[FieldError]]


async def _run_check(tx: Tx, check: Check | None, raw_id: str) -> None:
    checks = Checks(tx)
    if check is not None:
        await check(checks, raw_id)
    checks.done()


async def _apply(
    tx: Tx, type_name: str, raw_id: str, props: dict[str, Any], link: Link | None, at: dt.datetime
) -> None:
    if props or link is not None:
        await run_in(tx, nodes.update(type_name), {"id": raw_id, "props": props, "now": at})
    if link is not None:
        await link(tx, raw_id)


def _keyed(
    call: Call, type_name: str, field: str, request: object
) -> tuple[_idempotency.Keyed[Written] | None, list[FieldError]]:
    """The request's idempotency key (resolvers/writes/_idempotency.py), or why it is bad."""
    v = validator(call)
    key = _idempotency.requested_key(v, request)
    if not v.ok:
        return None, v.errors

    async def replay(tx: Tx, target: str | None) -> Written:
        row = await payload_entity(tx, call, field, type_name, target) if target else None
        return Written(row, target)

    keyed = _idempotency.keyed(
        call.viewer.user_id,
        key,
        call.action,
        request,
        target=lambda written: (type_name, written.raw_id) if written.raw_id else None,
        replay=replay,
    )
    return keyed, []


async def create(
    call: Call,
    type_name: str,
    field: str,
    props: dict[str, Any],
    *,
    check: Check | None = None,
    unique: Unique | None = None,
    link: Link | None = None,
    guard: Guard | None = None,
    request: object = None,
) -> Outcome:
    """Create one node (after `check`), add its links, and read the payload entity.

    `unique` names the natural key that no other node may hold: it is checked by the create
    statement itself (one round trip instead of a look-up and a write), and a taken key is
    DUPLICATE alongside whatever `check` found, with nothing written.

    `request` is the mutation's input: its `idempotencyKey`, when sent, makes a retry of the
    same request return the record the first one created (resolvers/writes/_idempotency.py).
    """
    node = new_node(props, now())
    raw_id = node["id"]
    keyed, errors = _keyed(call, type_name, field, request)
    if errors:
        return None, errors

    async def work(tx: Tx) -> Written:
        checks = Checks(tx)
        plain = check is None and link is None
        event = _audit.creation_event(tx, type_name, node) if plain else None
        if event is not None:
            return await _create_recorded(tx, call, field, type_name, node, event, unique)
        if check is not None:
            await check(checks, raw_id)
        if unique is None or unique.value is None:
            checks.done()
            await run_in(tx, nodes.create(type_name), {"props": node})
        else:
            rows = await run_in(
                tx,
                nodes.create_unless_taken(type_name, unique.key),
                {"props": node, "value": unique.value},
            )
            taken = rows[0]["taken"] if rows else None
            if taken is not None:
                checks.duplicate(type_name, unique.key, unique.value, unique.field, str(taken))
            checks.done()
        if link is not None:
            await link(tx, raw_id)
        row = await payload_entity(tx, call, field, type_name, raw_id)
        return Written(row, raw_id, created=True)

    return await execute(
        call, work, subject=Subject(type_name, raw_id, new=True), guard=guard, keyed=keyed
    )


async def _create_recorded(
    tx: Tx,
    call: Call,
    field: str,
    type_name: str,
    node: dict[str, Any],
    event: dict[str, Any],
    unique: Unique | None,
) -> Written:
    """A create with nothing to check or link: the node, its unique key's check, its audit
    event and the payload read are one statement (graphdb/writes/audit.py create_recorded)."""
    raw_id = str(node["id"])
    compiled = compile_payload_entity(call, field, type_name, raw_id, call.settings.max_page_size)
    key = unique.key if unique is not None and unique.value is not None else None
    statement = audit.create_recorded(type_name, key, compiled.cypher if compiled else None)
    params = {**(compiled.params if compiled else {}), "props": node, "event": event}
    if unique is not None and key is not None:
        params["value"] = unique.value
    rows = await run_in(tx, statement, params)
    taken = rows[0]["taken"] if rows else None
    if unique is not None and taken is not None:
        checks = Checks(tx)
        checks.duplicate(type_name, unique.key, unique.value, unique.field, str(taken))
        checks.done()
    row = compiled.shape([r for r in rows if r["row"] is not None]) if compiled else None
    return Written(row, raw_id, created=True)


async def update(
    call: Call,
    ref: Ref,
    field: str,
    expected_version: int | None,
    props: dict[str, Any],
    *,
    check: Check | None = None,
    link: Link | None = None,
    guard: Guard | None = None,
) -> Outcome:
    """Lock, compare the version, check, write (only if something was sent), read back."""
    at = now()

    async def work(tx: Tx) -> Written:
        await lock_for_update(tx, ref, expected_version)
        await _run_check(tx, check, ref.raw_id)
        await _apply(tx, ref.type_name, ref.raw_id, props, link, at)
        row = await payload_entity(tx, call, field, ref.type_name, ref.raw_id)
        return Written(row, ref.raw_id)

    return await execute(call, work, subject=Subject(ref.type_name, ref.raw_id), guard=guard)


async def upsert(
    call: Call,
    type_name: str,
    field: str,
    key: tuple[str, Any],
    expected_version: int | None,
    props: dict[str, Any],
    *,
    defaults: dict[str, Any] | None = None,
    check: Check | None = None,
    link: Link | None = None,
    guard: Guard | None = None,
    request: object = None,
) -> Outcome:
    """Create or update the node whose natural key `key` = (property, value) matches.

    MERGE on the uniquely constrained key decides create-or-update atomically: concurrent
    upserts of one key queue on the constraint, so exactly one of them creates the node.
    """
    at = now()
    node = new_node({**(defaults or {}), **props}, at)
    prop, value = key
    keyed, errors = _keyed(call, type_name, field, request)
    if errors:
        return None, errors

    async def work(tx: Tx) -> Written:
        rows = await run_in(tx, nodes.merge_by(type_name, prop), {"value": value, "props": node})
        raw_id = str(rows[0]["id"])
        created = raw_id == node["id"]
        if created:
            await _run_check(tx, check, raw_id)
            if link is not None:
                await link(tx, raw_id)
        else:
            ref = Ref(("input", prop), type_name, raw_id)
            await lock_for_update(tx, ref, expected_version)
            await _run_check(tx, check, raw_id)
            await _apply(tx, type_name, raw_id, props, link, at)
        row = await payload_entity(tx, call, field, type_name, raw_id)
        return Written(row, raw_id, created)

    return await execute(
        call, work, subject=Subject(type_name, value, key=prop), guard=guard, keyed=keyed
    )


async def delete(
    call: Call,
    ref: Ref,
    field: str,
    expected_version: int | None,
    *,
    check: Check | None = None,
    guard: Guard | None = None,
) -> Outcome:
    """Lock, compare the version, apply the delete rule, read the payload, DETACH DELETE."""

    async def work(tx: Tx) -> Written:
        customer = ref.type_name == "Customer"
        if customer:  # its referrers' networks lose it (and whoever it brought in)
            await lock_trees(tx, [ref.raw_id])
        await lock_for_update(tx, ref, expected_version)
        await _run_check(tx, check, ref.raw_id)
        row = await payload_entity(tx, call, field, ref.type_name, ref.raw_id)
        networks = await upstream(tx, [ref.raw_id]) if customer else []
        await run_in(tx, nodes.detach_delete(ref.type_name), {"id": ref.raw_id})
        await refresh_networks(tx, [i for i in networks if i != ref.raw_id])
        return Written(row, ref.raw_id)

    return await execute(call, work, subject=Subject(ref.type_name, ref.raw_id), guard=guard)


@dataclass(frozen=True)
class Deleted:
    """What every delete payload reports: the deleted id, the record as it was, the errors."""

    deleted_id: Any  # a global id, or None when refused
    row: Any  # the compiled payload row (a read view), or None
    errors: list[FieldError]


async def delete_by_id(
    call: Call,
    v: Validator,
    ref: Ref | None,
    field: str,
    expected_version: int | None,
    *,
    check: Check | None = None,
    guarded: bool = True,
) -> Deleted:
    """The shared body of `delete<Entity>`: refuse bad ids, else delete under the rules.

    `guarded` limits SALES to its own accounts (the record itself must be one of them); without
    it the mutation is closed to SALES, as for products and users.
    """
    if ref is None or not v.ok:
        return Deleted(None, None, v.errors)
    written, errors = await delete(
        call,
        ref,
        field,
        expected_version,
        check=check,
        guard=Guard(own=(ref,)) if guarded else None,
    )
    return Deleted(
        deleted_global_id(written, ref.type_name), written.row if written else None, errors
    )


def deleted_global_id(written: Written | None, type_name: str) -> str | None:
    """The global id of a deleted node for the payload, or None when refused."""
    if written is None or written.raw_id is None:
        return None
    return global_id.encode(type_name, written.raw_id)
