"""The audit trail and GDPR in the schema: `auditLog`, `exportSubjectData`, `eraseCustomer`,
`eraseContact`, and the AuditEvent type. docs/security.md explains who may use what."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import strawberry

from resolvers import audit, gdpr
from resolvers.writes import gdpr as erasure
from schema.context import Info, call
from schema.payloads.common import errors
from schema.scalars import JSON, DateTime
from schema.types.base import Node, RowType, value
from schema.types.connections import make_connection
from schema.types.errors import UserError, user_errors

# --- the audit trail ----------------------------------------------------------------------------


@strawberry.type(
    description="One change, as recorded in the same transaction that made it. Audit events "
    "are never deleted; erasing a person replaces their personal values inside them with "
    '"[erased]". Readable by MANAGER and ADMIN only, through `auditLog` or by id with '
    "`node(id:)`; other roles get the error FORBIDDEN."
)
class AuditEvent(RowType, Node):
    at: DateTime = value("When the change was committed.")
    actor_id: strawberry.ID | None = value("Global id of the User who made the change.")
    actor_email: str | None = value("E-mail of that user when the change was made.")
    action: str = value("The mutation that made the change, e.g. updateCustomer.")
    entity_type: str = value(
        "Type of the record changed, e.g. Customer (the record may since be gone)."
    )
    entity_id: strawberry.ID = value("Global id of the record changed.")
    changes: JSON = value(
        "The fields that changed, as {field: {before, after}}: a creation has only `after`, a "
        "deletion only `before`. Related records appear as fields too, e.g. `accountManager`, "
        "`tags`, `employment[<company id>]`, `consent[<consent id>]`, with global ids as values."
    )


AuditEventConnection, AuditEventEdge = make_connection(__name__, "AuditEvent")


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


async def _subject_document(info: Info, id_: str) -> JSON | None:
    document = await gdpr.export_subject_data(call(info), id_)
    return None if document is None else JSON(document)


@strawberry.type
class PrivacyQueries:
    @strawberry.field(
        description="Every recorded change to one record, newest first (then by the event's "
        "internal uuid), as a Relay connection (MANAGER and ADMIN only; others get the error "
        "FORBIDDEN). Works for deleted and erased records too."
    )
    async def audit_log(
        self,
        info: Info,
        entity_id: Annotated[strawberry.ID, _arg("Global id of the record.")],
        first: Annotated[
            Optional[int],  # noqa: UP045
            _arg("Page size from the newest (or after `after`); default 20, at most 500."),
        ] = None,
        after: Annotated[
            Optional[str],  # noqa: UP045
            _arg("Cursor to start after (from `pageInfo.endCursor`): older events follow."),
        ] = None,
        last: Annotated[
            Optional[int],  # noqa: UP045
            _arg("Page size from the oldest (or before `before`)."),
        ] = None,
        before: Annotated[
            Optional[str],  # noqa: UP045
            _arg("Cursor to end before (from `pageInfo.startCursor`): newer events."),
        ] = None,
    ) -> AuditEventConnection:  # type: ignore[valid-type]
        return await audit.audit_log(call(info), str(entity_id))  # type: ignore[no-any-return]

    @strawberry.field(
        description="GDPR right of access, as a query: the same document as the mutation "
        "`exportSubjectData`.",
        deprecation_reason="The API contract lists exportSubjectData as a mutation; use it.",
    )
    async def export_subject_data(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _arg("Global id of the Customer or Contact.")],
    ) -> JSON | None:
        return await _subject_document(info, str(id))


# --- erasure ------------------------------------------------------------------------------------

_REASON = (
    "Why the data is erased (e.g. the request's reference). Kept on the tombstone; the "
    "person's own details are removed from it."
)


@strawberry.input(description="Which customer to erase, and why.")
class EraseCustomerInput:
    id: strawberry.ID = strawberry.field(description="Global id of the Customer.")
    reason: str = strawberry.field(description=_REASON)


@strawberry.input(description="Which contact to erase, and why.")
class EraseContactInput:
    id: strawberry.ID = strawberry.field(description="Global id of the Contact.")
    reason: str = strawberry.field(description=_REASON)


_ERASED_ID = "Global id of the erased record; null when refused."
_TOMBSTONE = "Id of the Tombstone recording the erasure; null when refused."


@strawberry.type(description="Result of eraseCustomer.")
class EraseCustomerPayload:
    erased_id: strawberry.ID | None = strawberry.field(default=None, description=_ERASED_ID)
    tombstone_id: strawberry.ID | None = strawberry.field(default=None, description=_TOMBSTONE)
    errors: list[UserError] = errors()


@strawberry.type(description="Result of eraseContact.")
class EraseContactPayload:
    erased_id: strawberry.ID | None = strawberry.field(default=None, description=_ERASED_ID)
    tombstone_id: strawberry.ID | None = strawberry.field(default=None, description=_TOMBSTONE)
    errors: list[UserError] = errors()


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        description="GDPR right of access: a JSON document of everything held about a customer "
        "or contact: profile, consents, interactions, orders with lines, referrals in and out, "
        "jobs, tags and audit entries. ADMIN and MANAGER; SALES for its own accounts; null when "
        "no such person exists. A mutation because serving an access request is an act the "
        "controller must be able to account for, not a casual read."
    )
    async def export_subject_data(
        self,
        info: Info,
        id: Annotated[strawberry.ID, _arg("Global id of the Customer or Contact.")],
    ) -> JSON | None:
        return await _subject_document(info, str(id))

    @strawberry.mutation(
        description="GDPR erasure of a customer (ADMIN and MANAGER): personal data removed and "
        "the customer deleted; its orders and referrals stay as anonymous history on an "
        "'Erased customer' placeholder, so revenue figures do not change; a tombstone records "
        "the erasure. See docs/security.md."
    )
    async def erase_customer(
        self, info: Info, input: Annotated[EraseCustomerInput, _arg("The customer.")]
    ) -> EraseCustomerPayload:
        tombstone, problems = await erasure.erase(call(info), "Customer", input.id, input.reason)
        return EraseCustomerPayload(
            erased_id=input.id if tombstone else None,
            tombstone_id=tombstone,
            errors=user_errors(problems),
        )

    @strawberry.mutation(
        description="GDPR erasure of a contact (ADMIN and MANAGER): personal data removed and "
        "the contact deleted with their jobs, links and consents; referrals they made stay on an "
        "'Erased contact' placeholder; a tombstone records the erasure."
    )
    async def erase_contact(
        self, info: Info, input: Annotated[EraseContactInput, _arg("The contact.")]
    ) -> EraseContactPayload:
        tombstone, problems = await erasure.erase(call(info), "Contact", input.id, input.reason)
        return EraseContactPayload(
            erased_id=input.id if tombstone else None,
            tombstone_id=tombstone,
            errors=user_errors(problems),
        )
