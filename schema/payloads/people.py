"""Payloads of contact and user mutations."""

from __future__ import annotations

import strawberry

from schema.payloads.common import deleted_id, entity, errors
from schema.types.entities import Contact, User
from schema.types.errors import UserError

_CONTACT = "The contact as saved; null when refused."
_USER = "The user as saved; null when refused."


@strawberry.type(description="Result of createContact.")
class CreateContactPayload:
    contact: Contact | None = entity(_CONTACT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateContact.")
class UpdateContactPayload:
    contact: Contact | None = entity(_CONTACT)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteContact.")
class DeleteContactPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    contact: Contact | None = entity(
        "The contact as it was just before it was deleted; null when refused."
    )
    errors: list[UserError] = errors()


@strawberry.type(description="Result of createUser.")
class CreateUserPayload:
    user: User | None = entity(_USER)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of updateUser.")
class UpdateUserPayload:
    user: User | None = entity(_USER)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of deleteUser.")
class DeleteUserPayload:
    deleted_id: strawberry.ID | None = deleted_id()
    user: User | None = entity("The user as it was just before it was deleted; null when refused.")
    errors: list[UserError] = errors()
