"""Shared machinery of every mutation: references, checks, locks, the transaction, the payload.

A mutation's work function runs inside `Graph.write_tx`, which the driver may run again after a
transient error (a deadlock, a leader switch). Work functions therefore keep no state between
attempts: ids and timestamps are fixed before the transaction, and errors are collected in a
`Checks` created inside it. Raising `Refused` rolls the transaction back and becomes the
payload's `errors`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable
from typing import Any, TypeVar

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from core import global_id
from core.codes import WriteCode
from core.validation import FieldError, FieldName, Validator
from graphdb.compiler import compile_payload_entity
from graphdb.driver import run_in
from graphdb.writes import locks, nodes
from resolvers.call import ABSENT, Call
from resolvers.writes import _audit, _idempotency, policy
from resolvers.writes._audit import Subject
from resolvers.writes._ref import Ref as Ref
from resolvers.writes.policy import OPEN as OPEN
from resolvers.writes.policy import Guard as Guard

T = TypeVar("T")
Tx = AsyncManagedTransaction


class Refused(Exception):
    """Raised inside a write transaction: roll back and report these errors."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.code}: {e.message}" for e in self.errors))


def validator(call: Call) -> Validator:
    """A validator for one mutation's `input`, with the deployment's default phone region."""
    return Validator(("input",), call.settings.default_phone_region)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_node(props: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    """Properties of a new node: the given ones plus id, timestamps and version 1."""
    return {
        **{k: v for k, v in props.items() if v is not None},
        "id": global_id.new_raw_id(),
        "createdAt": at,
        "updatedAt": at,
        "version": 1,
    }


async def stored_country(
    call: Call, ref: Ref | None, data: object, *, by: tuple[str, str, object] | None = None
) -> str | None:
    """The record's stored country, when an update (or an upsert of an existing record) sends a
    phone number: it is read in that country, not the deployment's default region. The record
    is `ref`, or for an upsert `by` = (type, natural key, value). None when no phone is sent,
    the record does not exist yet, or it has no country. An upsert's own `address.country`
    still wins (`Changes.country`)."""
    if getattr(data, "phone", None) in (None, ABSENT):
        return None
    if ref is not None:
        type_name, key, value = ref.type_name, "id", ref.raw_id
    elif by is not None and isinstance(by[2], str):
        type_name, key, value = by[0], by[1], by[2]
    else:
        return None
    rows = await call.graph.read(nodes.country(type_name, key), {"value": value})
    found = rows[0]["country"] if rows else None
    return found if isinstance(found, str) else None


# --- references -----------------------------------------------------------------------------------


def _article(word: str) -> str:
    return "an" if word[0] in "AEIOU" else "a"


def decode_ref(
    v: Validator, field: FieldName, value: object, allowed: Collection[str]
) -> Ref | None:
    """Decode an id argument, recording INVALID_ID or WRONG_TYPE; None when unusable."""
    if value is None:
        return None
    try:
        type_name, raw = global_id.decode(str(value))
    except global_id.InvalidGlobalId:
        v.add(field, WriteCode.INVALID_ID, "This is not an id issued by Rapport.")
        return None
    if type_name not in allowed:
        wanted = " or ".join(f"{_article(t)} {t}" for t in sorted(allowed))
        v.add(
            field,
            WriteCode.WRONG_TYPE,
            f"Expected the id of {wanted}, got the id of {_article(type_name)} {type_name}.",
        )
        return None
    return Ref(v.path(field), type_name, raw)


class Checks:
    """Errors found inside the transaction; `done()` refuses the mutation if there are any."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.errors: list[FieldError] = []

    def add(self, field: tuple[str, ...], code: str, message: str) -> None:
        self.errors.append(FieldError(field, str(code), message))

    def done(self) -> None:
        if self.errors:
            raise Refused(self.errors)

    async def exist(self, refs: Iterable[Ref | None], *, lock: bool = False) -> None:
        """Record NOT_FOUND for every reference that does not exist.

        With `lock`, the nodes are write-locked until commit (in a stable order, to keep
        deadlocks rare), so a concurrent delete or rule check waits for this transaction.
        """
        by_type: dict[str, list[Ref]] = defaultdict(list)
        for ref in refs:
            if ref is not None:
                by_type[ref.type_name].append(ref)
        for type_name in sorted(by_type):
            wanted = by_type[type_name]
            statement = nodes.lock(type_name) if lock else nodes.find(type_name)
            ids = sorted({r.raw_id for r in wanted})
            found = {row["id"] for row in await run_in(self.tx, statement, {"ids": ids})}
            for ref in wanted:
                if ref.raw_id not in found:
                    self.add(
                        ref.field,
                        WriteCode.NOT_FOUND,
                        f"No {type_name.lower()} with this id exists (it may have been deleted).",
                    )

    async def unique(
        self,
        type_name: str,
        key: str,
        value: object,
        field: tuple[str, ...],
        *,
        except_id: str | None = None,
    ) -> str | None:
        """Record DUPLICATE when another node has this natural key; returns that node's id."""
        if value is None:
            return None
        rows = await run_in(self.tx, nodes.find_by(type_name, key), {"value": value})
        other = rows[0]["id"] if rows else None
        if other is not None and other != except_id:
            self.duplicate(type_name, key, value, field, str(other))
            return str(other)
        return None

    def duplicate(
        self, type_name: str, key: str, value: object, field: tuple[str, ...], other: str
    ) -> None:
        """Record DUPLICATE: node `other` already has this natural key (its id goes along, so
        a client that retried a create learns the record it made the first time)."""
        self.errors.append(
            FieldError(
                field,
                WriteCode.DUPLICATE,
                f"Another {type_name.lower()} already has {key} {value!r}.",
                existing_id=global_id.encode(type_name, other),
            )
        )

    async def count(self, statement: str, params: dict[str, Any]) -> int:
        rows = await run_in(self.tx, statement, params)
        return int(rows[0]["n"]) if rows else 0


async def lock_for_update(tx: Tx, ref: Ref, expected_version: int | None) -> int:
    """Write-lock the node, then compare its committed version; returns the current version.

    The lock comes first and the version is read by a *following* statement: only then does the
    read see what a concurrent writer committed, so of N updates expecting one version exactly
    one wins (tests/test_mutations_locking.py, tests/test_mutations_customers.py). When the
    mutation runner already locked and read this record as the audit subject, in this
    transaction, that reading is used and no statement runs.
    """
    known = _audit.locked_version(tx, ref.type_name, ref.raw_id)
    if known is _audit.NOT_LOCKED:
        found = await run_in(tx, nodes.lock(ref.type_name), {"ids": [ref.raw_id]})
        rows = await run_in(tx, nodes.version(ref.type_name), {"id": ref.raw_id}) if found else []
        known = int(rows[0]["version"]) if rows else None
    if not isinstance(known, int):
        raise Refused(
            [FieldError(ref.field, WriteCode.NOT_FOUND, f"No {ref.type_name.lower()} has this id.")]
        )
    current = known
    if expected_version is not None and current != expected_version:
        raise Refused(
            [
                FieldError(
                    ("input", "expectedVersion"),
                    WriteCode.VERSION_CONFLICT,
                    f"Someone else changed this {ref.type_name.lower()} meanwhile (it is at "
                    f"version {current}, you edited version {expected_version}). Reload it, "
                    "re-apply your change and save again.",
                )
            ]
        )
    return current


async def acquire(tx: Tx, name: str) -> None:
    """Queue behind every other transaction that takes the application lock `name`."""
    await run_in(tx, locks.ACQUIRE, {"name": name})


# --- the transaction and the payload ---------------------------------------------------------

_CONSTRAINT_PROPERTY = re.compile(r"property `(\w+)`")


def _constraint_error(exc: ConstraintError) -> FieldError:
    """A unique-constraint violation that slipped past the checks (a concurrent insert)."""
    match = _CONSTRAINT_PROPERTY.search(exc.message or "")
    prop = match.group(1) if match else None
    return FieldError(
        ("input", prop) if prop else ("input",),
        WriteCode.DUPLICATE,
        f"Another record with this {prop or 'value'} was saved at the same moment.",
    )


async def execute(
    call: Call,
    work: Callable[[Tx], Awaitable[T]],
    *,
    subject: Subject,
    guard: Guard | None = None,
    replayed: Callable[[T], bool] | None = None,
    noted: Callable[[T], dict[str, Any]] | None = None,
    keyed: _idempotency.Keyed[T] | None = None,
) -> tuple[T | None, list[FieldError]]:
    """Run `work` as one write transaction: its result, or the errors that refused it.

    Every mutation runs through here, and here alone are two things done for all of them, in
    the same transaction as the work:

    - **authorization** (resolvers/writes/policy.py): the viewer's role must allow the mutation
      (`call.action`), and SALES may write only the accounts `guard` names as its own
      (no guard: closed to SALES). A refusal is FORBIDDEN and nothing is written;
    - **the audit trail** (resolvers/writes/_audit.py): `subject`, the record the change is
      about, is locked and read before and after `work`, and exactly one AuditEvent with the
      difference is written. A refused mutation rolls its event back with everything else.
      The one exception is an idempotent replay (`replayed(result)` true: placeOrder with a
      key already used for this very order), which changes nothing; the first request's event
      stands for it. An act that changes nothing but must be accounted for (serving a GDPR
      access request) gives `noted(result)`, extra fields for the event's `changes`;
    - **idempotency keys** (resolvers/writes/_idempotency.py): with `keyed`, the key is claimed
      right after authorization; a replay of a committed request returns `keyed.replay` (no
      work, no audit event), a reuse with other input is IDEMPOTENCY_KEY_REUSED.
    """
    viewer = call.viewer
    action = call.action
    at = now()
    header = _audit.Header(
        global_id.new_raw_id(), at, viewer.user_id, viewer.email, viewer.credential_id, action
    )

    async def audited(tx: Tx) -> T:
        denied = await policy.authorize(tx, viewer, action, guard)
        if denied:
            raise Refused(denied)
        if keyed is not None:
            fresh, target = await _idempotency.claim(tx, keyed, at)
            if not fresh:
                return await keyed.replay(tx, target)
        before = await _audit.capture(tx, subject, lock=True)
        _audit.expect(tx, subject, header)
        result = await work(tx)
        if replayed is not None and replayed(result):
            return result
        written = _audit.written_by_work(tx)  # a plain create wrote its own event
        after = None if written else await _audit.capture_after(tx, subject)
        if keyed is not None:
            await _idempotency.bind(tx, keyed, result)
        if after is None:
            return result
        await _audit.record(
            tx,
            header,
            subject=subject,
            before=before,
            after=after,
            noted=noted(result) if noted is not None else None,
        )
        return result

    try:
        return await call.graph.write_tx(audited), []
    except Refused as refused:
        return None, refused.errors
    except _idempotency.KeyReused as reused:
        return None, [reused.error]
    except ConstraintError as exc:
        return None, [_constraint_error(exc)]


async def payload_entity(tx: Tx, call: Call, field: str, type_name: str, raw_id: str) -> Any:
    """The payload field `field` as the client selected it, read inside the transaction."""
    compiled = compile_payload_entity(call, field, type_name, raw_id, call.settings.max_page_size)
    if compiled is None:
        return None
    rows = await _audit.read_with_state(tx, type_name, raw_id, compiled.cypher, compiled.params)
    return compiled.shape(rows)
