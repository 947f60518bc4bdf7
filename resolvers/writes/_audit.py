"""The audit trail of the write path: one AuditEvent per successful mutation.

The mutation runner (`resolvers.writes._tx.execute`) names the mutation's *subject*, the record
the change is about, and does the rest itself, so no mutation can forget it:

1. before the mutation's work, it write-locks the subject and reads its state (`capture`);
2. after the work, in the same transaction, it reads the state again;
3. it stores the difference as `changes`, a JSON string `{field: {before, after}}` (a create has
   only `after`s, a delete only `before`s), in an `(:AuditEvent)` linked `-[:ABOUT]->` to the
   subject when that still exists.

A refused mutation raises inside the transaction, so its event rolls back with everything else.
The state is the record's own properties plus the relationships the write path edits, flattened
into fields: `company`, `accountManager`, `tags`, `employment[<company id>]`,
`consent[<consent id>]`, `referredBy`, `participants`, `lines`… References are global ids.
"""

from __future__ import annotations

import datetime as dt
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from neo4j import AsyncManagedTransaction

from core import global_id
from core.model import ENTITIES, Kind
from core.money import format_money, from_storage
from graphdb.driver import run_in, statements_run
from graphdb.writes import audit as cypher
from graphdb.writes import customers, referrals

Tx = AsyncManagedTransaction

#: what an erased personal value is replaced with, everywhere
ERASED = "[erased]"

#: bookkeeping that is not part of a change (the event has its own time and version is derived),
#: and the aggregates stored only to index the intelligence reads
_IGNORED = frozenset(
    {
        "id",
        "version",
        "createdAt",
        "updatedAt",
        "_lock",
        "requestHash",
        "idempotencyScope",
        *customers.DERIVED_PROPS,
        *referrals.NETWORK_PROPS,
    }
)

#: identifying fields that are not marked `personal` in the model (they are shown to every role)
#: but name a person all the same, so erasure removes them too
_IDENTIFYING = {
    "Customer": frozenset({"name", "externalId"}),
    "Contact": frozenset({"firstName", "lastName", "fullName"}),
}

#: free text in relationship state that may describe a person (a referral's note)
_PERSONAL_RELATED = frozenset({"note"})

_MONEY_KEYS = frozenset({"unitPrice"})
_TYPED_REF = re.compile(r"^(Customer|Contact):([0-9a-f-]{36})$")


def erasable_fields(type_name: str) -> frozenset[str]:
    """Fields of a person whose values erasure removes (and redacts inside audit events)."""
    entity = ENTITIES[type_name]
    personal = {p.name for p in entity.props.values() if p.personal}
    return frozenset(personal | _IDENTIFYING.get(type_name, frozenset()) | _PERSONAL_RELATED)


@dataclass(frozen=True)
class Subject:
    """The record a mutation is about: found by its id, or by a natural key (upserts)."""

    type_name: str
    value: str
    key: str = "id"
    #: GDPR erasure: the event keeps which fields existed, never their values
    erasure: bool = False
    #: a record this very mutation creates under an id it just drew: there is no state before
    #: it to lock or read (two statements saved per create)
    new: bool = False


@dataclass
class Captured:
    raw_id: str | None
    state: dict[str, Any] | None


def plain(value: Any) -> Any:
    """A stored value as JSON: temporal values in ISO 8601, nested values likewise."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_money(value)
    iso = getattr(value, "iso_format", None)
    if callable(iso):  # neo4j.time.DateTime / Date / Time / Duration
        return iso()
    return value


def money(value: Any) -> Any:
    amount = from_storage(value) if isinstance(value, int) and not isinstance(value, bool) else None
    return format_money(amount) if amount is not None else value


def _props(type_name: str, props: dict[str, Any]) -> dict[str, Any]:
    entity = ENTITIES[type_name]
    out: dict[str, Any] = {}
    for key, value in props.items():
        if key in _IGNORED or key.startswith("_"):
            continue
        spec = entity.props.get(key)
        out[key] = money(value) if spec is not None and spec.kind is Kind.MONEY else plain(value)
    return out


def _line(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "product": global_id.encode("Product", line["product"]),
        "quantity": line["quantity"],
        "unitPrice": money(line["unitPrice"]),
    }


def _related(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Relationship items of `graphdb.writes.audit.state` as flat fields."""
    out: dict[str, Any] = {}
    for item in items:
        key, value = item["k"], item.get("v")
        if item.get("ref") is not None:
            ref = global_id.encode(item["ref"], item["id"])
            if item.get("many"):
                out[f"{key}[{ref}]"] = _present(value)
            else:
                out[key] = ref if value is None else {"id": ref, **_present(value)}
        elif key == "tags":
            out[key] = sorted(value or [])
        elif key == "participants":
            refs = (_TYPED_REF.match(v) for v in value or [])
            out[key] = sorted(global_id.encode(m[1], m[2]) for m in refs if m)
        elif key == "lines":
            ordered = sorted(value or [], key=lambda ln: ln.get("position") or 0)
            out[key] = [_line(ln) for ln in ordered]
        else:
            out[key] = plain(value)
    return out


