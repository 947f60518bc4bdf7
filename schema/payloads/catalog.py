"""Payloads of product mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import deleted_id, entity, errors
from schema.types.entities import Product
from schema.types.errors import UserError

_PRODUCT = "The product as saved; null when refused."


@strawberry.type(description="Result of createProduct.")
class CreateProductPayload:
    product: Product | None = entity(_PRODUCT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateProduct.")
class UpdateProductPayload:
    product: Product | None = entity(_PRODUCT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of upsertProduct.")
class UpsertProductPayload:
    product: Product | None = entity(_PRODUCT)
    created: bool = strawberry.field(
        default=False, description="True when a new product was created, false when updated."
    )
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteProduct.")
class DeleteProductPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    product: Product | None = entity(
        "The product as it was just before it was deleted; null when refused."
    )
    errors: list[UserError] = errors()
