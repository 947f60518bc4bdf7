"""eraseCustomer and eraseContact: the GDPR right to erasure, in one transaction.

Erasing a person:

1. moves what must stay as history onto an anonymous placeholder, a new
   `(:Customer:Erased)` (or `(:Contact:Erased)`) that takes over the orders (with the stored
   order count, total spent and first/last order dates, so revenue figures do not change) and
   the referrals in and out (their notes deleted, so the referral network keeps its shape);
   no placeholder is made when there is no such history;
2. takes the person out of their interactions (an interaction keeps its other participants; one
   left with none keeps its kind and time, with the summary replaced by "[erased]"), and removes
   the person's personal values from those interactions' subject, summary and outcome;
3. deletes the person with their consent records, jobs, org-chart links, acquaintances and tags;
4. writes a `(:Tombstone {id, entityType, entityId, erasedAt, erasedBy, reason})`;
5. removes the person's values (personal fields, full name, external id; case-insensitively,
   as whole words) from every string property of every other node and relationship: free
   text where a user pasted them (another customer's leadSource, interaction texts, notes), and
   saved segments' filter, name and description (a changed segment gets a new version, so
   every process's segment registry reloads it);
6. redacts the audit trail: in the person's earlier AuditEvents the values of personal fields
   (the model's `personal=True` fields, names, externalId, referral notes) become "[erased]";
   any audit event holding one of the person's personal values verbatim has it replaced.

The mutation's own AuditEvent (written by the runner) lists which fields the person had, with
"[erased]" for the personal ones. Values shorter than `MIN_SCRUB_LENGTH` characters are removed
from the fields they were stored in but not searched for in free text, where they would match
inside unrelated words.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import orjson

from core import global_id
from core.codes import WriteCode
from core.validation import FieldError
from graphdb.driver import run_in
from graphdb.writes import customers
from graphdb.writes import gdpr as cypher
from resolvers.call import Call
from resolvers.writes._audit import ERASED, Subject, erasable_fields, redact, scrub
from resolvers.writes._tx import Refused, Tx, decode_ref, execute, now, validator
from resolvers.writes.referrals import lock_trees, refresh_networks

MIN_SCRUB_LENGTH = 3


def personal_values(type_name: str, props: dict[str, Any]) -> list[str]:
    """The person's personal values as text, longest first (for replacing inside text)."""
    values: set[str] = set()
    for name in erasable_fields(type_name):
        value = props.get(name)
        if value is None:
            continue
        iso = getattr(value, "iso_format", None)
        text = (
            iso() if callable(iso) else value.isoformat() if isinstance(value, dt.date) else value
        )
        if isinstance(text, str) and len(text.strip()) >= MIN_SCRUB_LENGTH:
            values.add(text)
    return sorted(values, key=lambda v: (-len(v), v))


def _needle(value: str) -> str:
    """How `value` appears inside a JSON string (escapes included), for CONTAINS."""
    return orjson.dumps(value).decode()[1:-1]


async def _redact_audit(
    tx: Tx, type_name: str, raw_id: str, values: list[str], orphaned: list[str]
) -> None:
    gid = global_id.encode(type_name, raw_id)
    rows = await run_in(
        tx,
        cypher.AUDIT_TO_REDACT,
        {
            "id": raw_id,
            "related": orphaned,
            "needles": sorted({n.lower() for n in [*map(_needle, values), gid]}),
        },
    )
    pattern = _pattern(values) if values else None
    personal = erasable_fields(type_name)
    rewritten: list[dict[str, str]] = []
    for row in rows:
        changes = orjson.loads(row["changes"] or "{}")
        if row["entityId"] == raw_id:
            changes = redact(changes, personal)
        if row["entityId"] in orphaned:
            changes = redact(changes, frozenset({"summary"}))
        if gid in (row["changes"] or ""):
            changes = redact(changes, frozenset({"note"}))
        changes = scrub(changes, values)
        if pattern is not None:
            changes = _scrub_value(changes, pattern)
        text = orjson.dumps(changes, option=orjson.OPT_SORT_KEYS).decode()
        if text != row["changes"]:
            rewritten.append({"id": row["id"], "changes": text})
    if rewritten:
        await run_in(tx, cypher.AUDIT_REWRITE, {"events": rewritten})


#: names that alone are too common to remove from other people's text (a contact "Jan" must
#: not turn every "Jan" of the database into "[erased]"); the full name is searched instead
_TOO_COMMON_ALONE = frozenset({"firstName", "lastName"})


#: another record whose name *is* the person's name is a namesake, not a mention: left alone
_NAME_FIELDS = frozenset({"name", "fullName", "firstName", "lastName"})


def free_text_values(type_name: str, props: dict[str, Any]) -> list[str]:
    """The person's values searched for in everybody's free text: personal fields, the full
    name and external id (not first or last name alone), longest first."""
    kept = {k: v for k, v in props.items() if k not in _TOO_COMMON_ALONE}
    return personal_values(type_name, kept)


