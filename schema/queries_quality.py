"""Data-quality root fields: duplicate candidates (docs/duplicates.md)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Optional

import strawberry

from resolvers import duplicates
from schema.context import Info, call
from schema.types.base import value
from schema.types.entities import CustomerOrContact


@strawberry.enum(description="Which records duplicateCandidates compares.")
class DuplicateKind(Enum):
    CUSTOMER = strawberry.enum_value("CUSTOMER", description="Customer accounts.")
    CONTACT = strawberry.enum_value("CONTACT", description="Contact persons.")


@strawberry.enum(description="Why two records look like the same person or company.")
class DuplicateReason(Enum):
    SAME_EMAIL = strawberry.enum_value(
        "SAME_EMAIL",
        description="The same e-mail, ignoring case and spaces (and, for Gmail, dots and +tags).",
    )
    SAME_PHONE = strawberry.enum_value(
        "SAME_PHONE", description="The same phone number once written as E.164."
    )
    SIMILAR_NAME = strawberry.enum_value(
        "SIMILAR_NAME",
        description="Names at least 85% similar (rapidfuzz), ignoring case, diacritics, word "
        "order and legal forms.",
    )
    SAME_COMPANY = strawberry.enum_value(
        "SAME_COMPANY", description="Linked to the same company (WORKS_AT or ACCOUNT_OF)."
    )
    SAME_CITY = strawberry.enum_value("SAME_CITY", description="The same city.")
    SAME_DOMAIN = strawberry.enum_value(
        "SAME_DOMAIN", description="E-mails at the same domain, not a free-mail provider."
    )


@strawberry.type(
    description="Two records that are probably the same person or company. score = min(1, "
    "0.5·SAME_EMAIL + 0.4·SAME_PHONE + 0.6·name + context), where name rises linearly from 0 "
    "at 70% name similarity to 1 at 95%, and context is 0.25 for the first of SAME_COMPANY, "
    "SAME_CITY, SAME_DOMAIN (+0.05 for each further one), counted only with SIMILAR_NAME."
)
class DuplicateCandidate:
    a: CustomerOrContact = value("One record (the one with the smaller id).")
    b: CustomerOrContact = value("The other record, of the same type.")
    score: float = value("How likely the two are the same, 0-1; results come best first.")
    reasons: list[DuplicateReason] = value("What the two records share.")


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class QualityQueries:
    @strawberry.field(
        description="Pairs of customers, and of contacts, that are probably the same person or "
        "company: same e-mail or phone, or similar names with the same company, city or "
        "e-mail domain. Best first, ties by a's global id then b's (compared as strings); each "
        "pair once. Merge them with mergeCustomers / mergeContacts."
    )
    async def duplicate_candidates(
        self,
        info: Info,
        first: Annotated[int, _arg("How many pairs (default 20).")] = 20,
        kind: Annotated[
            Optional[DuplicateKind],  # noqa: UP045
            _arg("CUSTOMER or CONTACT; both when left out."),
        ] = None,
        min_score: Annotated[float, _arg("Smallest score to report, 0-1 (default 0.75).")] = 0.75,
    ) -> list[DuplicateCandidate]:
        return await duplicates.duplicate_candidates(  # type: ignore[return-value]
            call(info), first, kind.name if kind is not None else None, min_score
        )
