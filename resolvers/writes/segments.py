"""createSegment, updateSegment, deleteSegment.

A segment stores its CustomerFilter as JSON (resolvers/segments/codec.py). The filter is checked
at save time by compiling it exactly as a `customers` read would, so a saved segment can always
be read. Each write also updates this process's segment registry inside the transaction, before
the payload is read, so the payload and every later read here compile the new filter at once.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema

from core.model import ENTITIES
from core.validation import Code, Validator
from graphdb import segments as segment_statements
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.filters import predicate
from graphdb.compiler.params import Params, Vars
from graphdb.driver import run_in
from graphdb.segments import SEGMENTS
from resolvers.call import ABSENT, Call, Input, Outcome
from resolvers.segments import codec
from resolvers.segments.cache import from_record
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, enum_value, expected_version
from resolvers.writes._tx import Checks, Ref, Tx, decode_ref, validator

TYPE, FIELD = "Segment", "segment"
#: A saved filter is a query, not data: this is far beyond any hand-made one.
MAX_FILTER_JSON = 20_000


def _stored_filter(v: Validator, call: Call, raw: Any) -> str | None:
    """The filter as stored JSON, after compiling it as `customers` would (None: refused)."""
    coerced = call.selection.top.args["input"].get("filter") if raw is not None else None
    schema: GraphQLSchema = call.selection.schema
    try:
        predicate(ENTITIES["Customer"], "n", coerced, Params(), Vars())
    except QueryArgumentError as exc:
        extensions = exc.extensions or {}
        where = str(extensions.get("argument", "filter")).split(".")
        v.add(tuple(where), str(extensions.get("code", Code.INVALID_VALUE)), exc.message)
        return None
    stored = codec.dumps(schema, coerced)
    if len(stored) > MAX_FILTER_JSON:
        v.add("filter", Code.TOO_LONG, f"The filter is too large ({len(stored)} characters).")
        return None
    return stored


def segment_props(v: Validator, call: Call, data: Input, *, creating: bool) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating)
    ch.put("name", "name", v.name, required=True)
    ch.put(
        "description",
        "description",
        lambda f, x: v.text(f, x, max_length=2000, allow_newlines=True),
    )
    if data.filter is not ABSENT:
        stored = _stored_filter(v, call, data.filter)
        if stored is not None:
            ch.props["filter"] = stored
    elif creating:
        ch.props["filter"] = "{}"
    consent = data.require_consent
    if consent is None and not creating:
        ch.props.update(requireConsentChannel=None, requireConsentPurpose=None)
    elif consent is not None and consent is not ABSENT:
        sub = v.scoped("requireConsent")
        purpose = sub.text("purpose", consent.purpose, required=True, max_length=100)
        if purpose is not None:
            ch.props.update(
                requireConsentChannel=enum_value("channel", consent.channel),
                requireConsentPurpose=purpose,
            )
    return ch.props


def _unique_name(props: dict[str, Any]) -> _crud.Check:
    async def check(c: Checks, raw_id: str) -> None:
        await c.unique(TYPE, "name", props.get("name"), ("input", "name"), except_id=raw_id)

    return check


def _remember(call: Call) -> _crud.Link:
    """Put the segment as now written into the registry, before the payload is compiled."""

    async def link(tx: Tx, raw_id: str) -> None:
        rows = await run_in(tx, segment_statements.BY_ID, {"id": raw_id})
        if rows:
            SEGMENTS.put(from_record(call.selection.schema, rows[0]))

    return link


async def create_segment(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = segment_props(v, call, data, creating=True)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.create(
        call, TYPE, FIELD, props, check=_unique_name(props), link=_remember(call), request=data
    )
    return Outcome.written("segment", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_segment(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    props = segment_props(v, call, data, creating=False)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.update(
        call,
        ref,
        FIELD,
        expected_version(data),
        props,
        check=_unique_name(props),
        link=_remember(call),
    )
    return Outcome.written("segment", written, errors)


async def delete_segment(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    deleted = await _crud.delete_by_id(call, v, ref, FIELD, expected_version(data), guarded=False)
    if deleted.deleted_id is not None and ref is not None:
        SEGMENTS.drop(ref.raw_id)
    return Outcome.of(deleted_id=deleted.deleted_id, segment=deleted.row, errors=deleted.errors)
