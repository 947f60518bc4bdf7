"""Types of the relationship-intelligence answers (API.md, "Meanings that are fixed")."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import strawberry

from schema.scalars import DateTime, Decimal
from schema.types.base import ROW_KEY_OR_EMPTY, Node, PageAfter, PageFirst, Row, row_reader, value
from schema.types.connections import make_connection
from schema.types.entities import (
    Company,
    Contact,
    Customer,
    CustomerConnection,
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


ReferralConnection, ReferralEdge = make_connection(__name__, "Referral", backward=False)


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
    first: PageFirst = None,
    after: PageAfter = None,
    offset: Annotated[
        Optional[int],  # noqa: UP045
        strawberry.argument(
            description="How many of the biggest to skip; not together with `after`.",
            deprecation_reason="Page with `after` and the cursors of the connection.",
        ),
    ] = None,
) -> CustomerConnection:  # type: ignore[valid-type]
    # Already computed by the root field's statement, for these very arguments.
    return root.get(str(info.path.key))


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
    customers: CustomerConnection = strawberry.field(  # type: ignore[valid-type]
        resolver=_set_members,
        description="The customers of the set, biggest first, then by internal uuid (Relay "
        "connection; `totalCount` is customerCount): page with `first` (default 20, at most "
        "500) and `after`.",
    )


@strawberry.enum(description="The kind of relationship one hop of an introduction route follows.")
class PathRelationshipType(Enum):
    KNOWS = strawberry.enum_value(
        "KNOWS", description="Two contacts know each other (a mutual tie, with a strength)."
    )
    REPORTS_TO = strawberry.enum_value(
        "REPORTS_TO", description="A contact reports to another in the org chart."
    )
    WORKS_AT = strawberry.enum_value(
        "WORKS_AT",
        description="A contact works at a company now; two colleagues meet through it.",
    )
    REFERRED = strawberry.enum_value(
        "REFERRED", description="A customer or contact referred a customer."
    )
    MANAGES = strawberry.enum_value(
        "MANAGES", description="A user is the account manager of a customer."
    )
    WITH = strawberry.enum_value(
        "WITH",
        description="An interaction was with a customer or contact; two participants meet "
        "through it.",
    )


@strawberry.enum(description="Which way a stored relationship points along the route.")
class PathDirection(Enum):
    FORWARD = strawberry.enum_value(
        "FORWARD",
        description="From the node before it on the route to the node after it (e.g. a "
        "contact WORKS_AT the company that follows).",
    )
    BACKWARD = strawberry.enum_value(
        "BACKWARD",
        description="From the node after it to the node before it (e.g. the company is "
        "followed by a contact who WORKS_AT it).",
    )


@strawberry.type(
    description="One hop of an introduction route: the relationship between `nodes[i]` and "
    "`nodes[i + 1]`."
)
class PathRelationship:
    type: PathRelationshipType = value("The kind of relationship.")
    direction: PathDirection = value(
        "Which way the stored relationship points along the route. KNOWS is mutual: its "
        "direction only says which of the two was recorded first."
    )
    strength: float | None = value(
        "For KNOWS: how well they know each other, 0 (barely) to 1 (close); null for every "
        "other type, and for a KNOWS recorded without a strength."
    )


@strawberry.type(description="A warm-introduction route between two people or accounts.")
class IntroductionPath:
    nodes: list[Node] = value("Who and what the route passes through, in order, from start to end.")
    relationships: list[PathRelationship] = value(
        "The hops between consecutive nodes, in route order (one fewer than `nodes`): each "
        "with its type (KNOWS, REPORTS_TO, WORKS_AT, REFERRED, MANAGES or WITH, took part in "
        "the same interaction), its direction and, for KNOWS, its strength."
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