def _present(value: dict[str, Any] | None) -> dict[str, Any]:
    """A relationship's properties without the empty ones."""
    return {k: plain(v) for k, v in (value or {}).items() if v is not None}


#: per open transaction: (type, id) → the version read right after write-locking that record
#: (None: it does not exist). The record stays locked until the transaction ends, so a later
#: "lock, then read the version" of the same record in it can use this instead of two statements.
_LOCKED: weakref.WeakKeyDictionary[Tx, dict[tuple[str, str], int | None]] = (
    weakref.WeakKeyDictionary()
)

#: `locked_version` of a record this transaction has not locked through `capture`
NOT_LOCKED = object()


def locked_version(tx: Tx, type_name: str, raw_id: str) -> int | object | None:
    """The version `capture(lock=True)` read for this record in this transaction, None when the
    record did not exist, or NOT_LOCKED when `capture` did not lock it here."""
    return _LOCKED.get(tx, {}).get((type_name, raw_id), NOT_LOCKED)


async def capture(tx: Tx, subject: Subject, *, lock: bool = False) -> Captured:
    """The subject's audit state now (None when it does not exist).

    With `lock`, the record is write-locked first and read by the next statement, so the state
    is what committed writers left, and nobody changes it until this transaction ends.
    """
    if subject.new and lock:
        # the before-state of a record under a freshly drawn id: nothing, without asking
        return Captured(subject.value, None)
    params = {"value": subject.value}
    if lock:
        await run_in(tx, cypher.lock(subject.type_name, subject.key), params)
    rows = await run_in(tx, cypher.state(subject.type_name, subject.key), params)
    if lock and subject.key == "id":
        _LOCKED.setdefault(tx, {})[(subject.type_name, subject.value)] = (
            int(rows[0]["props"].get("version") or 0) if rows else None
        )
    if not rows:
        return Captured(subject.value if subject.key == "id" else None, None)
    row = rows[0]
    return Captured(
        str(row["id"]),
        {**_props(subject.type_name, row["props"]), **_related(row["related"])},
    )


@dataclass(frozen=True)
class _Reading:
    """A subject's state read together with the payload, and when (`statements_run`)."""

    captured: Captured
    at_statement: int


#: per open transaction: the mutation's subject (set by the runner before the work)
_SUBJECTS: weakref.WeakKeyDictionary[Tx, Subject] = weakref.WeakKeyDictionary()
#: per open transaction: the subject's state as read by `read_with_state`
_READINGS: weakref.WeakKeyDictionary[Tx, _Reading] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Header:
    """What every AuditEvent of one mutation says besides its changes: which event, when, who
    (user, e-mail, credential) and which mutation."""

    event_id: str
    at: dt.datetime
    actor_id: str
    actor_email: str
    credential_id: str
    action: str


#: per open transaction: the header of the event the runner will write
_HEADERS: weakref.WeakKeyDictionary[Tx, Header] = weakref.WeakKeyDictionary()
#: open transactions whose work wrote the subject's AuditEvent itself (`creation_event`)
_WRITTEN: weakref.WeakSet[Tx] = weakref.WeakSet()


def expect(tx: Tx, subject: Subject, header: Header | None = None) -> None:
    """Name the subject whose "after" state `capture_after` will want in this transaction, and
    the `header` of its event (so that a create can write the event itself)."""
    _SUBJECTS[tx] = subject
    if header is not None:
        _HEADERS[tx] = header


