"""createCustomer, updateCustomer, upsertCustomer, deleteCustomer.

Rules beyond field validation: `externalId` is unique; only BUSINESS accounts have a company,
and a company is the account of one customer at most; a customer with orders cannot be deleted
(its orders are the sales history). New accounts start as LEAD with no orders.
"""

from __future__ import annotations

from typing import Any

from core.codes import WriteCode
from core.model import CUSTOMER_KINDS, LIFECYCLE_STAGES
from core.validation import Validator
from graphdb.driver import run_in
from graphdb.writes import customers as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, enum_check, enum_value, expected_version, given
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Tx,
    decode_ref,
    stored_country,
    validator,
)

TYPE, FIELD = "Customer", "customer"
DEFAULTS = {"lifecycleStage": "LEAD", "orderCount": 0, "totalSpent": 0}


def customer_props(
    v: Validator, data: Input, *, creating: bool, stored_country: str | None = None
) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating, stored_country=stored_country)
    ch.put("external_id", "externalId", v.external_id, required=True)
    ch.put("kind", "kind", enum_check(v, CUSTOMER_KINDS), required=True)
    ch.put("name", "name", v.name, required=True)
    ch.address()
    ch.put("email", "email", v.email)
    ch.put("phone", "phone", lambda f, x: v.phone(f, x, region=ch.country))
    ch.put(
        "lifecycle_stage",
        "lifecycleStage",
        enum_check(v, LIFECYCLE_STAGES),
        required=not creating,
    )
    ch.put("lead_source", "leadSource", lambda f, x: v.text(f, x, max_length=100))
    ch.put("lead_score", "leadScore", v.lead_score)
    return ch.props


class _Links:
    """The account's company and manager as sent in the input (absent: leave unchanged)."""

    def __init__(self, v: Validator, data: Input, *, creating: bool = False) -> None:
        #: a create: the account has no stored kind or company yet, so none is read
        self.creating = creating
        self.company_given = given(data, "company_id")
        self.manager_given = given(data, "account_manager_id")
        self.company: Ref | None = (
            decode_ref(v, "companyId", data.company_id, {"Company"}) if self.company_given else None
        )
        self.manager: Ref | None = (
            decode_ref(v, "accountManagerId", data.account_manager_id, {"User"})
            if self.manager_given
            else None
        )
        self.kind = enum_value("kind", data.kind) if given(data, "kind") else None

    async def check(self, c: Checks, raw_id: str) -> None:
        """References exist; the kind allows a company; the company has no other account."""
        await c.exist([self.company], lock=True)
        await c.exist([self.manager])
        rows = [] if self.creating else await run_in(c.tx, cypher.ACCOUNT_STATE, {"id": raw_id})
        stored_kind, stored_company = (
            (rows[0]["kind"], rows[0]["companyId"]) if rows else (None, None)
        )
        kind = self.kind or stored_kind
        has_company = self.company is not None if self.company_given else stored_company is not None
        if kind == "INDIVIDUAL" and has_company:
            field = ("input", "companyId") if self.company_given else ("input", "kind")
            c.add(
                field,
                WriteCode.INVALID_FOR_KIND,
                "Only BUSINESS customers can be linked to a company; an INDIVIDUAL cannot.",
            )
        if self.company is not None:
            holder = await run_in(
                c.tx,
                cypher.COMPANY_ACCOUNT_HOLDER,
                {"companyId": self.company.raw_id, "id": raw_id},
            )
            if holder:
                c.add(
                    self.company.field,
                    WriteCode.COMPANY_ALREADY_A_CUSTOMER,
                    "This company already is the account of another customer.",
                )

    async def link(self, tx: Tx, raw_id: str) -> None:
        if self.company_given:
            company_id = self.company.raw_id if self.company else None
            await run_in(tx, cypher.SET_COMPANY, {"id": raw_id, "companyId": company_id})
        if self.manager_given:
            user_id = self.manager.raw_id if self.manager else None
            await run_in(tx, cypher.SET_MANAGER, {"id": raw_id, "userId": user_id})

    @property
    def any_given(self) -> bool:
        return self.company_given or self.manager_given

    def guard(
        self, call: Call, *, own: Ref | None = None, key: object = None, creates: bool = False
    ) -> Guard:
        """What SALES must own: the account itself (by id, or by externalId for an upsert), and
        it may name only itself as account manager. A SALES user who names no manager becomes
        the account's manager (on an account it already manages, that changes nothing). A
        company it links brings that company's staff into its accounts, so it must bring in
        nobody the viewer cannot already see (graphdb/ownership.py)."""
        viewer = call.viewer
        manager = self.manager.raw_id if self.manager else None
        named = ((("input", "accountManagerId"), manager),) if self.manager_given else ()
        if creates and viewer.role == "SALES" and not self.manager_given:
            self.manager_given = True
            self.manager = Ref(("input", "accountManagerId"), "User", viewer.user_id)
        return Guard(
            own=(own,),
            brings_in=(self.company,) if self.company_given else (),
            self_only=named,
            own_key=(TYPE, "externalId", key) if key else None,
        )


