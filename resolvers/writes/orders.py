"""placeOrder: an order, its lines, and the customer's stored aggregates, in one transaction.

Idempotency: with an `idempotencyKey`, the order is MERGEd on that key scoped to the viewer
(`idempotencyScope` = `<user id>:<key>`, as every other create scopes its keys, so one user's key
never finds or blocks another's), whose unique constraint makes concurrent requests with one key
queue; exactly one creates the order, adds the lines and counts it on the customer, the others
find it and return it (`replayed: true`). A replay whose content differs from the first request
is refused (IDEMPOTENCY_KEY_REUSED) rather than silently answered with an order the client did
not ask for; the request's fingerprint is kept on the order. The key lives on the order itself
rather than in an `(:IdempotencyKey)` claim (resolvers/writes/_idempotency.py) because the MERGE
that claims it also creates the order: one statement instead of a claim and a bind.

The customer is write-locked before its aggregates are read, so concurrent orders of one
customer are counted one after another and none is lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from core.codes import WriteCode
from core.model import ORDER_STATUSES
from core.validation import Code, FieldError, Validator
from core.validation.numbers import INT64_MAX
from graphdb.driver import run_in
from graphdb.writes import orders as cypher
from resolvers.call import Call, Input, Outcome
from resolvers.writes._audit import Subject
from resolvers.writes._fields import enum_check, enum_value, present
from resolvers.writes._tx import (
    Checks,
    Guard,
    Ref,
    Refused,
    Tx,
    decode_ref,
    execute,
    new_node,
    now,
    payload_entity,
    validator,
)
from resolvers.writes.referrals import lock_trees

MAX_LINES = 500
MAX_QUANTITY = 1_000_000


@dataclass
class _Line:
    """One validated line: the product by id or by sku, quantity, optional unit price."""

    field: tuple[str, ...]
    product: Ref | None
    sku: str | None
    quantity: int
    unit_price: int | None


def order_line(v: Validator, data: Input) -> _Line | None:
    """One line's fields (shared with the importer, which passes an object with the same names)."""
    has_id, has_sku = present(data.product_id), present(data.sku)
    product = decode_ref(v, "productId", data.product_id, {"Product"}) if has_id else None
    sku = v.sku("sku", data.sku) if has_sku else None
    if has_id and has_sku:
        v.add("sku", Code.INVALID_VALUE, "Give the product's id or its SKU, not both.")
    elif not has_id and not has_sku:
        v.add("productId", Code.REQUIRED, "Say which product: give its id or its SKU.")
    quantity = v.integer("quantity", data.quantity, minimum=1, maximum=MAX_QUANTITY)
    unit_price = v.money("unitPrice", data.unit_price) if present(data.unit_price) else None
    if quantity is None or (product is None and sku is None):
        return None
    return _Line(v.path(()), product, sku, quantity, unit_price)


def order_header(v: Validator, data: Any) -> dict[str, Any]:
    """An order's own fields, shared with the importer; placedAt defaults to now, status to
    PENDING. `data` is a Input or an object with the same attribute names."""
    return {
        "placedAt": v.datetime("placedAt", data.placed_at) if present(data.placed_at) else now(),
        "status": enum_check(v, ORDER_STATUSES)("status", data.status)
        if present(data.status)
        else "PENDING",
        "currency": v.currency("currency", data.currency) if present(data.currency) else None,
        "externalId": v.external_id("externalId", data.external_id)
        if present(data.external_id)
        else None,
        "idempotencyKey": v.external_id("idempotencyKey", data.idempotency_key)
        if present(getattr(data, "idempotency_key", None))
        else None,
    }


def _fingerprint(data: Input, customer: Ref, lines: list[_Line]) -> str:
    """What the client asked for, as sent (defaults excluded), to recognise a true replay."""
    request = {
        "customer": customer.raw_id,
        "lines": [
            [ln.product.raw_id if ln.product else None, ln.sku, ln.quantity, ln.unit_price]
            for ln in lines
        ],
        "placedAt": data.placed_at.isoformat() if data.placed_at else None,
        "status": enum_value("status", data.status) if present(data.status) else None,
        "currency": data.currency.upper() if data.currency else None,
        "externalId": data.external_id if present(data.external_id) else None,
    }
    return hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def _products(tx: Tx, lines: list[_Line]) -> tuple[dict[str, Any], dict[str, Any]]:
    ids = sorted({ln.product.raw_id for ln in lines if ln.product})
    skus = sorted({ln.sku for ln in lines if ln.sku})
    by_id = (
        {r["id"]: r for r in await run_in(tx, cypher.PRODUCTS_BY_ID, {"ids": ids})} if ids else {}
    )
    by_sku = (
        {r["sku"]: r for r in await run_in(tx, cypher.PRODUCTS_BY_SKU, {"skus": skus})}
        if skus
        else {}
    )
    return by_id, by_sku


