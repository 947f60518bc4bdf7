"""exportSubjectData: everything Rapport holds about one person (GDPR right of access).

One Cypher statement reads the person with their consents, interactions, orders (with lines),
referrals in and out, jobs, org chart, acquaintances, tags and audit entries, and says whether
the viewer may have it: ADMIN and MANAGER always, SALES for its own accounts (the same rule as
for writes and for seeing personal data, graphdb/ownership.py), ANALYST never. Serving it
writes an AuditEvent in the same transaction, as every audited act does. The document uses
global ids, ISO 8601 times and money as decimal strings, like the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from graphql import GraphQLError

from core import global_id
from core.codes import WriteCode
from core.validation import FieldError
from graphdb.driver import run_in
from graphdb.writes import customers, referrals
from graphdb.writes import gdpr as cypher
from resolvers.audit import forbidden
from resolvers.call import Call
from resolvers.writes._audit import Subject, money, plain
from resolvers.writes._tx import Guard, Ref, Refused, Tx, execute

_MONEY = frozenset({"totalSpent", "total", "unitPrice", "annualRevenue", "price"})
#: not the person's data: locks, request fingerprints, and the derived aggregates the write
#: path keeps for the intelligence reads
_INTERNAL = frozenset({"_lock", "requestHash", *customers.DERIVED_PROPS, *referrals.NETWORK_PROPS})


def _clean(value: Any) -> Any:
    """Temporal values as ISO text and stored money as decimal strings, at any depth."""
    if isinstance(value, dict):
        return {
            k: money(v) if k in _MONEY else _clean(v)
            for k, v in value.items()
            if k not in _INTERNAL
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return plain(value)


def _gid(type_name: str, row: dict[str, Any] | None, key: str = "id") -> None:
    if row is not None and row.get(key):
        row[key] = global_id.encode(type_name, row[key])


def _shape(type_name: str, raw_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    doc = _clean(doc)
    _gid(type_name, doc["profile"])
    for consent in doc["consents"]:
        _gid("Consent", consent)
    for interaction in doc["interactions"]:
        _gid("Interaction", interaction)
        for person in interaction.get("participants") or []:
            _gid(person.pop("type"), person)
    for referral in doc["referredBy"]:
        _gid(referral.pop("type"), referral)
    for referral in doc["referred"]:
        _gid("Customer", referral)
    for order in doc.get("orders", []):
        _gid("Order", order)
    _gid("User", doc.get("accountManager"))
    _gid("Company", doc.get("company"))
    for job in doc.get("employments", []):
        _gid("Company", job, "companyId")
    _gid("Contact", doc.get("reportsTo"))
    for known in doc.get("knows", []):
        _gid("Contact", known)
    for event in doc["audit"]:
        _gid(event["entityType"], event, "entityId")
        _gid("User", event, "actorId")
        event["changes"] = orjson.loads(event.get("changes") or "{}")
    return {
        "subject": {"type": type_name, "id": global_id.encode(type_name, raw_id)},
        "exportedAt": dt.datetime.now(dt.UTC).isoformat(),
        "profile": doc.pop("profile"),
        "referrals": {"referredBy": doc.pop("referredBy"), "referred": doc.pop("referred")},
        "auditEvents": doc.pop("audit"),
        **doc,
    }


def _disclosed(document: dict[str, Any]) -> dict[str, Any]:
    """What the export's AuditEvent says was disclosed: the document's sections."""
    return {"disclosed": {"after": sorted(document)}}


async def export_subject_data(call: Call, subject_id: str) -> dict[str, Any] | None:
    """The subject's document, read in a write transaction that also records the disclosure
    as an AuditEvent (`exportSubjectData`, `changes.disclosed` lists the sections): serving an
    access request is an act the controller must account for. Authorization is the write
    path's (resolvers/writes/policy.py): ADMIN and MANAGER, SALES for its own accounts by the
    ownership rule, ANALYST never; a refusal is the GraphQL error FORBIDDEN and records
    nothing."""
    try:
        type_name, raw_id = global_id.decode(subject_id)
    except global_id.InvalidGlobalId as exc:
        raise GraphQLError(
            "This is not an id issued by Rapport.", extensions={"code": "INVALID_ID"}
        ) from exc
    if type_name not in cypher.ERASABLE_TYPES:
        raise GraphQLError(
            f"Subject data is held about customers and contacts; this id names a {type_name}.",
            extensions={"code": "WRONG_TYPE"},
        )
    ref = Ref(("id",), type_name, raw_id)

    async def work(tx: Tx) -> dict[str, Any]:
        rows = await run_in(tx, cypher.export(type_name, check_owner=False), {"id": raw_id})
        if not rows:
            raise Refused([FieldError(ref.field, WriteCode.NOT_FOUND, "No such person.")])
        return _shape(type_name, raw_id, rows[0]["doc"])

    outcome = await execute(
        call,
        work,
        subject=Subject(type_name, raw_id),
        guard=Guard(own=(ref,)),
        noted=_disclosed,
    )
    document, errors = outcome
    if any(e.code == WriteCode.NOT_FOUND for e in errors):
        return None
    if errors:
        if call.viewer.role == "SALES":
            raise forbidden(
                "As SALES you can export only the accounts you manage and their people."
            )
        raise forbidden(errors[0].message)
    return document