async def create_customer(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = customer_props(v, data, creating=True)
    links = _Links(v, data, creating=True)
    if props.get("kind") == "INDIVIDUAL" and data.company_id:
        v.add(
            "companyId",
            WriteCode.INVALID_FOR_KIND,
            "Only BUSINESS customers can be linked to a company; an INDIVIDUAL cannot.",
        )
    if not v.ok:
        return Outcome.of(errors=v.errors)

    guard = links.guard(call, creates=True)  # (SALES: names itself as the manager)
    written, errors = await _crud.create(
        call,
        TYPE,
        FIELD,
        {**DEFAULTS, **props},
        check=links.check if links.any_given else None,
        unique=_crud.Unique("externalId", props.get("externalId"), ("input", "externalId")),
        link=links.link if links.any_given else None,
        guard=guard,
        request=data,
    )
    return Outcome.written("customer", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_customer(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    stored = await stored_country(call, ref, data)
    props = customer_props(v, data, creating=False, stored_country=stored)
    links = _Links(v, data)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)

    async def check(c: Checks, raw_id: str) -> None:
        await c.unique(
            TYPE, "externalId", props.get("externalId"), ("input", "externalId"), except_id=raw_id
        )
        await links.check(c, raw_id)

    guard = links.guard(call, own=ref)
    written, errors = await _crud.update(
        call,
        ref,
        FIELD,
        expected_version(data),
        props,
        check=check,
        link=links.link if links.any_given else None,
        guard=guard,
    )
    return Outcome.written("customer", written, errors)


async def upsert_customer(call: Call, data: Input) -> Outcome:
    v = validator(call)
    stored = await stored_country(call, None, data, by=(TYPE, "externalId", data.external_id))
    props = customer_props(v, data, creating=False, stored_country=stored)
    links = _Links(v, data)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    guard = links.guard(call, key=props["externalId"], creates=True)
    written, errors = await _crud.upsert(
        call,
        TYPE,
        FIELD,
        ("externalId", props["externalId"]),
        expected_version(data),
        props,
        defaults=DEFAULTS,
        check=links.check,
        link=links.link if links.any_given else None,
        guard=guard,
        request=data,
    )
    return Outcome.written("customer", written, errors, created=True)


async def _no_orders(c: Checks, raw_id: str) -> None:
    if await c.count(cypher.ORDER_COUNT, {"id": raw_id}):
        c.add(
            ("input", "id"),
            WriteCode.CUSTOMER_HAS_ORDERS,
            "This customer has placed orders, which are part of the sales history; "
            "a customer with orders cannot be deleted (mark it CHURNED instead).",
        )


async def delete_customer(call: Call, data: Input) -> Outcome:
    v = validator(call)
    deleted = await _crud.delete_by_id(
        call, v, _decode_id(v, data.id), FIELD, expected_version(data), check=_no_orders
    )
    return Outcome.of(
        deleted_id=deleted.deleted_id,
        customer=deleted.row,
        errors=deleted.errors,
    )
