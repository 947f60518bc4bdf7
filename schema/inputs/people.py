"""Inputs for contacts and users."""

from __future__ import annotations

import strawberry

from schema.inputs.common import EXPECTED_VERSION, AddressInput, idempotency_key, opt, req
from schema.scalars import Date
from schema.types.entities import UserRole

# --- contacts ---------------------------------------------------------------------------------

_FIRST = "Given name."
_LAST = "Family name."
_EMAIL = "E-mail address; stored in lower case."
_PHONE = (
    "Phone number; stored as +421901234567. Numbers without a country code are read as local "
    "to the address's country (or the deployment's default country)."
)
_VIDEO = "Video-call handle or link (Teams, Zoom, Meet…), without spaces."
_BIRTHDAY = "Birthday, YYYY-MM-DD; not in the future."
_NOTES = "Family, pets, hobbies: what helps the next conversation. Several lines are fine."
_ADDRESS = "Personal or office address."


@strawberry.input(description="A new contact person.")
class CreateContactInput:
    first_name: str = req(_FIRST)
    last_name: str = req(_LAST)
    email: str | None = opt(_EMAIL)
    phone: str | None = opt(_PHONE)
    video_handle: str | None = opt(_VIDEO)
    birthday: Date | None = opt(_BIRTHDAY)
    personal_notes: str | None = opt(_NOTES)
    address: AddressInput | None = opt(_ADDRESS)
    idempotency_key: str | None = idempotency_key()


@strawberry.input(
    description="Changes to a contact. Fields you leave out stay as they are; null empties an "
    "optional field."
)
class UpdateContactInput:
    id: strawberry.ID = req("Id of the contact to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    first_name: str | None = opt(_FIRST)
    last_name: str | None = opt(_LAST)
    email: str | None = opt(_EMAIL)
    phone: str | None = opt(_PHONE)
    video_handle: str | None = opt(_VIDEO)
    birthday: Date | None = opt(_BIRTHDAY)
    personal_notes: str | None = opt(_NOTES)
    address: AddressInput | None = opt(_ADDRESS)


@strawberry.input(description="Which contact to delete.")
class DeleteContactInput:
    id: strawberry.ID = req(
        "Id of the contact. Their jobs, org-chart links, acquaintances, tags and consent "
        "records go with them; interactions stay."
    )
    expected_version: int | None = opt(EXPECTED_VERSION)


# --- users ------------------------------------------------------------------------------------

_USER_NAME = "Full name."
_USER_EMAIL = "Login e-mail; unique (compared in lower case), DUPLICATE otherwise."
_USER_ROLE = "ADMIN, MANAGER, SALES or ANALYST."


@strawberry.input(description="A new Rapport user.")
class CreateUserInput:
    name: str = req(_USER_NAME)
    email: str = req(_USER_EMAIL)
    role: UserRole = req(_USER_ROLE)  # type: ignore[valid-type]
    idempotency_key: str | None = idempotency_key()


@strawberry.input(description="Changes to a user. Fields you leave out stay as they are.")
class UpdateUserInput:
    id: strawberry.ID = req("Id of the user to change.")
    expected_version: int | None = opt(EXPECTED_VERSION)
    name: str | None = opt(_USER_NAME)
    email: str | None = opt(_USER_EMAIL)
    role: UserRole | None = opt(_USER_ROLE)  # type: ignore[valid-type]


@strawberry.input(description="Which user to delete.")
class DeleteUserInput:
    id: strawberry.ID = req(
        "Id of the user. A user who still manages accounts cannot be deleted "
        "(USER_HAS_ACCOUNTS): hand the accounts over first."
    )
    expected_version: int | None = opt(EXPECTED_VERSION)
