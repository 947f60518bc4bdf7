"""Inputs for products."""

from __future__ import annotations

import strawberry

from schema.inputs.common import EXPECTED_VERSION, idempotency_key, opt, req
from schema.scalars import Decimal

_SKU = (
    "Stock-keeping unit: 1-64 letters, digits, dots, dashes or underscores; stored in upper "
    "case and unique (DUPLICATE otherwise)."
)
_NAME = "Product name."
_CATEGORY = "Product category."
_DESCRIPTION = "Longer description; several lines are fine."
_PRICE = 'List price as a decimal string, e.g. "49.90", in `currency`.'
_CURRENCY = "ISO 4217 currency of the price, e.g. EUR."
_ACTIVE = "False once the product is no longer sold (it can then not be ordered)."


@strawberry.input(description="A new product.")
class CreateProductInput:
    sku: str = req(_SKU)
    name: str = req(_NAME)
    price: Decimal = req(_PRICE)
    currency: str = req(_CURRENCY)
    category: str | None = opt(_CATEGORY)
    description: str | None = opt(_DESCRIPTION)
    active: bool | None = opt(_ACTIVE + " New products are active.")
    idempotency_key: str | None = idempotency_key()


@strawberry.input(
    description="Changes to a product. Fields you leave out stay as they are; null empties an "
    "optional field."
)
class UpdateProductInput:
    id: strawberry.ID = req("Id of the product to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    sku: str | None = opt(_SKU)
    name: str | None = opt(_NAME)
    price: Decimal | None = opt(_PRICE)
    currency: str | None = opt(_CURRENCY)
    category: str | None = opt(_CATEGORY)
    description: str | None = opt(_DESCRIPTION)
    active: bool | None = opt(_ACTIVE)


@strawberry.input(
    description="A product as your catalogue knows it, matched by `sku`: created when new, "
    "otherwise updated (fields you leave out stay as they are)."
)
class UpsertProductInput(CreateProductInput):
    expected_version: int | None = opt(
        EXPECTED_VERSION + " Only checked when the product already exists."
    )


@strawberry.input(description="Which product to delete.")
class DeleteProductInput:
    id: strawberry.ID = req(
        "Id of the product. A product that appears on any order cannot be deleted "
        "(PRODUCT_WAS_ORDERED): set `active: false` instead."
    )
    expected_version: int | None = opt(EXPECTED_VERSION)
