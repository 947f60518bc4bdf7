"""Who may change what: the write half of the role model, checked by the mutation runner.

The runner (`resolvers.writes._tx.execute`) calls `authorize` first thing inside every
mutation's transaction; a refusal is the payload error `FORBIDDEN`, the transaction rolls back,
and no audit event is written. Two layers:

- **By role**, from `ROLES_BY_ACTION` and the mutation's name (`call.action`). A mutation
  missing from the table is ADMIN-only: a new mutation is closed until someone decides.
- **By account**, for SALES only: each mutation states in a `Guard` which records it writes,
  and SALES may write only its own accounts, by the one ownership rule of graphdb/ownership.py
  (the rule that also decides who sees personal data and who may export it). A mutation that
  gives no guard is closed to SALES.
- **No widening**: a write that would make records the viewer's own (a contact attached to an
  own company, a company linked to an own customer) names them in `Guard.brings_in`, and SALES
  may bring in only what it can already see unmasked: an own contact, or a company whose
  current staff are all own already. Otherwise FORBIDDEN: a SALES user cannot claim its way
  to other people's personal data.

- ADMIN: everything, including users.
- MANAGER: all customer data, the catalogue, merges and GDPR erasure; not users.
- SALES: its own accounts (above); creates customers (becoming their account manager),
  companies and contacts; orders, interactions, consents and tags on its own accounts.
- ANALYST: nothing.

docs/security.md has the full matrix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from neo4j import AsyncManagedTransaction

from core.codes import WriteCode
from core.validation import FieldError
from core.viewer import ROLES as ALL_ROLES
from core.viewer import Role, Viewer
from graphdb.driver import run_in
from graphdb.writes import audit as cypher
from graphdb.writes import nodes
from resolvers.writes._ref import Ref

ADMIN_ONLY: frozenset[Role] = frozenset({"ADMIN"})
STAFF: frozenset[Role] = frozenset({"ADMIN", "MANAGER"})
WRITERS: frozenset[Role] = frozenset({"ADMIN", "MANAGER", "SALES"})
EVERYONE: frozenset[Role] = frozenset(ALL_ROLES)

#: mutation name → the roles that may call it at all (SALES further limited by `Guard`)
ROLES_BY_ACTION: dict[str, frozenset[Role]] = {
    # customer data
    **dict.fromkeys(
        (
            "createCustomer",
            "updateCustomer",
            "upsertCustomer",
            "deleteCustomer",
            "createCompany",
            "updateCompany",
            "deleteCompany",
            "createContact",
            "updateContact",
            "deleteContact",
            "setEmployment",
            "endEmployment",
            "setReportsTo",
            "connectContacts",
            "recordReferral",
            "placeOrder",
            "logInteraction",
            "tag",
            "untag",
            "recordConsent",
            # GDPR access: SALES for its own accounts (the guard), audited like a write
            "exportSubjectData",
        ),
        WRITERS,
    ),
    # the catalogue, bulk and GDPR operations
    **dict.fromkeys(
        (
            "createProduct",
            "updateProduct",
            "upsertProduct",
            "deleteProduct",
            "createSegment",
            "updateSegment",
            "deleteSegment",
            "mergeCustomers",
            "mergeContacts",
            "importRecords",
            "startImport",
            "appendImportChunk",
            "cancelImport",
            "resumeImport",
            "eraseCustomer",
            "eraseContact",
        ),
        STAFF,
    ),
    # users and their keys
    **dict.fromkeys(("createUser", "updateUser", "deleteUser"), ADMIN_ONLY),
}


def roles_for(action: str) -> frozenset[Role]:
    return ROLES_BY_ACTION.get(action, ADMIN_ONLY)


@dataclass(frozen=True)
class Guard:
    """The records a mutation writes, as far as SALES's account limits are concerned.

    `own`: customers, companies or contacts that must be the viewer's accounts.
    `brings_in`: records the write makes part of the viewer's accounts (the contact of
    `setEmployment`, the company of a customer): each must bring nothing the viewer cannot
    already see (graphdb/ownership.py `brings_in_nothing_hidden`).
    `self_only`: (input field, user id) pairs SALES may only set to itself (an account's
    manager, who logged an interaction).
    Records that do not exist pass: the mutation reports them as NOT_FOUND.
    """

    own: tuple[Ref | None, ...] = ()
    brings_in: tuple[Ref | None, ...] = ()
    self_only: tuple[tuple[tuple[str, ...], str | None], ...] = ()
    #: (type, natural key, value): the record an upsert would update, if it exists
    own_key: tuple[str, str, object] | None = None


class _Target(Protocol):
    """A record the mutation writes (a `Ref`)."""

    @property
    def field(self) -> tuple[str, ...]: ...
    @property
    def type_name(self) -> str: ...
    @property
    def raw_id(self) -> str: ...


@dataclass(frozen=True)
class _Found:
    field: tuple[str, ...]
    type_name: str
    raw_id: str


#: for mutations that create a record nobody manages yet and touch no account
OPEN = Guard()


def forbidden(field: tuple[str, ...], message: str) -> FieldError:
    return FieldError(field, WriteCode.FORBIDDEN, message)


def role_refusal(viewer: Viewer, action: str) -> FieldError:
    return forbidden(
        (),
        f"Your role ({viewer.role}) may not use {action}."
        + (" Analysts have read-only access." if viewer.role == "ANALYST" else ""),
    )


async def authorize(
    tx: AsyncManagedTransaction, viewer: Viewer, action: str, guard: Guard | None
) -> list[FieldError]:
    """Why `viewer` may not run `action` on what `guard` names (empty: allowed)."""
    if viewer.role not in roles_for(action):
        return [role_refusal(viewer, action)]
    if viewer.role != "SALES":
        return []
    if guard is None:
        return [forbidden((), f"{action} is not open to SALES; ask a manager.")]
    errors = [
        forbidden(
            field,
            "As SALES you can only name yourself here; a manager assigns accounts to others.",
        )
        for field, user_id in guard.self_only
        if user_id != viewer.user_id
    ]
    own: list[_Target | None] = list(guard.own)
    if guard.own_key is not None:
        type_name, key, value = guard.own_key
        rows = await run_in(tx, nodes.find_by(type_name, key), {"value": value})
        if rows:
            own.append(_Found(("input", key), type_name, str(rows[0]["id"])))
    errors += await _refused(tx, viewer, own, "owned")
    errors += await _refused(tx, viewer, guard.brings_in, "clean")
    return errors


_WHY = {
    "owned": "This {t} is not one of your accounts; as SALES you can change only the accounts "
    "you manage, their company and its people.",
    "clean": "As SALES you may add to your accounts only what you can already see: this {t} "
    "would bring in personal data of people outside your accounts. Ask a manager.",
}


async def _refused(
    tx: AsyncManagedTransaction,
    viewer: Viewer,
    refs: Iterable[_Target | None],
    column: str,
) -> list[FieldError]:
    """FORBIDDEN for each of `refs` that fails the ownership rule's `column` (`owned`: is own;
    `clean`: brings in nothing hidden)."""
    by_type: dict[str, list[_Target]] = defaultdict(list)
    for ref in refs:
        if ref is not None:
            by_type[ref.type_name].append(ref)
    errors: list[FieldError] = []
    for type_name in sorted(by_type):
        wanted = by_type[type_name]
        rows = await run_in(
            tx,
            cypher.owned(type_name),
            {"ids": sorted({r.raw_id for r in wanted}), "viewerId": viewer.user_id},
        )
        passed = {row["id"]: bool(row[column]) for row in rows}
        errors.extend(
            forbidden(ref.field, _WHY[column].format(t=type_name.lower()))
            for ref in wanted
            if not passed.get(ref.raw_id, True)
        )
    return errors
