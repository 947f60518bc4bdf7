"""The graph model: every entity's label, stored properties and relationships.

This is the whitelist the query compiler draws Cypher identifiers from: a label, relationship
type or property name that is not written here can never appear in a statement. The GraphQL
field name of a property is also its stored property name, so the mapping needs no table.

Money is stored as an integer number of ten-thousandths (see core/money.py); addresses are
stored flattened on the node (addressLine1, city, country, …) so they can be indexed and filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal


class Kind(Enum):
    ID = "ID"
    STRING = "String"
    INT = "Int"
    FLOAT = "Float"
    BOOL = "Boolean"
    MONEY = "Decimal"
    DATETIME = "DateTime"
    DATE = "Date"
    ENUM = "Enum"
    STRING_LIST = "[String]"


@dataclass(frozen=True)
class Prop:
    """A scalar field. `expr` (a template over `{n}`) makes it computed instead of stored."""

    name: str
    kind: Kind
    sortable: bool = False
    filterable: bool = True
    personal: bool = False
    expr: str | None = None
    enum_values: tuple[str, ...] = ()
    #: For a stored property that may be missing and then reads as this value (`expr` is then
    #: `coalesce({n}.name, default)`): filters compare the stored property itself, so Neo4j can
    #: use its index, and add `IS NULL` only when the default would match.
    default: Any = None
    #: For text compared without regard to case: the stored property holding the lower-cased
    #: value (`toLower`), unique where the name is (Tag.key). `eq` and `in` filters compare it.
    folded: str | None = None

    def cypher(self, var: str) -> str:
        return self.expr.format(n=var) if self.expr else f"{var}.{self.name}"


Direction = Literal["OUT", "IN", "BOTH"]


@dataclass(frozen=True)
class Rel:
    """A relationship field: a single object, a plain list or a connection."""

    name: str
    type: str
    direction: Direction
    target: str
    many: bool
    edge_props: tuple[Prop, ...] = ()
    #: extra predicate over the relationship `{r}` and target `{m}` (e.g. current employment)
    where: str | None = None

    def pattern(self, src: str, rel: str, dst: str, dst_label: str) -> str:
        left = "<-" if self.direction == "IN" else "-"
        right = "->" if self.direction == "OUT" else "-"
        return f"({src}){left}[{rel}:{self.type}]{right}({dst}:{dst_label})"


@dataclass(frozen=True)
class Entity:
    name: str
    props: dict[str, Prop]
    rels: dict[str, Rel] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name


def _props(*props: Prop) -> dict[str, Prop]:
    return {p.name: p for p in props}


S, I, F, B, M, DT, D, E, L = (  # noqa: E741 - terse column aliases for the tables below
    Kind.STRING,
    Kind.INT,
    Kind.FLOAT,
    Kind.BOOL,
    Kind.MONEY,
    Kind.DATETIME,
    Kind.DATE,
    Kind.ENUM,
    Kind.STRING_LIST,
)


class Vocabulary(tuple[str, ...]):
    """The values of an enumeration, in order, each with what it means to the people using Rapport.

    It is a plain tuple of the values (validators and the seeder use it as one); `description`
    says what the enumeration is and `meanings` what each value means. Every GraphQL enum built
    from a vocabulary (schema/types/filters.py `model_enum`) shows them, so they are written once,
    here, next to the values.
    """

    description: str
    meanings: Mapping[str, str]

    def __new__(cls, description: str, meanings: Mapping[str, str]) -> Vocabulary:
        vocabulary = super().__new__(cls, meanings)
        vocabulary.description = description
        vocabulary.meanings = MappingProxyType(dict(meanings))
        return vocabulary


CUSTOMER_KINDS = Vocabulary(
    "Whether a customer account is a person or a company.",
    {
        "INDIVIDUAL": "A private person buying for themselves; the account has no company.",
        "BUSINESS": "A company buying from us; `company` links the account to the Company whose "
        "staff are its contacts.",
    },
)
LIFECYCLE_STAGES = Vocabulary(
    "Where a customer is in the sales funnel. People (or an import) set it; orders do not move it.",
    {
        "LEAD": "Someone we know of but have not qualified yet; every new account starts here.",
        "PROSPECT": "Qualified: interested and worth pursuing, but not buying from us yet.",
        "CUSTOMER": "Buys from us: an active customer relationship.",
        "CHURNED": "Has stopped buying or was lost; kept for its history. A customer with "
        "orders cannot be deleted: mark it CHURNED instead.",
    },
)
ORDER_STATUSES = Vocabulary(
    "Fulfilment state of an order. Every order counts towards its customer's `orderCount` and "
    "`totalSpent`, whatever its status.",
    {
        "PENDING": "Placed but not paid yet; new orders start here unless told otherwise.",
        "PAID": "Paid, not shipped yet.",
        "SHIPPED": "Handed to the carrier; on its way to the customer.",
        "DELIVERED": "Received by the customer.",
        "CANCELLED": "Called off; it will not be delivered.",
        "REFUNDED": "The customer's money was given back.",
    },
)
INTERACTION_KINDS = Vocabulary(
    "How a touchpoint with customers or contacts happened.",
    {
        "CALL": "A phone call.",
        "EMAIL": "An e-mail or an exchange of e-mails.",
        "MEETING": "A meeting in person: a visit, a lunch, a trade-fair talk.",
        "VIDEO_CALL": "A call on Teams, Zoom, Meet or the like.",
        "CHAT": "A chat or messaging conversation (web chat, WhatsApp, Slack…).",
        "WEBSITE_VISIT": "A recorded visit to our website or web shop.",
        "SUPPORT_TICKET": "A request to customer support.",
        "COMPLAINT": "A complaint about a product, an order or our service.",
        "SURVEY": "An answer to a survey or feedback form.",
    },
)
USER_ROLES = Vocabulary(
    "What a Rapport user may see and do (docs/security.md has the full matrix).",
    {
        "ADMIN": "Sees and changes everything, including the users of Rapport.",
        "MANAGER": "Sees everything and changes all customer data and the catalogue, merges "
        "duplicates and erases personal data on request; does not manage users.",
        "SALES": "Works their own book: sees personal data only of the customers they manage "
        "and of those customers' current contacts, and changes only those accounts; may create "
        "customers (becoming their account manager), companies and contacts.",
        "ANALYST": "Reads everything except personal data (e-mails, phones, addresses, notes… "
        "are masked); changes nothing.",
    },
)
SENIORITIES = Vocabulary(
    "How senior a position is, from the top (OWNER) down (STAFF).",
    {
        "OWNER": "Owns or founded the company. Counts as a key decision-maker (SENIORITY).",
        "C_LEVEL": "Top executive: CEO, CFO, CTO and the like. Counts as a key decision-maker "
        "(SENIORITY).",
        "VP": "Vice president or head of a division.",
        "DIRECTOR": "Leads a department or function.",
        "MANAGER": "Leads a team.",
        "SENIOR": "Experienced specialist without a team to lead.",
        "STAFF": "Employee without management responsibility.",
    },
)
DECISION_ROLES = Vocabulary(
    "The part a person plays in their company's buying decisions.",
    {
        "DECISION_MAKER": "Makes the buying decision. Counts as a key decision-maker (ROLE).",
        "ECONOMIC_BUYER": "Holds the budget and approves the spend. Counts as a key "
        "decision-maker (ROLE).",
        "CHAMPION": "Argues for us inside their company.",
        "INFLUENCER": "Shapes the decision without making it: an adviser, an expert.",
        "USER": "Will use what we sell day to day.",
        "GATEKEEPER": "Controls access to the decision-makers: an assistant, purchasing.",
    },
)
CONSENT_CHANNELS = Vocabulary(
    "The channel a consent covers: how we may contact the person.",
    {
        "EMAIL": "Messages to their e-mail address.",
        "PHONE": "Calls to their phone number.",
        "SMS": "Text messages to their phone number.",
        "POST": "Letters and parcels to their postal address.",
    },
)

_COMMON = (
    Prop("id", Kind.ID, sortable=True),
    Prop("createdAt", DT, sortable=True),
    Prop("updatedAt", DT, sortable=True),
    Prop("version", I),
)


def _address(personal: bool) -> tuple[Prop, ...]:
    return (
        Prop("addressLine1", S, personal=personal),
        Prop("addressLine2", S, personal=personal),
        Prop("postalCode", S, personal=personal),
        Prop("city", S, sortable=True),
        Prop("region", S),
        Prop("country", S, sortable=True),
    )


WORKS_AT_PROPS = (
    Prop("jobTitle", S),
    Prop("department", S),
    Prop("seniority", E, enum_values=SENIORITIES),
    Prop("decisionRole", E, enum_values=DECISION_ROLES),
    Prop("startedOn", D),
    Prop("endedOn", D),
)
CURRENT_EMPLOYMENT = "({r}.endedOn IS NULL OR {r}.endedOn > date())"

CUSTOMER = Entity(
    "Customer",
    _props(
        *_COMMON,
        Prop("externalId", S, sortable=True),
        Prop("kind", E, enum_values=CUSTOMER_KINDS),
        Prop("name", S, sortable=True),
        Prop("email", S, personal=True),
        Prop("phone", S, personal=True),
        Prop("lifecycleStage", E, enum_values=LIFECYCLE_STAGES, sortable=True),
        Prop("leadSource", S),
        Prop("leadScore", I, sortable=True),
        *_address(personal=True),
        Prop("orderCount", I, sortable=True, expr="coalesce({n}.orderCount, 0)", default=0),
        Prop("totalSpent", M, sortable=True, expr="coalesce({n}.totalSpent, 0)", default=0),
        Prop(
            "averageOrderValue",
            M,
            filterable=False,
            expr="CASE WHEN coalesce({n}.orderCount, 0) = 0 THEN null "
            "ELSE {n}.totalSpent / {n}.orderCount END",
        ),
        Prop("firstOrderAt", DT, sortable=True),
        Prop("lastOrderAt", DT, sortable=True),
        Prop("lastInteractionAt", DT, sortable=True),
        Prop("mergedFrom", L, filterable=False, expr="coalesce({n}.mergedFrom, [])"),
    ),
    {
        "company": Rel("company", "ACCOUNT_OF", "OUT", "Company", many=False),
        "accountManager": Rel("accountManager", "MANAGES", "IN", "User", many=False),
        "orders": Rel("orders", "PLACED", "OUT", "Order", many=True),
        "interactions": Rel("interactions", "WITH", "IN", "Interaction", many=True),
        "tags": Rel("tags", "TAGGED", "OUT", "Tag", many=True),
        "consents": Rel("consents", "HAS_CONSENT", "OUT", "Consent", many=True),
    },
)

COMPANY = Entity(
    "Company",
    _props(
        *_COMMON,
        Prop("name", S, sortable=True),
        Prop("domain", S, sortable=True),
        Prop("industry", S, sortable=True),
        Prop("legalForm", S),
        Prop("registrationNumber", S),
        Prop("employeeCount", I, sortable=True),
        Prop("annualRevenue", M, sortable=True),
        Prop("currency", S),
        *_address(personal=False),
    ),
    {
        "contacts": Rel(
            "contacts", "WORKS_AT", "IN", "Contact", many=True, edge_props=WORKS_AT_PROPS
        ),
        "customer": Rel("customer", "ACCOUNT_OF", "IN", "Customer", many=False),
        "tags": Rel("tags", "TAGGED", "OUT", "Tag", many=True),
    },
)

CONTACT = Entity(
    "Contact",
    _props(
        *_COMMON,
        Prop("firstName", S, sortable=True),
        Prop("lastName", S, sortable=True),
        Prop("fullName", S, sortable=True),
        Prop("email", S, personal=True),
        Prop("phone", S, personal=True),
        Prop("videoHandle", S, personal=True),
        Prop("birthday", D, personal=True),
        Prop("personalNotes", S, personal=True, filterable=False),
        *_address(personal=True),
        Prop("mergedFrom", L, filterable=False, expr="coalesce({n}.mergedFrom, [])"),
    ),
    {
        "employments": Rel(
            "employments", "WORKS_AT", "OUT", "Company", many=True, edge_props=WORKS_AT_PROPS
        ),
        "currentCompany": Rel(
            "currentCompany", "WORKS_AT", "OUT", "Company", many=False, where=CURRENT_EMPLOYMENT
        ),
        "reportsTo": Rel("reportsTo", "REPORTS_TO", "OUT", "Contact", many=False),
        "directReports": Rel("directReports", "REPORTS_TO", "IN", "Contact", many=True),
        "knows": Rel(
            "knows",
            "KNOWS",
            "BOTH",
            "Contact",
            many=True,
            edge_props=(Prop("strength", F), Prop("since", D)),
        ),
        "interactions": Rel("interactions", "WITH", "IN", "Interaction", many=True),
        "tags": Rel("tags", "TAGGED", "OUT", "Tag", many=True),
        "consents": Rel("consents", "HAS_CONSENT", "OUT", "Consent", many=True),
    },
)

PRODUCT = Entity(
    "Product",
    _props(
        *_COMMON,
        Prop("sku", S, sortable=True),
        Prop("name", S, sortable=True),
        Prop("category", S, sortable=True),
        Prop("description", S, filterable=False),
        Prop("price", M, sortable=True),
        Prop("currency", S),
        Prop("active", B),
    ),
)

ORDER = Entity(
    "Order",
    _props(
        *_COMMON,
        Prop("externalId", S, sortable=True),
        Prop("placedAt", DT, sortable=True),
        Prop("status", E, enum_values=ORDER_STATUSES, sortable=True),
        Prop("currency", S),
        Prop("total", M, sortable=True),
    ),
    {
        "customer": Rel("customer", "PLACED", "IN", "Customer", many=False),
    },
)

INTERACTION = Entity(
    "Interaction",
    _props(
        *_COMMON,
        Prop("kind", E, enum_values=INTERACTION_KINDS, sortable=True),
        Prop("occurredAt", DT, sortable=True),
        Prop("subject", S),
        Prop("summary", S, filterable=False),
        Prop("outcome", S),
        Prop("sentiment", F, sortable=True),
    ),
    {
        "loggedBy": Rel("loggedBy", "LOGGED", "IN", "User", many=False),
    },
)

USER = Entity(
    "User",
    _props(
        *_COMMON,
        Prop("name", S, sortable=True),
        Prop("email", S, sortable=True),
        Prop("role", E, enum_values=USER_ROLES, sortable=True),
    ),
    {
        "accounts": Rel("accounts", "MANAGES", "OUT", "Customer", many=True),
    },
)

#: One tag per case-folded name (`key`), shown as first written: "VIP" and "vip" are one tag.
TAG = Entity("Tag", _props(*_COMMON, Prop("name", S, sortable=True, folded="key")))

CONSENT = Entity(
    "Consent",
    _props(
        *_COMMON,
        Prop("channel", E, enum_values=CONSENT_CHANNELS),
        Prop("purpose", S),
        Prop("granted", B),
        Prop("recordedAt", DT, sortable=True),
        Prop("source", S),
    ),
)

SEGMENT = Entity(
    "Segment",
    _props(
        *_COMMON,
        Prop("name", S, sortable=True),
        Prop("description", S, filterable=False),
        # The saved CustomerFilter, as JSON in its GraphQL variable form (resolvers/segments).
        Prop("filter", S, filterable=False),
        Prop("requireConsentChannel", E, enum_values=CONSENT_CHANNELS),
        Prop("requireConsentPurpose", S),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (CUSTOMER, COMPANY, CONTACT, PRODUCT, ORDER, INTERACTION, USER, TAG, CONSENT, SEGMENT)
}

#: The audit trail's events (graphdb/writes/audit.py writes them, one per change). Not an
#: entity clients list, filter or write: only `auditLog` and `node(id:)`/`nodes(ids:)` read
#: them, for the roles that may read the audit trail (resolvers/audit.py). `changes` is the
#: stored JSON text; `actorId` is a raw uuid and `entityId` reads as [entityType, raw uuid],
#: which the schema turns into global ids.
AUDIT_EVENT = Entity(
    "AuditEvent",
    _props(
        Prop("id", Kind.ID, sortable=True),
        Prop("at", DT, sortable=True),
        Prop("actorId", S),
        Prop("actorEmail", S),
        Prop("action", S),
        Prop("entityType", S),
        Prop("entityId", S, expr="[{n}.entityType, {n}.entityId]", filterable=False),
        Prop("changes", S, filterable=False),
    ),
)

#: Every type `node(id:)` resolves, by name: the entities and the audit events.
NODE_ENTITIES: dict[str, Entity] = {**ENTITIES, AUDIT_EVENT.name: AUDIT_EVENT}

#: Entity types a global id may name, and that `node(id:)` resolves.
NODE_TYPES: frozenset[str] = frozenset(NODE_ENTITIES)