def _pattern(values: list[str]) -> re.Pattern[str]:
    """Any of `values`, case-insensitively, as whole words (not inside a longer word)."""
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _scrub_text(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(ERASED, text)


def _scrub_json(stored: str, pattern: re.Pattern[str]) -> str:
    """A JSON text (a saved segment's filter) with the values scrubbed inside its strings."""
    try:
        value = orjson.loads(stored)
    except orjson.JSONDecodeError:
        return _scrub_text(stored, pattern)
    return orjson.dumps(_scrub_value(value, pattern), option=orjson.OPT_SORT_KEYS).decode()


def _scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` with `pattern` replaced by ERASED inside every string, at any depth."""
    if isinstance(value, str):
        return _scrub_text(value, pattern)
    if isinstance(value, dict):
        return {k: _scrub_value(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_value(v, pattern) for v in value]
    return value


async def _scrub_free_text(tx: Tx, type_name: str, props: dict[str, Any], at: dt.datetime) -> None:
    """Replace the person's values by "[erased]" in every string property of every other node
    and relationship (the person is already deleted; the audit trail is redacted apart)."""
    values = free_text_values(type_name, props)
    if not values:
        return
    needles = sorted({n.lower() for v in values for n in (v, _needle(v))})
    names = {str(props[k]).casefold() for k in ("name", "fullName") if props.get(k)}
    pattern = _pattern([*values, *(_needle(v) for v in values)])
    rewrites: dict[str, list[dict[str, Any]]] = {"node": [], "rel": []}
    for row in await run_in(tx, cypher.FREE_TEXT_HOLDING, {"needles": needles}):
        changed: dict[str, str] = {}
        for key, value in row["props"].items():
            if not isinstance(value, str) or (key in _NAME_FIELDS and value.casefold() in names):
                continue
            is_filter = "Segment" in row["labels"] and key == "filter"
            new = _scrub_json(value, pattern) if is_filter else _scrub_text(value, pattern)
            if new != value:
                changed[key] = new
        if changed:
            rewrites[row["kind"]].append({"eid": row["eid"], "props": changed})
    if rewrites["node"]:
        await run_in(tx, cypher.FREE_TEXT_REWRITE_NODES, {"rows": rewrites["node"], "now": at})
    if rewrites["rel"]:
        await run_in(tx, cypher.FREE_TEXT_REWRITE_RELS, {"rows": rewrites["rel"]})


async def erase(call: Call, type_name: str, entity_id: object, reason: object) -> Any:
    """Erase the Customer or Contact `entity_id`; (tombstone id or None, errors)."""
    v = validator(call)
    ref = decode_ref(v, "id", entity_id, {type_name})
    why = v.text("reason", reason, required=True, max_length=1000, allow_newlines=True)
    if ref is None or why is None or not v.ok:
        return None, v.errors
    at, placeholder_id, tombstone_id = now(), global_id.new_raw_id(), global_id.new_raw_id()
    actor = call.viewer.user_id
    ids = {"id": ref.raw_id}

    async def work(tx: Tx) -> str:
        if type_name == "Customer":
            # the placeholder takes the customer's place in its referral tree
            await lock_trees(tx, [ref.raw_id])
        rows = await run_in(tx, cypher.properties(type_name), ids)
        if not rows:
            raise Refused(
                [FieldError(ref.field, WriteCode.NOT_FOUND, f"No {type_name.lower()} has this id.")]
            )
        values = personal_values(type_name, rows[0]["props"])
        if rows[0]["needsPlaceholder"]:
            statement = (
                cypher.CUSTOMER_PLACEHOLDER
                if type_name == "Customer"
                else cypher.CONTACT_PLACEHOLDER
            )
            await run_in(tx, statement, {**ids, "placeholderId": placeholder_id, "now": at})
            if type_name == "Customer":
                await run_in(tx, customers.recount(), {"ids": [placeholder_id]})
        scrubbing = {**ids, "values": values, "erased": ERASED, "now": at}
        touched = [
            r["id"] for r in await run_in(tx, cypher.leave_interactions(type_name), scrubbing)
        ]
        orphaned = [
            r["id"]
            for r in await run_in(tx, cypher.REDACT_ORPHANED, {"ids": touched, "erased": ERASED})
        ]
        await run_in(tx, cypher.delete_person(type_name), ids)
        if rows[0]["needsPlaceholder"]:
            await refresh_networks(tx, [placeholder_id])
        tombstone = {
            "id": tombstone_id,
            "entityType": type_name,
            "entityId": ref.raw_id,
            "erasedAt": at,
            "erasedBy": actor,
            "reason": scrub(why, values),
        }
        await _scrub_free_text(tx, type_name, rows[0]["props"], at)
        await run_in(tx, cypher.TOMBSTONE, {"props": tombstone})
        await _redact_audit(tx, type_name, ref.raw_id, values, orphaned)
        return tombstone_id

    return await execute(
        call, work, subject=Subject(type_name, ref.raw_id, erasure=True), guard=None
    )
