"""Types of the relationship-intelligence answers (API.md, "Meanings that are fixed")."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from schema.scalars import DateTime, Decimal
from schema.types.base import ROW_KEY_OR_EMPTY, Node, Row, row_reader, value
from schema.types.entities import (
    Company,
    Contact,
    Customer,
    CustomerOrContact,
    DecisionRole,
    Product,
    Seniority,
)


@strawberry.enum(description="Why a contact counts as a key decision-maker.")
class DecisionReason(Enum):
    ROLE = strawberry.enum_value(
        "ROLE", description="Their decision role is DECISION_MAKER or ECONOMIC_BUYER."
    )
    SENIORITY = strawberry.enum_value("SENIORITY", description="They are an OWNER or C_LEVEL.")
    SPAN = strawberry.enum_value(
        "SPAN",
        description="At least 2 people and at least a third of the company's current staff "
        "report to them, directly or not.",
    )


@strawberry.type(
    description="A person who decides, pays or steers decisions at a company. "
    "influence = 0.4·ROLE + 0.3·SENIORITY + 0.3·SPAN + 0.3·(span ÷ current staff), each reason "
    "counting 1 when it holds, so every reason adds weight and a larger span never lowers it."
)
class KeyDecisionMaker:
    contact: Contact = value("The person.")
    reasons: list[DecisionReason] = value("Why they count: ROLE, SENIORITY and/or SPAN.")
    span: int = value("How many current colleagues report to them, directly or not.")
    influence: float = value("Ranking score; see the type description for the formula.")
    job_title: str | None = value("Their job title at the company.")
    department: str | None = value("Their department.")
    seniority: Seniority | None = value("Their seniority.")  # type: ignore[valid-type]
    decision_role: DecisionRole | None = value("Their role in buying decisions.")  # type: ignore[valid-type]


@strawberry.type(description="One customer brought in by a customer or a contact.")
class Referral:
    referrer: CustomerOrContact = value("Who made the referral.")
    referred: Customer = value("The customer who was referred.")
    referred_at: DateTime | None = value("When the referral happened.")
    channel: str | None = value("How: word of mouth, event, partner…")
    note: str | None = value("Free-text note about the referral.")
    depth: int = value("1 = referred directly; 2 = referred by someone they referred; …")


@strawberry.type(description="Everything downstream of a referrer in the referral tree.")
class ReferralNetwork:
    size: int = value("Customers referred directly or through others.")
    depth: int = value("Levels of the tree below this referrer (0 when none).")
    revenue: Decimal = value("Sum of totalSpent of those customers.")


@strawberry.enum(description="Why a product is recommended.")
class RecommendationBasis(Enum):
    CO_PURCHASE = strawberry.enum_value(
        "CO_PURCHASE",
        description="Other customers who bought what this customer bought also bought it.",
    )
    BEST_SELLER = strawberry.enum_value(
        "BEST_SELLER",
        description="The customer has no orders yet: a best seller among customers of the same "
        "kind (BUSINESS or INDIVIDUAL) over the latest 2,000 orders.",
    )


@strawberry.type(description="A product to offer next, with why.")
class Recommendation:
    product: Product = value(
        "The product to recommend: active, and not yet bought by this customer."
    )
    score: int = value(
        "CO_PURCHASE: how many other customers bought both one of this customer's products and "
        "this one. BEST_SELLER: how many customers of the same kind bought it (latest 2,000 "
        "orders)."
    )
    basis: RecommendationBasis = value("Why it is recommended; see the enum.")
    bought_with: list[Product] = value(
        "This customer's products that led to the recommendation (co-buyers bought them too), "
        "by sku; empty for BEST_SELLER."
    )


@strawberry.type(
    description="Churn signal from order cadence. A regular customer (at least 3 orders, median "
    "gap between them at least 1 day) is at risk when the days since its last order exceed "
    "max(2 x median gap between its orders, 14)."
)
class ChurnRisk:
    at_risk: bool = value("True when the rule above holds.")
    days_since_last_order: float | None = value("Days from the last order to the reference time.")
    median_gap_days: float | None = value("Median number of days between consecutive orders.")
    risk_score: float | None = value(
        "How overdue the next order is: daysSinceLastOrder ÷ medianGapDays; higher is worse."
    )
    order_count: int = value("Orders the rule looked at.")


@strawberry.type(description="A customer at risk of churning, with the numbers behind it.")
class AtRiskCustomer:
    customer: Customer = value("The customer.")
    churn_risk: ChurnRisk = value("The churn signal.")


@strawberry.enum(description="How to rank referrers.")
class ReferrerRanking(Enum):
    COUNT = strawberry.enum_value("COUNT", description="By downstream size (customers brought in).")
    REVENUE = strawberry.enum_value("REVENUE", description="By downstream customers' totalSpent.")


@strawberry.type(description="A referrer with the size and value of its referral tree.")
class TopReferrer:
    referrer: CustomerOrContact = value("The customer or contact who referred others.")
    size: int = value("Customers referred directly or through others.")
    depth: int = value("Levels of the referral tree below them.")
    revenue: Decimal = value("Sum of totalSpent of those customers.")


@row_reader(ROW_KEY_OR_EMPTY)
def _set_members(
    root: Row,
    info: strawberry.Info,
    first: Annotated[
        int, strawberry.argument(description="How many customers (at most 500).")
    ] = 20,
    offset: Annotated[
        int, strawberry.argument(description="How many of the biggest to skip (next pages).")
    ] = 0,
) -> list[Customer]:
    # Already computed by the root field's statement, for these very arguments.
    return root.get(str(info.path.key)) or []


@strawberry.type(
    description="The 20/80 answer: the smallest set of customers, by totalSpent descending, "
    "whose revenue reaches the requested share of all revenue."
)
class RevenueConcentration:
    customer_count: int = value("Customers in the set.")
    customer_share: float = value(
        "Share of all customers in the set: customerCount ÷ all customers."
    )
    revenue_share: float = value("Revenue of the set ÷ all revenue (≥ the requested share).")
    total_revenue: Decimal = value("Revenue of all customers (amounts summed as stored).")
    customers: list[Customer] = strawberry.field(
        resolver=_set_members,
        description="The customers of the set, biggest first: `first` of them (default 20, at "
        "most 500) from position `offset` (default 0) of the ranking.",
    )


@strawberry.type(description="A warm-introduction route between two people or accounts.")
class IntroductionPath:
    nodes: list[Node] = value("Who and what the route passes through, in order, from start to end.")
    relationships: list[str] = value(
        "Relationship type between consecutive nodes: KNOWS, REPORTS_TO, WORKS_AT, REFERRED, "
        "MANAGES or WITH (took part in the same interaction)."
    )
    hops: int = value("Number of relationships on the route.")


SearchTarget = Annotated[
    Customer | Contact | Company,
    strawberry.union("SearchTarget", description="A customer, contact or company."),
]


@strawberry.type(description="One search result.")
class SearchHit:
    score: float = value("Relevance; higher is better. Results come best first.")
    node: SearchTarget = value("The matching customer, contact or company.")
