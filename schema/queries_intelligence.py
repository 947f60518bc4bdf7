"""Root fields answering the questions the graph exists for (API.md, "Meanings that are fixed").

Each runs exactly one Cypher statement; the definitions are in docs/intelligence.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import strawberry

from resolvers import intelligence
from schema.context import Info, call
from schema.scalars import DateTime
from schema.types.entities import CustomerOrContact
from schema.types.intelligence import (
    AtRiskCustomer,
    IntroductionPath,
    KeyDecisionMaker,
    ReferrerRanking,
    RevenueConcentration,
    SearchHit,
    TopReferrer,
)


def _arg(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class IntelligenceQueries:
    @strawberry.field(
        description="Key decision-makers of a company: current staff with ROLE, SENIORITY or "
        "SPAN; ordered by influence, then by the contact's internal uuid. Null when the company "
        "does not exist."
    )
    async def key_decision_makers(
        self,
        info: Info,
        company_id: Annotated[strawberry.ID, _arg("Global id of the company.")],
        first: Annotated[int, _arg("How many (default 10).")] = 10,
    ) -> Optional[list[KeyDecisionMaker]]:  # noqa: UP045
        return await intelligence.key_decision_makers(call(info), company_id, first)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Who referred this customer, and who referred them, up to the origin: "
        "nearest first; empty when not referred; null when the customer does not exist."
    )
    async def referral_chain(
        self, info: Info, customer_id: Annotated[strawberry.ID, _arg("Global id of the customer.")]
    ) -> Optional[list[CustomerOrContact]]:  # noqa: UP045
        return await intelligence.referral_chain(call(info), customer_id)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Referrers ranked by everything downstream of them: by COUNT (customers "
        "brought in, directly or through others) or by REVENUE (those customers' totalSpent)."
    )
    async def top_referrers(
        self,
        info: Info,
        first: Annotated[int, _arg("How many (default 10).")] = 10,
        by: Annotated[ReferrerRanking, _arg("COUNT or REVENUE.")] = ReferrerRanking.COUNT,
    ) -> list[TopReferrer]:
        return await intelligence.top_referrers(call(info), first, str(by.value))  # type: ignore[no-any-return]

    @strawberry.field(
        description="Regular customers who have gone quiet: ≥ 3 orders and more days since the "
        "last order than max(2 x their median gap, 14). Ordered by riskScore, highest first."
    )
    async def at_risk_customers(
        self,
        info: Info,
        first: Annotated[int, _arg("How many (default 20).")] = 20,
        as_of: Annotated[Optional[DateTime], _arg("Reference time (default: now).")] = None,  # noqa: UP045
        mine: Annotated[bool, _arg("True: only the accounts you manage.")] = False,
    ) -> list[AtRiskCustomer]:
        return await intelligence.at_risk_customers(call(info), first, as_of, mine)  # type: ignore[no-any-return]

    @strawberry.field(
        description="The 20/80 question: the smallest set of customers, biggest spenders first, "
        "whose revenue reaches `share` of all revenue."
    )
    async def revenue_concentration(
        self,
        info: Info,
        share: Annotated[float, _arg("Share of revenue to reach, 0 < share ≤ 1.")] = 0.8,
        mine: Annotated[
            bool, _arg("True: the 20/80 of the accounts you manage, not of every customer.")
        ] = False,
    ) -> RevenueConcentration:
        return await intelligence.revenue_concentration(call(info), share, mine)  # type: ignore[no-any-return]

    @strawberry.field(
        description="A shortest warm-introduction route (fewest hops, at most maxHops) between "
        "two people or accounts, over KNOWS, REPORTS_TO, WORKS_AT (current colleagues meet "
        "through their company), REFERRED, MANAGES and shared interactions. Null when none."
    )
    async def introduction_path(
        self,
        info: Info,
        to_id: Annotated[strawberry.ID, _arg("Goal: a contact, customer, user or company.")],
        from_id: Annotated[
            Optional[strawberry.ID],  # noqa: UP045
            _arg("Start: a contact, customer, user or company; omitted: you (your User)."),
        ] = None,
        max_hops: Annotated[int, _arg("Longest route to consider, 1-6.")] = 4,
    ) -> Optional[IntroductionPath]:  # noqa: UP045
        return await intelligence.introduction_path(call(info), from_id, to_id, max_hops)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Full-text search over customers, contacts and companies (names, e-mails, "
        "domains), typo-tolerant; best match first."
    )
    async def search(
        self,
        info: Info,
        text: Annotated[str, _arg("What to look for, e.g. 'novak' or 'acme.sk'.")],
        first: Annotated[int, _arg("How many results (default 10).")] = 10,
    ) -> list[SearchHit]:
        return await intelligence.search(call(info), text, first)  # type: ignore[no-any-return]
