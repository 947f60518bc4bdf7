"""mergeCustomers, mergeContacts: fold a duplicate record into the record that stays.

One write transaction (through `_tx.execute`, like every mutation): take the application lock
of the graph-wide rule the merge could break (referrals for customers, the org chart for
contacts), lock both nodes, compare versions, then move every relationship of the merged node to
the kept node with the rules of docs/mutations.md ("Merging duplicates"), fill the kept node's
empty fields, recompute a customer's aggregates, record `mergedFrom`, and delete the merged
node. Any refusal rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core import global_id
from core.codes import WriteCode
from core.validation import FieldError
from graphdb.driver import run_in
from graphdb.writes import customers, locks, nodes
from graphdb.writes import merge as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes._audit import Subject
from resolvers.writes._fields import present
from resolvers.writes._tx import (
    Checks,
    Ref,
    Tx,
    acquire,
    decode_ref,
    execute,
    now,
    payload_entity,
    validator,
)
from resolvers.writes.referrals import lock_trees, refresh_networks, upstream

MergeInput = Input


@dataclass(frozen=True)
class _Merge:
    keep: Ref
    merge: Ref
    keep_version: int | None
    merge_version: int | None

    @property
    def type_name(self) -> str:
        return self.keep.type_name

    def params(self) -> dict[str, Any]:
        return {"keepId": self.keep.raw_id, "mergeId": self.merge.raw_id}


def _decode(call: Call, data: MergeInput, type_name: str) -> tuple[_Merge | None, list[FieldError]]:
    v = validator(call)
    keep = decode_ref(v, "keepId", data.keep_id, {type_name})
    merge = decode_ref(v, "mergeId", data.merge_id, {type_name})
    if keep is not None and merge is not None and keep.same_node(merge):
        v.add(
            "mergeId",
            WriteCode.SAME_NODE,
            f"A {type_name.lower()} cannot be merged with itself: keepId and mergeId are the same.",
        )
    if keep is None or merge is None or not v.ok:
        return None, v.errors
    return (
        _Merge(keep, merge, _version(data.expected_version), _version(data.merge_expected_version)),
        [],
    )


def _version(value: object) -> int | None:
    """An optional expected version as sent (left out or null: not checked)."""
    return value if isinstance(value, int) and present(value) else None


async def _lock_and_check(tx: Tx, m: _Merge) -> None:
    """Both nodes exist (NOT_FOUND), locked until commit, at the versions expected."""
    c = Checks(tx)
    await c.exist([m.keep, m.merge], lock=True)
    c.done()
    rows = await run_in(tx, cypher.versions(m.type_name), m.params())
    current = {row["id"]: int(row["version"]) for row in rows}
    for ref, expected, field in (
        (m.keep, m.keep_version, "expectedVersion"),
        (m.merge, m.merge_version, "mergeExpectedVersion"),
    ):
        if expected is not None and current[ref.raw_id] != expected:
            c.add(
                ("input", field),
                WriteCode.VERSION_CONFLICT,
                f"Someone else changed this {m.type_name.lower()} meanwhile (it is at version "
                f"{current[ref.raw_id]}, you read version {expected}). Reload both records and "
                "merge again.",
            )
    c.done()


async def _one_link(tx: Tx, m: _Merge, decide: str, drop: str, adopt: str) -> None:
    """Keep at most one REFERRED into a customer / REPORTS_TO out of a contact, loop-free.

    The kept node's link wins unless it would close a loop once the two nodes are one; then the
    merged node's link is taken over (unless that one would loop too); any other goes.
    """
    row = (await run_in(tx, decide, m.params()))[0]
    if row["keep"] is not None and not row["keepLoops"]:
        chosen, take_over = row["keep"], False
    elif row["merge"] is not None and not row["mergeLoops"]:
        chosen, take_over = row["merge"], True
    else:
        chosen, take_over = None, False
    params = {**m.params(), "chosenId": chosen}
    await run_in(tx, drop, params)
    if take_over:
        await run_in(tx, adopt, params)


async def _move_customer(tx: Tx, m: _Merge) -> None:
    t = "Customer"
    await _one_link(tx, m, cypher.REFERRERS, cypher.DROP_OTHER_REFERRERS, cypher.ADOPT_REFERRER)
    for statement in (
        cypher.move_out(t, "REFERRED", "Customer"),
        cypher.move_out(t, "PLACED", "Order"),
        cypher.move_out(t, "HAS_CONSENT", "Consent"),
        cypher.move_out_once(t, "TAGGED", "Tag"),
        cypher.move_in_once(t, "WITH", "Interaction"),
        cypher.move_in_if_none(t, "MANAGES", "User"),
        cypher.MOVE_ACCOUNT_OF,
    ):
        await run_in(tx, statement, m.params())


async def _move_contact(tx: Tx, m: _Merge) -> None:
    t = "Contact"
    await _one_link(tx, m, cypher.MANAGERS, cypher.DROP_OTHER_MANAGERS, cypher.ADOPT_MANAGER)
    for statement in (
        cypher.MOVE_DIRECT_REPORTS,
        cypher.FILL_SHARED_JOBS,
        cypher.move_out_once(t, "WORKS_AT", "Company"),
        cypher.MOVE_KNOWS_OUT,
        cypher.MOVE_KNOWS_IN,
        cypher.move_out(t, "REFERRED", "Customer"),
        cypher.move_out(t, "HAS_CONSENT", "Consent"),
        cypher.move_out_once(t, "TAGGED", "Tag"),
        cypher.move_in_once(t, "WITH", "Interaction"),
    ):
        await run_in(tx, statement, m.params())


async def _merge(call: Call, m: _Merge, field: str) -> tuple[Any, list[FieldError]]:
    at = now()
    merged_gid = global_id.encode(m.type_name, m.merge.raw_id)

    async def work(tx: Tx) -> Any:
        # the graph-wide rule this merge could break (no loops) is checked behind locks: the
        # roots of both customers' referral trees, or the reporting lines' application lock
        if m.type_name == "Customer":
            await lock_trees(tx, [m.keep.raw_id, m.merge.raw_id])
        else:
            await acquire(tx, locks.REPORTING)
        await _lock_and_check(tx, m)
        # referrers whose networks the merge may change: upstream of either customer now, and
        # (after the move) the kept node with everyone upstream of it
        networks = [m.keep.raw_id]
        if m.type_name == "Customer":
            networks += await upstream(tx, [m.keep.raw_id, m.merge.raw_id])
            await _move_customer(tx, m)
        else:
            await _move_contact(tx, m)
        await run_in(
            tx,
            cypher.move_other(m.type_name),
            {**m.params(), "known": cypher.known_types(m.type_name)},
        )
        await run_in(
            tx,
            cypher.fill_fields(m.type_name),
            {**m.params(), "mergedGlobalId": merged_gid, "now": at},
        )
        if m.type_name == "Customer":
            await run_in(tx, customers.recount(interactions=True), {"ids": [m.keep.raw_id]})
        # whatever is still attached (duplicates, self-loops, losing links) goes with the node
        await run_in(tx, nodes.detach_delete(m.type_name), {"id": m.merge.raw_id})
        await refresh_networks(tx, [i for i in networks if i != m.merge.raw_id])
        return await payload_entity(tx, call, field, m.type_name, m.keep.raw_id)

    # the audit event is about the kept record: its before/after shows the filled fields and
    # `mergedFrom`; the merged record's id is in that list
    return await execute(call, work, subject=Subject(m.type_name, m.keep.raw_id))


async def merge_customers(call: Call, data: Input) -> Outcome:
    m, errors = _decode(call, data, "Customer")
    if m is None:
        return Outcome.of(errors=errors)
    row, errors = await _merge(call, m, "customer")
    return Outcome.of(
        customer=row,
        merged_id=None if errors else global_id.encode("Customer", m.merge.raw_id),
        errors=errors,
    )


async def merge_contacts(call: Call, data: Input) -> Outcome:
    m, errors = _decode(call, data, "Contact")
    if m is None:
        return Outcome.of(errors=errors)
    row, errors = await _merge(call, m, "contact")
    return Outcome.of(
        contact=row,
        merged_id=None if errors else global_id.encode("Contact", m.merge.raw_id),
        errors=errors,
    )
