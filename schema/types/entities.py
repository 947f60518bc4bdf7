"""The entity types of the customer graph, as clients see them.

Each type is a read view over a row built by the compiled Cypher statement (see
schema/types/base.py). Descriptions are written for the people who use the playground:
account managers and analysts, not only developers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry

from core.model import (
    COMPANY,
    CONTACT,
    DECISION_ROLES,
    SENIORITIES,
    WORKS_AT_PROPS,
)
from graphdb.compiler.visibility import Visibility
from resolvers.segments import codec as segment_codec
from schema.scalars import JSON, Date, DateTime, Decimal
from schema.types.base import ROW_KEY, Node, PageAfter, PageFirst, Row, RowType, row_reader, value
from schema.types.connections import connection_field, make_connection
from schema.types.filters import ENUMS, describe_fields, model_enum

if TYPE_CHECKING:
    from schema.types.intelligence import (
        ChurnRisk,
        KeyDecisionMaker,
        Recommendation,
        Referral,
        ReferralConnection,
        ReferralNetwork,
    )

CustomerKind = ENUMS["CustomerKind"]
LifecycleStage = ENUMS["LifecycleStage"]
OrderStatus = ENUMS["OrderStatus"]
InteractionKind = ENUMS["InteractionKind"]
UserRole = ENUMS["UserRole"]
ConsentChannel = ENUMS["ConsentChannel"]
Seniority = model_enum("Seniority", SENIORITIES)
DecisionRole = model_enum("DecisionRole", DECISION_ROLES)

KeyDecisionMakerRef = Annotated["KeyDecisionMaker", strawberry.lazy("schema.types.intelligence")]
ReferralRef = Annotated["Referral", strawberry.lazy("schema.types.intelligence")]
ReferralConnectionRef = Annotated[
    "ReferralConnection",  # type: ignore[valid-type]
    strawberry.lazy("schema.types.intelligence"),
]
ReferralNetworkRef = Annotated["ReferralNetwork", strawberry.lazy("schema.types.intelligence")]
RecommendationRef = Annotated["Recommendation", strawberry.lazy("schema.types.intelligence")]
ChurnRiskRef = Annotated["ChurnRisk", strawberry.lazy("schema.types.intelligence")]

_WORKS_AT_ENUMS = {"seniority": Seniority, "decisionRole": DecisionRole}
_KNOWS_PROPS = CONTACT.rels["knows"].edge_props

CustomerConnection, CustomerEdge = make_connection(__name__, "Customer")
CompanyConnection, CompanyEdge = make_connection(__name__, "Company")
ContactConnection, ContactEdge = make_connection(__name__, "Contact")
ProductConnection, ProductEdge = make_connection(__name__, "Product")
OrderConnection, OrderEdge = make_connection(__name__, "Order")
InteractionConnection, InteractionEdge = make_connection(__name__, "Interaction")
UserConnection, UserEdge = make_connection(__name__, "User")
TagConnection, TagEdge = make_connection(__name__, "Tag")
SegmentConnection, SegmentEdge = make_connection(__name__, "Segment")
ConsentConnection, ConsentEdge = make_connection(__name__, "Consent")
CompanyContactConnection, CompanyContactEdge = make_connection(
    __name__, "Contact", "CompanyContact", WORKS_AT_PROPS, _WORKS_AT_ENUMS
)
EmploymentConnection, EmploymentEdge = make_connection(
    __name__, "Company", "Employment", WORKS_AT_PROPS, _WORKS_AT_ENUMS
)
KnowsConnection, KnowsEdge = make_connection(__name__, "Contact", "Knows", _KNOWS_PROPS)


def _read(root: Row, info: strawberry.Info) -> Any:
    return root.get(str(info.path.key))


@row_reader(ROW_KEY)
def _key_decision_makers(
    root: Row,
    info: strawberry.Info,
    first: Annotated[int, strawberry.argument(description="How many (default 10).")] = 10,
) -> list[Annotated[KeyDecisionMaker, strawberry.lazy("schema.types.intelligence")]]:
    return _read(root, info)  # type: ignore[no-any-return]


@row_reader(ROW_KEY)
def _referrals(
    root: Row,
    info: strawberry.Info,
    depth: Annotated[
        int, strawberry.argument(description="Levels down: 1 = direct referrals only (1-10).")
    ] = 1,
    first: PageFirst = None,
    after: PageAfter = None,
) -> ReferralConnectionRef:
    return _read(root, info)  # type: ignore[no-any-return]


@row_reader(ROW_KEY)
def _recommendations(
    root: Row,
    info: strawberry.Info,
    first: Annotated[int, strawberry.argument(description="How many (default 5).")] = 5,
    approximate: Annotated[
        bool,
        strawberry.argument(
            description="Score over a sample of at most 150 co-buyers per product of this "
            "customer instead of all of them: the cost stops growing with the number of "
            "customers, and the scores and order may differ from the exact ones (docs/"
            "intelligence.md states the measured precision). Default false: exact."
        ),
    ] = False,
) -> list[Annotated[Recommendation, strawberry.lazy("schema.types.intelligence")]]:
    return _read(root, info)  # type: ignore[no-any-return]


@row_reader(ROW_KEY)
def _churn_risk(
    root: Row,
    info: strawberry.Info,
    as_of: Annotated[
        Optional[DateTime],  # noqa: UP045
        strawberry.argument(description="Reference time (default: now)."),
    ] = None,
) -> Annotated[ChurnRisk, strawberry.lazy("schema.types.intelligence")]:
    return _read(root, info)  # type: ignore[no-any-return]


@strawberry.type(description="A postal address.")
class Address:
    line1: str | None = value("Street and number.")
    line2: str | None = value("Apartment, floor, building.")
    postal_code: str | None = value("Postal or ZIP code, e.g. 010 01.")
    city: str | None = value("City or town.")
    region: str | None = value("Region, state or county.")
    country: str | None = value("Country, ISO 3166-1 alpha-2 (e.g. SK, PL, CZ, PT, CN).")


def _timestamps(cls: Any) -> Any:
    return cls


@strawberry.type(description="A company: a business account, an employer of contacts, or both.")
class Company(RowType, Node):
    name: str = value("Registered or trading name.")
    domain: str | None = value("Web domain, e.g. acme.sk; used to match e-mail addresses.")
    industry: str | None = value("Sector the company works in.")
    legal_form: str | None = value("Legal form, e.g. s.r.o., GmbH, Sp. z o.o., Lda.")
    registration_number: str | None = value("Company register number (IČO, KRS, NIPC…).")
    employee_count: int | None = value("Number of employees.")
    annual_revenue: Decimal | None = value("Annual turnover, in `currency`.")
    currency: str | None = value("Currency of `annualRevenue`, ISO 4217.")
    address: Address | None = value("Registered address.")
    contacts: CompanyContactConnection = connection_field(  # type: ignore[valid-type]
        CompanyContactConnection,
        "Contact",
        "People employed here. `current: true` (default) keeps only those still employed; "
        "each edge carries the job: title, department, seniority, decision role, dates.",
        current_arg=True,
    )
    customer: Optional["Customer"] = value("The customer account of this company, if any.")  # noqa: UP045, UP037
    key_decision_makers: list[KeyDecisionMakerRef] = strawberry.field(
        resolver=_key_decision_makers,
        description="Current staff who decide: ROLE (decision maker or economic buyer), "
        "SENIORITY (owner or C-level) or SPAN (≥ 2 people and ≥ a third of current staff report "
        "to them, directly or not). Ordered by influence, then by the contact's internal uuid; "
        "see KeyDecisionMaker.",
    )
    tags: TagConnection = connection_field(TagConnection, "Tag", "Tags on this company.")  # type: ignore[valid-type]
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change (for expectedVersion).")


@strawberry.type(description="A person we deal with: a buyer, a user, a champion, a gatekeeper.")
class Contact(RowType, Node):
    first_name: str = value("Given name.")
    last_name: str = value("Family name.")
    full_name: str = value("Given and family name together.")
    email: str | None = value("E-mail address (normalised to lower case).")
    phone: str | None = value("Phone number in E.164 form, e.g. +421901234567.")
    video_handle: str | None = value("Video-call handle or link (Teams, Zoom, Meet…).")
    birthday: Date | None = value("Birthday, for a timely greeting.")
    personal_notes: str | None = value("Family, pets, hobbies: what helps a conversation.")
    address: Address | None = value("Personal or office address.")
    employments: EmploymentConnection = connection_field(  # type: ignore[valid-type]
        EmploymentConnection,
        "Company",
        "Every job this person has held; each edge carries the job's details.",
    )
    current_company: Company | None = value("Where this person works now.")
    reports_to: Optional["Contact"] = value("Their manager in the org chart.")  # noqa: UP045, UP037
    direct_reports: ContactConnection = connection_field(  # type: ignore[valid-type]
        ContactConnection, "Contact", "People who report to this person directly."
    )
    knows: KnowsConnection = connection_field(  # type: ignore[valid-type]
        KnowsConnection, "Contact", "People this person knows, with how well."
    )
    interactions: InteractionConnection = connection_field(  # type: ignore[valid-type]
        InteractionConnection, "Interaction", "Calls, meetings, e-mails… involving this person."
    )
    consents: list["Consent"] = value("Marketing and contact permissions, per channel and purpose.")  # noqa: UP037
    tags: TagConnection = connection_field(TagConnection, "Tag", "Tags on this person.")  # type: ignore[valid-type]
    merged_from: list[str] = value("Global ids of the contacts merged into this one.")
    masked_fields: list[str] = value(
        "Fields of this record withheld from your role (e.g. `email`, `address.line1`): show "
        "them as hidden, not as empty. Always empty for ADMIN and MANAGER. The list is the same "
        "whether or not the record has a value there, so it reveals nothing about the data."
    )
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change (for expectedVersion).")


@strawberry.type(description="A customer account: a person (INDIVIDUAL) or a company (BUSINESS).")
class Customer(RowType, Node):
    external_id: str = value("The id of this customer in the source system (unique).")
    kind: CustomerKind = value("A person (INDIVIDUAL) or a company account (BUSINESS).")  # type: ignore[valid-type]
    name: str = value("Display name of the account.")
    email: str | None = value("Main e-mail address (normalised to lower case).")
    phone: str | None = value("Main phone number in E.164 form.")
    lifecycle_stage: LifecycleStage = value(  # type: ignore[valid-type]
        "Where the account is in the sales funnel: LEAD, PROSPECT, CUSTOMER or CHURNED."
    )
    lead_source: str | None = value("Where the lead came from: web form, fair, referral…")
    lead_score: int | None = value("How promising the lead is, 0-100.")
    address: Address | None = value("Billing or home address.")
    company: Company | None = value("The company behind a BUSINESS account.")
    account_manager: Optional["User"] = value("The Rapport user who owns this account.")  # noqa: UP045, UP037
    orders: OrderConnection = connection_field(  # type: ignore[valid-type]
        OrderConnection, "Order", "Orders this customer placed."
    )
    order_count: int = value("Number of orders placed.")
    total_spent: Decimal = value("Sum of all order totals.")
    average_order_value: Decimal | None = value(
        "The average order: totalSpent ÷ orderCount; empty without orders."
    )
    first_order_at: DateTime | None = value("When the first order was placed.")
    last_order_at: DateTime | None = value("When the latest order was placed.")
    last_interaction_at: DateTime | None = value("When we last had contact with this customer.")
    interactions: InteractionConnection = connection_field(  # type: ignore[valid-type]
        InteractionConnection, "Interaction", "Calls, meetings, e-mails… with this customer."
    )
    consents: list["Consent"] = value("Marketing and contact permissions, per channel and purpose.")  # noqa: UP037
    tags: TagConnection = connection_field(TagConnection, "Tag", "Tags on this customer.")  # type: ignore[valid-type]
    merged_from: list[str] = value("Global ids of the customers merged into this one.")
    masked_fields: list[str] = value(
        "Fields of this record withheld from your role (e.g. `email`, `address.line1`): show "
        "them as hidden, not as empty. Always empty for ADMIN and MANAGER. The list is the same "
        "whether or not the record has a value there, so it reveals nothing about the data."
    )
    referred_by: ReferralRef | None = value("Who referred this customer (the first referral).")
    referrals: ReferralConnectionRef = strawberry.field(
        resolver=_referrals,
        description="Customers referred by this one, directly or through others, up to `depth` "
        "levels down, each with its depth (Relay connection): nearest first, then by the "
        "referred customer's internal uuid; page with `first`/`after`.",
    )
    referral_chain: list[CustomerOrContact] = value(
        "Referrers from the direct referrer up to the origin, nearest first; empty when this "
        "customer was not referred."
    )
    referral_network: ReferralNetworkRef = value(
        "Size, depth and revenue of everything downstream of this customer in the referral tree."
    )
    recommendations: list[RecommendationRef] = strawberry.field(
        resolver=_recommendations,
        description="Active products this customer has not bought, scored by how many other "
        "customers bought both one of this customer's products and the candidate; ties by sku. "
        "A customer without orders gets the best sellers among customers of its kind instead "
        "(basis BEST_SELLER).",
    )
    churn_risk: ChurnRiskRef = strawberry.field(
        resolver=_churn_risk,
        description="At risk when it is a regular buyer (≥ 3 orders, median gap between them "
        "≥ 1 day) and the days since the last order exceed max(2 x median gap, 14). "
        "riskScore = days since last order ÷ median gap.",
    )
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change (for expectedVersion).")


@strawberry.type(description="Something we sell.")
class Product(RowType, Node):
    sku: str = value("Stock-keeping unit, unique.")
    name: str = value("Product name.")
    category: str | None = value("Product category.")
    description: str | None = value("Longer description.")
    price: Decimal = value("List price, in `currency`.")
    currency: str = value("Currency of the price, ISO 4217.")
    active: bool = value("False once the product is no longer sold.")
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


@strawberry.type(description="One line of an order.")
class OrderLine:
    product: Product = value("What was bought.")
    quantity: int = value("How many.")
    unit_price: Decimal = value("Price of one unit on this order.")
    line_total: Decimal = value("Quantity x unit price.")


@strawberry.type(description="A purchase by a customer.")
class Order(RowType, Node):
    external_id: str | None = value("The id of this order in the source system.")
    customer: Customer | None = value("Who placed the order.")
    placed_at: DateTime = value("When the order was placed.")
    status: OrderStatus = value(  # type: ignore[valid-type]
        "Fulfilment state: PENDING, PAID, SHIPPED, DELIVERED, CANCELLED or REFUNDED."
    )
    currency: str = value("Currency of all amounts on the order, ISO 4217.")
    lines: list[OrderLine] = value("What was ordered, in the order it was entered.")
    total: Decimal = value("Sum of quantity x unitPrice over all lines.")
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


CustomerOrContact = Annotated[
    Customer | Contact,
    strawberry.union("CustomerOrContact", description="A customer account or a contact person."),
]


@strawberry.type(description="A touchpoint: a call, meeting, e-mail, visit, ticket, complaint…")
class Interaction(RowType, Node):
    kind: InteractionKind = value("How it happened: a call, an e-mail, a meeting, a ticket…")  # type: ignore[valid-type]
    occurred_at: DateTime = value("When it happened.")
    subject: str | None = value("Short subject line.")
    summary: str | None = value("What was said or done.")
    outcome: str | None = value("What came out of it: next step, resolution…")
    sentiment: float | None = value("Mood, from -1 (angry) to 1 (delighted).")
    logged_by: Optional["User"] = value("Who recorded it.")  # noqa: UP045, UP037
    participants: list[CustomerOrContact] = value("Customers and contacts involved.")
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


@strawberry.type(
    description="A person who uses Rapport: an admin, manager, salesperson or analyst."
)
class User(RowType, Node):
    name: str = value("Full name.")
    email: str = value("Login e-mail.")
    role: UserRole = value("What they may see and do: ADMIN, MANAGER, SALES or ANALYST.")  # type: ignore[valid-type]
    accounts: CustomerConnection = connection_field(  # type: ignore[valid-type]
        CustomerConnection, "Customer", "Customers this user manages."
    )
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


@strawberry.type(description="A label for grouping customers, contacts and companies.")
class Tag(RowType, Node):
    name: str = value("The tag text, e.g. vip or trade-fair-2025.")
    created_at: DateTime = value("When the tag was first used.")
    updated_at: DateTime = value("When the tag last changed.")
    version: int = value("Starts at 1.")


@strawberry.type(description="A permission to contact a person on a channel for a purpose (GDPR).")
class Consent(RowType, Node):
    channel: ConsentChannel = value("How we may contact them: EMAIL, PHONE, SMS or POST.")  # type: ignore[valid-type]
    purpose: str = value("What for, e.g. newsletter, offers, surveys.")
    granted: bool = value("True when granted, false when refused or withdrawn.")
    recorded_at: DateTime = value("When the person gave or withdrew it.")
    source: str | None = value("Where it was recorded: web form, call, paper…")
    created_at: DateTime = value("When this record was created.")
    updated_at: DateTime = value("When this record last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


@strawberry.type(
    description="A segment's consent rule: only customers whose newest consent record for this "
    "channel and purpose grants it are members, so a marketing list never reaches someone who "
    "refused or withdrew."
)
class ConsentRequirement:
    channel: ConsentChannel = value("EMAIL, PHONE, SMS or POST.")  # type: ignore[valid-type]
    purpose: str = value("The purpose, matched exactly, e.g. newsletter.")


def _segment_filter(root: Row, info: strawberry.Info) -> JSON:
    saved = segment_codec.as_json(root.get(str(info.path.key)))
    if not Visibility.for_viewer(info.context.principal).full:
        saved = segment_codec.masked(saved)
    return JSON(saved)


@strawberry.type(
    description="A saved, named, dynamic list of customers: a `CustomerFilter` (the same "
    "filter `customers` takes) and an optional consent rule, evaluated whenever it is read, so "
    "its members are always current."
)
class Segment(RowType, Node):
    name: str = value("Unique name, e.g. 'Slovak VIPs' or 'Newsletter: lapsed buyers'.")
    description: str | None = value("What the segment is for.")
    filter: JSON = strawberry.field(
        resolver=_segment_filter,
        description="The saved CustomerFilter, as you would send it in the `filter` variable "
        "of `customers` ({} keeps every customer). For roles that do not see personal data "
        '(SALES, ANALYST) the values compared to personal fields read "[masked]" (the '
        "filter keeps its shape).",
    )
    require_consent: ConsentRequirement | None = value(
        "Consent every member must have granted; null when none is required."
    )
    customers: CustomerConnection = connection_field(  # type: ignore[valid-type]
        CustomerConnection,
        "Customer",
        "The customers in the segment now: those matching its filter (and its consent rule), "
        "paginated and sortable like `customers`; `filter` here narrows further.",
    )
    created_at: DateTime = value("When the segment was created.")
    updated_at: DateTime = value("When the segment last changed.")
    version: int = value("Starts at 1 and grows by 1 with every change.")


ENTITY_TYPES: dict[str, Any] = {
    "Customer": Customer,
    "Company": Company,
    "Contact": Contact,
    "Product": Product,
    "Order": Order,
    "Interaction": Interaction,
    "User": User,
    "Tag": Tag,
    "Consent": Consent,
    "Segment": Segment,
}

# Filter fields and sort values say what the field they stand for says.
describe_fields(ENTITY_TYPES, Address)

__all__ = ["COMPANY", "ENTITY_TYPES"]