def price_lines(
    c: Checks,
    lines: list[_Line],
    by_id: dict[str, Any],
    by_sku: dict[str, Any],
    currency: str | None,
) -> tuple[list[dict[str, Any]], int, str | None]:
    """Each line's product and price; records NOT_FOUND, PRODUCT_INACTIVE, CURRENCY_MISMATCH."""
    priced: list[dict[str, Any]] = []
    total = 0
    for position, ln in enumerate(lines):
        field = (*ln.field, "productId" if ln.product else "sku")
        product = by_id.get(ln.product.raw_id) if ln.product else by_sku.get(ln.sku or "")
        if product is None:
            c.add(field, WriteCode.NOT_FOUND, "No product with this id or SKU exists.")
            continue
        if not product["active"]:
            c.add(
                field,
                WriteCode.PRODUCT_INACTIVE,
                f"Product {product['sku']} is no longer sold (inactive) and cannot be ordered.",
            )
        currency = currency or product["currency"]
        if product["currency"] != currency:
            c.add(
                field,
                WriteCode.CURRENCY_MISMATCH,
                f"Product {product['sku']} is priced in {product['currency']}, but this order is "
                f"in {currency}; an order has one currency.",
            )
        unit_price = ln.unit_price if ln.unit_price is not None else int(product["price"])
        total += ln.quantity * unit_price
        priced.append(
            {
                "productId": product["id"],
                "quantity": ln.quantity,
                "unitPrice": unit_price,
                "position": position,
            }
        )
    return priced, total, currency


def _was_replayed(result: tuple[Any, Any, bool] | None) -> bool:
    return result is not None and result[2]


async def place_order(call: Call, data: Input) -> Outcome:
    v = validator(call)
    customer = decode_ref(v, "customerId", data.customer_id, {"Customer"})
    if not data.lines:
        v.add("lines", Code.REQUIRED, "An order needs at least one line.")
    elif len(data.lines) > MAX_LINES:
        v.add("lines", Code.OUT_OF_RANGE, f"An order can have at most {MAX_LINES} lines.")
    lines = [order_line(v.scoped(("lines", i)), ln) for i, ln in enumerate(data.lines[:MAX_LINES])]
    header = order_header(v, data)
    placed_at, status, currency = header["placedAt"], header["status"], header["currency"]
    external_id, key = header["externalId"], header["idempotencyKey"]
    if customer is None or placed_at is None or not v.ok:
        return Outcome.of(errors=v.errors)
    valid_lines = [ln for ln in lines if ln is not None]
    fingerprint = _fingerprint(data, customer, valid_lines)
    scope = f"{call.viewer.user_id}:{key}" if key else None
    at = now()
    order = new_node(
        {
            "placedAt": placed_at,
            "status": status,
            "externalId": external_id,
            "idempotencyKey": key,
            "idempotencyScope": scope,
            "requestHash": fingerprint if key else None,
        },
        at,
    )

    async def replay(tx: Tx) -> tuple[Any, Any, bool] | None:
        if scope is None:
            return None
        rows = await run_in(tx, cypher.BY_IDEMPOTENCY_KEY, {"scope": scope})
        if not rows:
            return None
        if rows[0]["requestHash"] != fingerprint:
            raise Refused(
                [
                    FieldError(
                        ("input", "idempotencyKey"),
                        WriteCode.IDEMPOTENCY_KEY_REUSED,
                        "This idempotency key was already used for a different order; use a "
                        "new key for a new order.",
                    )
                ]
            )
        return await _payload(tx, rows[0]["id"], replayed=True)

    async def _payload(tx: Tx, order_id: str, *, replayed: bool) -> tuple[Any, Any, bool]:
        # the order last: its read then also gives the audit its "after" state
        customer_row = await payload_entity(tx, call, "customer", "Customer", customer.raw_id)
        order_row = await payload_entity(tx, call, "order", "Order", order_id)
        return order_row, customer_row, replayed

    async def work(tx: Tx) -> tuple[Any, Any, bool]:
        earlier = await replay(tx)
        if earlier is not None:
            return earlier
        # the root of the customer's referral tree first: its referrers' networks include this
        # order's revenue (graphdb/writes/referrals.NETWORKS)
        await lock_trees(tx, [customer.raw_id])
        c = Checks(tx)
        await c.exist([customer], lock=True)
        await c.unique("Order", "externalId", external_id, ("input", "externalId"))
        by_id, by_sku = await _products(tx, valid_lines)
        priced, total, order_currency = price_lines(c, valid_lines, by_id, by_sku, currency)
        if total > INT64_MAX:
            c.add(("input", "lines"), Code.OUT_OF_RANGE, "The order total is too large.")
        c.done()
        props = {**order, "currency": order_currency, "total": total}
        write = {
            "customerId": customer.raw_id,
            "id": order["id"],
            "lines": priced,
            "total": total,
            "placedAt": placed_at,
        }
        if scope is not None:
            rows = await run_in(tx, cypher.MERGE_BY_KEY, {"scope": scope, "props": props})
            if rows[0]["id"] != order["id"]:  # committed by a concurrent request meanwhile
                again = await replay(tx)
                assert again is not None
                return again
            await run_in(tx, cypher.LINK, write)
        else:
            await run_in(tx, cypher.CREATE, {**write, "props": props})
        return await _payload(tx, order["id"], replayed=False)

    subject = (
        Subject("Order", scope, key="idempotencyScope")
        if scope
        else Subject("Order", order["id"], new=True)
    )
    result, errors = await execute(
        call,
        work,
        subject=subject,
        guard=Guard(own=(customer,)),
        replayed=_was_replayed,
    )
    order_row, customer_row, replayed = result or (None, None, False)
    return Outcome.of(order=order_row, customer=customer_row, replayed=replayed, errors=errors)
