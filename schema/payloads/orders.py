"""Payloads of order mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import entity, errors
from schema.types.entities import Customer, Order
from schema.types.errors import UserError


@strawberry.type(description="Result of placeOrder.")
class PlaceOrderPayload:
    order: Order | None = entity(
        "The order; for a repeated idempotency key, the order placed the first time. Null "
        "when refused."
    )
    customer: Customer | None = entity(
        "The customer, with order count and total spent already updated; null when refused."
    )
    replayed: bool = strawberry.field(
        default=False,
        description="True when this idempotency key was used before and no new order was placed.",
    )
    errors: list[UserError] = errors()
