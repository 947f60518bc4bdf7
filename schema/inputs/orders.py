"""Inputs for placing orders."""

from __future__ import annotations

import strawberry

from schema.inputs.common import opt, req
from schema.scalars import DateTime, Decimal
from schema.types.entities import OrderStatus


@strawberry.input(description="One line of a new order: a product and how many.")
class OrderLineInput:
    product_id: strawberry.ID | None = opt("Id of the product. Give this or `sku`, not both.")
    sku: str | None = opt("SKU of the product. Give this or `productId`, not both.")
    quantity: int = req("How many units; at least 1.")
    unit_price: Decimal | None = opt(
        "Price of one unit on this order, e.g. a negotiated price; the product's list price "
        "when left out."
    )


@strawberry.input(description="A new order from a customer.")
class PlaceOrderInput:
    customer_id: strawberry.ID = req("Id of the customer placing the order.")
    lines: list[OrderLineInput] = req("What is ordered, in the order to show it (1-500 lines).")
    placed_at: DateTime | None = opt("When the order was placed; now when left out.")
    status: OrderStatus | None = opt("Fulfilment state; PENDING when left out.")  # type: ignore[valid-type]
    currency: str | None = opt(
        "ISO 4217 currency of the order. Every product must be priced in it "
        "(CURRENCY_MISMATCH otherwise); the products' currency when left out."
    )
    external_id: str | None = opt("The order's id in your source system; unique.")
    idempotency_key: str | None = opt(
        "Any unique string you choose for this order (1-128 characters), e.g. a UUID. If the "
        "request is sent again with the same key (after a timeout, a double click), the first "
        "order is returned and no second order is placed."
    )
