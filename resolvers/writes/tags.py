"""tag and untag: free-form labels on customers, contacts and companies.

A tag is one node per case-folded name (trimmed, 1-50 characters), created on first use, shown
as first written and shared by everything tagged with it: "VIP ", "vip" and "Vip" are one tag
(named "VIP" if that came first), and a filter on any of them finds it. Untagging leaves the
Tag node for reuse. Both are idempotent.
"""

from __future__ import annotations

from typing import Any

from core import global_id
from core.validation import Code, Validator
from graphdb.driver import run_in
from graphdb.writes import activity as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes._audit import Subject
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Tx,
    decode_ref,
    execute,
    now,
    payload_entity,
    validator,
)

TAGGABLE = {"Customer": "customer", "Contact": "contact", "Company": "company"}
MAX_TAGS = 50
MAX_TAG_LENGTH = 50


def tag_names(v: Validator, values: list[str]) -> list[str]:
    """Trimmed tag names, one per case-folded name (the first spelling), in the order given."""
    if not values:
        v.add("tags", Code.REQUIRED, "Give at least one tag.")
    elif len(values) > MAX_TAGS:
        v.add("tags", Code.OUT_OF_RANGE, f"At most {MAX_TAGS} tags at a time.")
    names: dict[str, str] = {}
    for i, value in enumerate(values[:MAX_TAGS]):
        name = v.text(("tags", i), value, required=True, max_length=MAX_TAG_LENGTH)
        if name is not None:
            names.setdefault(name.lower(), name)
    return list(names.values())


async def _payload(tx: Tx, call: Call, ref: Ref) -> dict[str, Any]:
    field = TAGGABLE[ref.type_name]
    return {field: await payload_entity(tx, call, field, ref.type_name, ref.raw_id)}


async def _change(call: Call, data: Input, *, add: bool) -> Any:
    v = validator(call)
    ref = decode_ref(v, "entityId", data.entity_id, set(TAGGABLE))
    names = tag_names(v, list(data.tags))
    if ref is None or not v.ok:
        return None, v.errors
    at = now()
    tags = [{"name": n, "id": global_id.new_raw_id()} for n in names]

    async def work(tx: Tx) -> dict[str, Any]:
        c = Checks(tx)
        await c.exist([ref])
        c.done()
        if add:
            statement, params = cypher.tag(ref.type_name), {"tags": tags, "now": at}
        else:
            statement, params = cypher.untag(ref.type_name), {"names": names}
        await run_in(tx, statement, {"id": ref.raw_id, **params})
        return await _payload(tx, call, ref)

    return await execute(
        call, work, subject=Subject(ref.type_name, ref.raw_id), guard=Guard(own=(ref,))
    )


async def tag(call: Call, data: Input) -> Outcome:
    rows, errors = await _change(call, data, add=True)
    return Outcome.of(**(rows or {}), errors=errors)


async def untag(call: Call, data: Input) -> Outcome:
    rows, errors = await _change(call, data, add=False)
    return Outcome.of(**(rows or {}), errors=errors)
