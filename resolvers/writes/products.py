"""createProduct, updateProduct, upsertProduct, deleteProduct.

The SKU is unique (stored in upper case). A product that appears on any order cannot be
deleted, since the order lines would lose what was sold; deactivate it (`active: false`) and it
can no longer be ordered.
"""

from __future__ import annotations

from typing import Any

from core.codes import WriteCode
from core.validation import Validator
from graphdb.writes import catalog as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes import _crud
from resolvers.writes._fields import Changes, expected_version
from resolvers.writes._tx import Checks, Ref, decode_ref, validator

TYPE, FIELD = "Product", "product"
DEFAULTS = {"active": True}


def product_props(v: Validator, data: Input, *, creating: bool) -> dict[str, Any]:
    ch = Changes(v, data, creating=creating)
    ch.put("sku", "sku", v.sku, required=True)
    ch.put("name", "name", v.name, required=True)
    ch.put("price", "price", v.money, required=True)
    ch.put("currency", "currency", v.currency, required=True)
    ch.put("category", "category", lambda f, x: v.text(f, x, max_length=100))
    ch.put(
        "description",
        "description",
        lambda f, x: v.text(f, x, max_length=5000, allow_newlines=True),
    )
    ch.put("active", "active", v.boolean, required=not creating)
    return ch.props


def _unique_sku(props: dict[str, Any]) -> _crud.Check:
    async def check(c: Checks, raw_id: str) -> None:
        await c.unique(TYPE, "sku", props.get("sku"), ("input", "sku"), except_id=raw_id)

    return check


async def create_product(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = product_props(v, data, creating=True)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.create(
        call,
        TYPE,
        FIELD,
        {**DEFAULTS, **props},
        unique=_crud.Unique("sku", props.get("sku"), ("input", "sku")),
        request=data,
    )
    return Outcome.written("product", written, errors)


def _decode_id(v: Validator, value: object) -> Ref | None:
    return decode_ref(v, "id", value, {TYPE})


async def update_product(call: Call, data: Input) -> Outcome:
    v = validator(call)
    ref = _decode_id(v, data.id)
    props = product_props(v, data, creating=False)
    if ref is None or not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.update(
        call, ref, FIELD, expected_version(data), props, check=_unique_sku(props)
    )
    return Outcome.written("product", written, errors)


async def upsert_product(call: Call, data: Input) -> Outcome:
    v = validator(call)
    props = product_props(v, data, creating=False)
    if not v.ok:
        return Outcome.of(errors=v.errors)
    written, errors = await _crud.upsert(
        call,
        TYPE,
        FIELD,
        ("sku", props["sku"]),
        expected_version(data),
        props,
        defaults=DEFAULTS,
        request=data,
    )
    return Outcome.written("product", written, errors, created=True)


async def _never_ordered(c: Checks, raw_id: str) -> None:
    if await c.count(cypher.PRODUCT_ORDER_LINES, {"id": raw_id}):
        c.add(
            ("input", "id"),
            WriteCode.PRODUCT_WAS_ORDERED,
            "This product appears on orders and must stay for their history; set "
            "`active: false` to stop selling it instead.",
        )


async def delete_product(call: Call, data: Input) -> Outcome:
    v = validator(call)
    deleted = await _crud.delete_by_id(
        call,
        v,
        _decode_id(v, data.id),
        FIELD,
        expected_version(data),
        check=_never_ordered,
        guarded=False,
    )
    return Outcome.of(
        deleted_id=deleted.deleted_id,
        product=deleted.row,
        errors=deleted.errors,
    )
