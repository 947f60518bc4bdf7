"""recordReferral: who brought which customer.

A customer is referred at most once (the first referral wins) and the REFERRED graph never has
a cycle. Both rules are read from the graph, so two concurrent referrals could each pass them
and together break them (A→B and B→A at the same moment). Every writer of REFERRED edges
(this mutation, customer merges, imports) therefore first locks the roots of the referral trees
it touches (`lock_trees`, graphdb/writes/referrals.py says why that suffices): referrals within
one tree are written one at a time, referrals in unrelated trees in parallel.
"""

from __future__ import annotations

from typing import Any

from core.codes import WriteCode
from core.validation import Validator
from graphdb.driver import run_in
from graphdb.writes import referrals as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _idempotency
from resolvers.writes._audit import Subject
from resolvers.writes._fields import present
from resolvers.writes._tx import (
    Checks,
    Guard,
    Tx,
    decode_ref,
    execute,
    now,
    payload_entity,
    validator,
)


def referral_props(v: Validator, data: Any) -> dict[str, Any]:
    """A referral's own fields, shared with the importer (`data`: a Input or an
    object with the same attribute names); referredAt defaults to now."""
    return {
        "referredAt": v.datetime("referredAt", data.referred_at)
        if present(data.referred_at)
        else now(),
        "channel": v.text("channel", data.channel, max_length=100)
        if present(data.channel)
        else None,
        "note": v.text("note", data.note, max_length=2000, allow_newlines=True)
        if present(data.note)
        else None,
    }


async def lock_trees(tx: Tx, values: list[str], *, key: str = "id") -> None:
    """Write-lock, until commit, the roots of the referral trees of the customers whose `key`
    is in `values`, so that no concurrent writer changes who is upstream of them.

    A root read before its lock may have gained a referrer meanwhile; the following read shows
    it, and the new roots are locked in turn.
    """
    if not values:
        return
    params = {"values": sorted(set(values))}
    locked: set[str] = set()
    # Each round that does not return has found a root outside `locked` and locks it; there
    # are finitely many nodes, and a locked root cannot gain a referrer, so this ends (in
    # practice after one round: a second needs a concurrent commit that re-rooted a tree).
    while True:
        locked |= set((await run_in(tx, cypher.lock_roots(key), params))[0]["roots"])
        now_roots = set((await run_in(tx, cypher.roots(key), params))[0]["roots"])
        if now_roots <= locked:
            return


async def upstream(tx: Tx, customer_ids: list[str]) -> list[str]:
    """The customers and contacts upstream of `customer_ids` (themselves included), read before
    a write that may cut them off from those customers (a merge, a delete)."""
    if not customer_ids:
        return []
    rows = await run_in(tx, cypher.UPSTREAM, {"ids": sorted(set(customer_ids))})
    return list(rows[0]["ids"])


async def refresh_networks(tx: Tx, ids: list[str]) -> None:
    """Recompute the stored referral networks of the customers or contacts `ids` and of
    everyone upstream of them, after a write that changed their trees or a `totalSpent` in
    them; the trees' roots must be locked (`lock_trees`) by then."""
    if ids:
        await run_in(tx, cypher.NETWORKS, {"ids": sorted(set(ids))})


async def record_referral(call: Call, data: Input) -> Outcome:
    v = validator(call)
    referrer = decode_ref(v, "referrerId", data.referrer_id, {"Customer", "Contact"})
    referred = decode_ref(v, "referredId", data.referred_id, {"Customer"})
    if referrer is not None and referred is not None and referrer.same_node(referred):
        v.add("referredId", WriteCode.SELF_REFERRAL, "A customer cannot refer themselves.")
    fields = referral_props(v, data)
    key = _idempotency.requested_key(v, data)
    referred_at, channel, note = fields["referredAt"], fields["channel"], fields["note"]
    if referrer is None or referred is None or not v.ok:
        return Outcome.of(errors=v.errors)
    at = now()
    params: dict[str, Any] = {
        "referrerId": referrer.raw_id,
        "referredId": referred.raw_id,
        "props": {
            "referredAt": referred_at,
            "channel": channel,
            "note": note,
            "createdAt": at,
        },
    }

    async def work(tx: Tx) -> Any:
        customers = [r.raw_id for r in (referrer, referred) if r.type_name == "Customer"]
        await lock_trees(tx, customers)
        c = Checks(tx)
        found = (await run_in(tx, cypher.check(referrer.type_name), params))[0]
        for ref, key in ((referrer, "referrerFound"), (referred, "referredFound")):
            if not found[key]:
                c.add(
                    ref.field,
                    WriteCode.NOT_FOUND,
                    f"No {ref.type_name.lower()} with this id exists (it may have been deleted).",
                )
        c.done()
        if found["referred"]:
            c.add(
                referred.field,
                WriteCode.ALREADY_REFERRED,
                "This customer was already referred by someone; the first referral counts.",
            )
        if found["cycle"]:
            c.add(
                referrer.field,
                WriteCode.REFERRAL_CYCLE,
                "The referred customer is already upstream of the referrer (they referred "
                "them, directly or through others); referrals cannot go round in a circle.",
            )
        c.done()
        await run_in(tx, cypher.create_referral(referrer.type_name), params)
        return await payload_entity(tx, call, "referred", "Customer", referred.raw_id)

    async def replay(tx: Tx, target: str | None) -> Any:
        return await payload_entity(tx, call, "referred", "Customer", target or "")

    keyed = _idempotency.keyed(
        call.viewer.user_id,
        key,
        call.action,
        data,
        target=lambda _: ("Customer", referred.raw_id),
        replay=replay,
    )
    row, errors = await execute(
        call,
        work,
        subject=Subject("Customer", referred.raw_id),
        guard=Guard(own=(referred,)),
        keyed=keyed,
    )
    return Outcome.of(referred=row, errors=errors)