#: values whose JSON form is the same whether taken from Python or read back from Neo4j
#: (a datetime is not: the driver's iso_format prints nanoseconds)
_SAME_WHEN_READ = (str, int, float, bool, type(None))


def creation_event(tx: Tx, type_name: str, node: dict[str, Any]) -> dict[str, Any] | None:
    """The AuditEvent of creating `node`, for the create statement to write itself: the create,
    its event and its payload in one round trip instead of three.

    Only when `node` is the subject the runner announced as new and its audit state is exactly
    its own properties: no relationships (a create that links records reads its state after the
    links) and only values that read back from Neo4j as they were sent. Otherwise None, and the
    runner reads the state and writes the event as for any other mutation. A returned event
    must be written in this transaction: the runner will not write another."""
    subject, header = _SUBJECTS.get(tx), _HEADERS.get(tx)
    if (
        subject is None
        or header is None
        or not subject.new
        or subject.erasure
        or (subject.type_name, subject.value) != (type_name, node.get("id"))
    ):
        return None
    for key, value in node.items():
        items = value if isinstance(value, list) else [value]
        if key not in _IGNORED and not all(isinstance(v, _SAME_WHEN_READ) for v in items):
            return None
    before, after = Captured(subject.value, None), Captured(subject.value, _props(type_name, node))
    changes = diff(before.state, after.state)
    if not changes:
        return None
    _WRITTEN.add(tx)
    return _event(header, subject, before, after, changes, noted=False)


def written_by_work(tx: Tx) -> bool:
    """Whether the work wrote this transaction's AuditEvent (`creation_event`)."""
    return tx in _WRITTEN


async def read_with_state(
    tx: Tx, type_name: str, raw_id: str, payload: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run the payload statement `payload` (it returns `row`); when its record is this
    transaction's subject, read the subject's audit state in the same statement, so the runner's
    "after" read costs nothing. Returns the payload's rows."""
    subject = _SUBJECTS.get(tx)
    if (
        subject is None
        or (subject.type_name, subject.key, subject.value) != (type_name, "id", raw_id)
        or "value" in params
    ):
        return await run_in(tx, payload, params)
    rows = await run_in(tx, cypher.with_state(type_name, payload), {**params, "value": raw_id})
    row = rows[0] if rows else {}
    state = (
        {**_props(type_name, row["stateProps"]), **_related(row["stateRelated"])}
        if row.get("stateId") is not None
        else None
    )
    _READINGS[tx] = _Reading(Captured(raw_id, state), statements_run(tx))
    return [{"row": r["row"]} for r in rows if r["row"] is not None]


async def capture_after(tx: Tx, subject: Subject) -> Captured:
    """The subject's state after the work: the reading `read_with_state` took, when no
    statement has run since; otherwise read now."""
    reading = _READINGS.get(tx)
    if reading is not None and reading.at_statement == statements_run(tx):
        return reading.captured
    return await capture(tx, subject)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """{field: {before, after}} for the fields that differ; creates list only `after`, deletes
    only `before`, and empty values are left out of both."""
    if before is None and after is None:
        return {}
    if before is None:
        return {k: {"after": v} for k, v in sorted((after or {}).items()) if _has(v)}
    if after is None:
        return {k: {"before": v} for k, v in sorted(before.items()) if _has(v)}
    changes: dict[str, Any] = {}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        # A relationship without properties (a job with no title yet) is a map that is
        # empty but there: its coming or going is a change.
        appeared = isinstance(new, dict) and key not in before
        vanished = isinstance(old, dict) and key not in after
        if old != new and (_has(old) or _has(new) or appeared or vanished):
            changes[key] = {"before": old, "after": new}
    return changes


def _has(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def redact(changes: Any, fields: frozenset[str]) -> Any:
    """`changes` with the values of `fields` (at any depth) replaced by ERASED."""
    if isinstance(changes, dict):
        return {
            k: _erase_all(v) if _base(k) in fields else redact(v, fields)
            for k, v in changes.items()
        }
    if isinstance(changes, list):
        return [redact(v, fields) for v in changes]
    return changes


def _base(key: str) -> str:
    return key.split("[", 1)[0]


def _erase_all(value: Any) -> Any:
    """Keep the shape of a change ({before, after}) but none of its values."""
    if isinstance(value, dict):
        return {k: _erase_all(v) for k, v in value.items()}
    return None if value is None else ERASED


def scrub(value: Any, needles: Iterable[str]) -> Any:
    """`value` with every occurrence of each needle (inside any string) replaced by ERASED."""
    needles = sorted({n for n in needles if n}, key=len, reverse=True)
    return _scrub(value, needles)


def _scrub(value: Any, needles: list[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            if needle in value:
                value = value.replace(needle, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    return value


def change_kind(
    action: str, before: Captured, after: Captured, *, erasure: bool = False, noted: bool = False
) -> str:
    """What an event did to its record, as the change feed reports it (ChangeAction)."""
    if erasure:
        return "ERASED"
    if action.startswith("merge"):
        return "MERGED"
    if noted and before.state == after.state:
        return "DISCLOSED"
    if before.state is None:
        return "CREATED"
    if after.state is None:
        return "DELETED"
    return "UPDATED"


def dumps(changes: dict[str, Any]) -> str:
    return orjson.dumps(changes, option=orjson.OPT_SORT_KEYS).decode()


async def record(
    tx: Tx,
    header: Header,
    *,
    subject: Subject,
    before: Captured,
    after: Captured,
    noted: dict[str, Any] | None = None,
) -> None:
    """Write the one AuditEvent of this mutation, unless it changed nothing at all (`noted`:
    fields added to its changes, for an act that changes nothing but must be accounted for)."""
    changes = {**diff(before.state, after.state), **(noted or {})}
    if not changes and not subject.erasure:
        return
    if subject.erasure:
        fields = erasable_fields(subject.type_name)
        values = [
            v
            for k, v in (before.state or {}).items()
            if _base(k) in fields and isinstance(v, str) and len(v) >= 3
        ]
        changes = scrub(redact(changes, fields), values)
    event = _event(header, subject, before, after, changes, noted=bool(noted))
    await run_in(tx, cypher.record(subject.type_name), {"event": event})


def _event(
    header: Header,
    subject: Subject,
    before: Captured,
    after: Captured,
    changes: dict[str, Any],
    *,
    noted: bool,
) -> dict[str, Any]:
    return {
        "id": header.event_id,
        "at": header.at,
        "actorId": header.actor_id,
        "actorEmail": header.actor_email,
        "credentialId": header.credential_id,
        "action": header.action,
        "entityType": subject.type_name,
        "entityId": after.raw_id or before.raw_id,
        "changes": dumps(changes),
        "change": change_kind(header.action, before, after, erasure=subject.erasure, noted=noted),
    }


# --- bulk import: the same events, a batch at a time ------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who an event is attributed to, and the action it records (e.g. importRecords)."""

    user_id: str
    email: str
    credential_id: str
    action: str


async def capture_all(
    tx: Tx, type_name: str, key: str, values: list[str], *, lock: bool = False
) -> dict[str, Captured]:
    """`capture` for many records of one type found by `key`: value → its state (missing
    values are absent). One or two statements, whatever the number of records."""
    params = {"values": values}
    if lock:
        await run_in(tx, cypher.lock_all(type_name, key), params)
    rows = await run_in(tx, cypher.states(type_name, key), params)
    return {
        str(row["value"]): Captured(
            str(row["id"]), {**_props(type_name, row["props"]), **_related(row["related"])}
        )
        for row in rows
    }


async def record_all(
    tx: Tx,
    actor: Actor,
    at: dt.datetime,
    type_name: str,
    changed: list[tuple[Captured, Captured]],
) -> int:
    """One AuditEvent per (before, after) pair that differs; returns how many were written."""
    events = []
    for before, after in changed:
        changes = diff(before.state, after.state)
        if not changes:
            continue
        events.append(
            {
                "id": global_id.new_raw_id(),
                "at": at,
                "actorId": actor.user_id,
                "actorEmail": actor.email,
                "credentialId": actor.credential_id,
                "action": actor.action,
                "entityType": type_name,
                "entityId": after.raw_id or before.raw_id,
                "changes": dumps(changes),
                "change": change_kind(actor.action, before, after),
            }
        )
    if events:
        await run_in(tx, cypher.record_all(type_name), {"events": events})
    return len(events)
