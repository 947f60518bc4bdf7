"""Pure, deterministic generation of the demo graph as plain dict rows, batch by batch.

Nothing here touches the database. The generator is *counter based*: every entity draws from
its own `random.Random` seeded by a keyed hash of (seed, kind, index), and every id is a UUID4
built from the same kind of hash. So:

- the same seed always gives the same graph, whatever the batch size;
- any entity can be re-derived on demand (the business customer re-derives its company, a
  duplicate re-derives its original), so nothing but a few small tables stays in memory;
- the graph is produced in two passes over the same plan: every node first, then every
  relationship (the second pass recomputes structure, never Faker text).

Memory is O(batch size) plus the users, products and tags (at most a few thousand rows).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import random
import unicodedata
import uuid
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar, cast

import phonenumbers
from faker import Factory, Faker
from faker.generator import Generator

from core.model import CONSENT_CHANNELS, INTERACTION_KINDS

Row = dict[str, Any]
T = TypeVar("T")

#: The fixed "now" of generated history: never the wall clock, so a seed means one graph.
TODAY = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SIGNUPS_FROM = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
ORDER_HISTORY_DAYS = 730

# --- Reference tables -------------------------------------------------------------------------

LOCALES: tuple[tuple[str, str, int], ...] = (  # (Faker locale, ISO country, weight)
    ("sk_SK", "SK", 30),
    ("cs_CZ", "CZ", 25),
    ("pl_PL", "PL", 20),
    ("de_DE", "DE", 9),
    ("en_GB", "GB", 7),
    ("pt_PT", "PT", 5),
    ("zh_CN", "CN", 4),
)
_LOCALE_CUM = list(itertools.accumulate(w for _, _, w in LOCALES))

CURRENCY = {
    "SK": "EUR",
    "CZ": "CZK",
    "PL": "PLN",
    "DE": "EUR",
    "GB": "GBP",
    "PT": "EUR",
    "CN": "CNY",
}
#: Rough units of local currency per EUR, for revenues quoted in the company's currency.
_FX = {"EUR": 1.0, "CZK": 25.0, "PLN": 4.3, "GBP": 0.85, "CNY": 7.8}
LEGAL_FORMS = {
    "SK": (("s.r.o.", 80), ("a.s.", 20)),
    "CZ": (("s.r.o.", 80), ("a.s.", 20)),
    "PL": (("Sp. z o.o.", 85), ("S.A.", 15)),
    "DE": (("GmbH", 85), ("AG", 15)),
    "GB": (("Ltd", 90), ("PLC", 10)),
    "PT": (("Lda.", 85), ("S.A.", 15)),
    "CN": (("Ltd", 100),),
}
TLD = {"SK": "sk", "CZ": "cz", "PL": "pl", "DE": "de", "GB": "co.uk", "PT": "pt", "CN": "cn"}
FREEMAIL = {
    "SK": ("gmail.com", "azet.sk", "centrum.sk", "post.sk"),
    "CZ": ("gmail.com", "seznam.cz", "email.cz", "centrum.cz"),
    "PL": ("gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de"),
    "GB": ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com"),
    "PT": ("gmail.com", "sapo.pt", "outlook.pt"),
    "CN": ("qq.com", "163.com", "126.com", "gmail.com"),
}
INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Wholesale",
    "Logistics",
    "Software",
    "IT Services",
    "Construction",
    "Healthcare",
    "Pharmaceuticals",
    "Automotive",
    "Energy",
    "Financial Services",
    "Insurance",
    "Hospitality",
    "Education",
    "Agriculture",
    "Food & Beverage",
    "Telecommunications",
    "Media",
    "Real Estate",
)
_NAME_WORDS = (
    "Tatra",
    "Danube",
    "Vistula",
    "Nova",
    "Alpha",
    "Polar",
    "Granit",
    "Orbit",
    "Vertex",
    "Carpathia",
    "Baltic",
    "Atlas",
    "Iskra",
    "Lumen",
    "Meridian",
    "Sigma",
    "Helios",
    "Morava",
    "Silesia",
    "Quantum",
)
_NAME_TAILS = (
    "Systems",
    "Logistics",
    "Trade",
    "Solutions",
    "Technologies",
    "Industries",
    "Services",
    "Group",
    "Partners",
    "Works",
    "Digital",
    "Holding",
    "Consulting",
    "Foods",
    "Energy",
)
DEPARTMENTS = (
    "Executive",
    "Sales",
    "Marketing",
    "Finance",
    "Operations",
    "IT",
    "Procurement",
    "Human Resources",
    "Legal",
    "Engineering",
    "Customer Service",
)
SENIORITY_RANK = {"OWNER": 0, "C_LEVEL": 1, "VP": 2, "DIRECTOR": 3, "MANAGER": 4, "SENIOR": 5}
_RANKED = ("OWNER", "C_LEVEL", "VP", "DIRECTOR", "MANAGER", "SENIOR", "STAFF")
_C_TITLES = {
    "Executive": "Chief Executive Officer",
    "Finance": "Chief Financial Officer",
    "Operations": "Chief Operating Officer",
    "IT": "Chief Technology Officer",
    "Sales": "Chief Revenue Officer",
    "Marketing": "Chief Marketing Officer",
    "Human Resources": "Chief People Officer",
    "Legal": "General Counsel",
    "Procurement": "Chief Procurement Officer",
    "Engineering": "Chief Technology Officer",
    "Customer Service": "Chief Customer Officer",
}
_TITLE_PATTERNS = {
    "VP": "VP of {d}",
    "DIRECTOR": "{d} Director",
    "MANAGER": "{d} Manager",
    "SENIOR": "Senior {d} Specialist",
    "STAFF": "{d} Specialist",
}
DECISION_ROLES_OF = {  # seniority -> weighted decision roles (None: no role recorded)
    "OWNER": (("DECISION_MAKER", 85), ("ECONOMIC_BUYER", 15)),
    "C_LEVEL": (("DECISION_MAKER", 40), ("ECONOMIC_BUYER", 35), ("INFLUENCER", 15), (None, 10)),
    "VP": (("ECONOMIC_BUYER", 20), ("INFLUENCER", 35), ("CHAMPION", 20), (None, 25)),
    "DIRECTOR": (("INFLUENCER", 30), ("CHAMPION", 25), ("DECISION_MAKER", 5), (None, 40)),
    "MANAGER": (("CHAMPION", 20), ("INFLUENCER", 20), ("USER", 20), (None, 40)),
    "SENIOR": (("USER", 35), ("CHAMPION", 10), ("GATEKEEPER", 5), (None, 50)),
    "STAFF": (("USER", 30), ("GATEKEEPER", 15), (None, 55)),
}
CATEGORIES: tuple[tuple[str, str, tuple[str, ...], int, int], ...] = (
    # (name, sku prefix, nouns, min price EUR, max price EUR)
    ("Office Supplies", "OFF", ("Notebook", "Pen Set", "Stapler", "Folder", "Binder"), 2, 40),
    ("Furniture", "FUR", ("Desk", "Office Chair", "Cabinet", "Shelf", "Meeting Table"), 80, 1400),
    ("Electronics", "ELE", ("Laptop", "Monitor", "Docking Station", "Headset", "Webcam"), 30, 2200),
    ("Software Licenses", "SWL", ("CRM Seat", "Office Suite", "Antivirus", "Design Suite"), 5, 900),
    ("Cloud Services", "CLD", ("Storage Plan", "Compute Credits", "Backup Plan", "CDN"), 10, 3000),
    ("Networking", "NET", ("Router", "Switch", "Access Point", "Firewall", "Patch Cable"), 5, 2500),
    ("Printing", "PRN", ("Laser Printer", "Toner", "Paper Ream", "Label Printer"), 4, 900),
    ("Cleaning", "CLN", ("Detergent", "Wipes", "Mop Kit", "Hand Soap", "Trash Bags"), 2, 60),
    ("Coffee & Catering", "CAF", ("Coffee Beans", "Tea Box", "Water Cooler", "Mugs"), 3, 400),
    ("Safety Equipment", "SAF", ("Hard Hat", "Safety Vest", "First Aid Kit", "Gloves"), 4, 250),
    ("Tools", "TLS", ("Drill", "Screwdriver Set", "Ladder", "Toolbox", "Multimeter"), 8, 600),
    ("Packaging", "PKG", ("Cardboard Box", "Bubble Wrap", "Tape Roll", "Pallet Wrap"), 1, 120),
    ("Training", "TRN", ("Workshop", "Online Course", "Certification", "Coaching Hour"), 50, 2500),
    ("Support Plans", "SUP", ("Basic Support", "Premium Support", "On-site Visit"), 40, 5000),
    ("Lighting", "LGT", ("LED Panel", "Desk Lamp", "Floodlight", "Smart Bulb"), 6, 300),
)
_ADJECTIVES = ("Pro", "Eco", "Compact", "Premium", "Smart", "Classic", "Ultra", "Essential", "Max")
TAGS = (
    "VIP",
    "Key Account",
    "Newsletter",
    "Trade Fair 2026",
    "Webinar Attendee",
    "Partner",
    "Reseller",
    "Public Sector",
    "Startup",
    "Enterprise",
    "SMB",
    "Payment Issues",
    "Upsell Opportunity",
    "Renewal Q1",
    "Beta Tester",
    "Do Not Call",
    "Case Study",
    "Event Speaker",
    "Churn Watch",
    "Referral Program",
)
LEAD_SOURCES = (
    ("Website", 30),
    ("Trade Fair", 10),
    ("Cold Call", 8),
    ("Partner", 8),
    ("Advertising", 12),
    ("Social Media", 12),
    ("Webinar", 6),
    ("Newsletter", 6),
)
REFERRAL_CHANNELS = ("WORD_OF_MOUTH", "EMAIL", "SOCIAL", "EVENT", "PARTNER_PROGRAM")
CONSENT_PURPOSES = ("marketing", "newsletter", "service", "surveys", "partner offers")
CONSENT_SOURCES = ("web form", "phone call", "paper form", "trade fair", "import", "mobile app")
_INTERACTION_WEIGHTS = (18, 22, 8, 10, 10, 14, 9, 3, 6)  # aligned with INTERACTION_KINDS
_SUBJECTS = {
    "CALL": ("Follow-up call", "Quarterly check-in", "Pricing question", "Renewal discussion"),
    "EMAIL": ("Quote sent", "Invoice question", "Product information", "Meeting follow-up"),
    "MEETING": ("On-site visit", "Contract negotiation", "Business review", "Kick-off meeting"),
    "VIDEO_CALL": ("Product demo", "Onboarding session", "Roadmap review", "Technical workshop"),
    "CHAT": ("Delivery status", "Order change", "Stock availability", "Quick question"),
    "WEBSITE_VISIT": ("Pricing page", "Product catalogue", "Case studies", "Support centre"),
    "SUPPORT_TICKET": ("Damaged delivery", "Login problem", "Wrong item", "Installation help"),
    "COMPLAINT": ("Late delivery", "Billing error", "Poor quality", "Unanswered request"),
    "SURVEY": ("NPS survey", "Satisfaction survey", "Product feedback", "Onboarding survey"),
}
_OUTCOMES = {
    "CALL": ("Callback scheduled", "Quote requested", "No answer", "Agreed next steps"),
    "EMAIL": ("Replied", "No reply", "Forwarded to colleague", "Quote accepted"),
    "MEETING": ("Proposal requested", "Deal advanced", "Needs internal approval", "Signed"),
    "VIDEO_CALL": ("Trial started", "Follow-up booked", "Not a fit", "Demo well received"),
    "CHAT": ("Resolved", "Escalated", "Order updated", "Information provided"),
    "WEBSITE_VISIT": ("Browsed", "Downloaded brochure", "Requested contact", "Started checkout"),
    "SUPPORT_TICKET": ("Resolved", "Replacement shipped", "Escalated to engineering", "Closed"),
    "COMPLAINT": ("Refund issued", "Apology sent", "Discount offered", "Under investigation"),
    "SURVEY": ("Promoter", "Passive", "Detractor", "Completed"),
}
_SENTIMENT = {  # (mean, spread)
    "COMPLAINT": (-0.6, 0.3),
    "SUPPORT_TICKET": (-0.2, 0.4),
    "SURVEY": (0.3, 0.5),
    "MEETING": (0.35, 0.3),
    "VIDEO_CALL": (0.3, 0.3),
}
_REMARKS = (
    "Friendly tone.",
    "Asked for a written offer.",
    "Budget is tight.",
    "Wants a faster delivery.",
    "Mentioned a competitor.",
    "Happy with the last order.",
)
_CHILD_AGES = range(1, 19)
_PETS = (
    "a dog",
    "a cat",
    "a parrot",
    "two cats",
    "a rabbit",
    "a tortoise",
    "an aquarium",
    "a horse",
)
_PET_NAMES = ("Rex", "Micka", "Bobík", "Luna", "Max", "Bella", "Čert", "Kiki", "Oskar", "Fifi")
_HOBBIES = (
    "cycling",
    "hiking in the Tatras",
    "chess",
    "jazz",
    "ice hockey",
    "marathon running",
    "wine tasting",
    "photography",
    "sailing",
    "gardening",
    "skiing",
    "football",
    "cooking",
    "fly fishing",
    "classical music",
    "tennis",
    "bouldering",
    "reading crime novels",
)

# --- Deterministic primitives -------------------------------------------------------------------


def _hash(seed: int, *parts: object) -> int:
    """A 128-bit keyed hash of (seed, parts): the counter behind every stream and id."""
    key = "|".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")


def _unit(seed: int, *parts: object) -> float:
    """A uniform float in [0, 1) from the hash, for O(1) decisions about any entity."""
    return _hash(seed, *parts) / 2.0**128


def make_id(seed: int, kind: str, *index: int) -> str:
    """The UUID4 of the entity `kind`/`index` of graph `seed`."""
    return str(uuid.UUID(int=_hash(seed, "id", kind, *index), version=4))


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(_hash(seed, *parts))  # noqa: S311 - demo data, not secrets


def _weighted(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    total = sum(w for _, w in options)
    pick = rng.random() * total
    for value, weight in options:
        pick -= weight
        if pick < 0:
            return value
    return options[-1][0]


_ASCII_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "đ": "d", "ø": "o", "æ": "ae"})


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits of `text` (diacritics dropped), joined by `sep`."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    # NFKD splits "á" into "a" and a combining accent: drop the accent, not the word in two
    # ("Tatárka" → "tatarka", not "tata rka").
    kept = (c for c in plain if not unicodedata.combining(c))
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in kept).lower().split()
    return sep.join(words)


def _datetime_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(seconds + 1))


def _date_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _money(euros: float) -> int:
    """Euros as integer ten-thousandths, rounded to whole cents (prices end in .x0)."""
    return round(euros * 100) * 100


@functools.cache
def _phone_pattern(country: str, fixed: bool) -> tuple[int, str, int]:
    """(country code, national example number, digits kept) from libphonenumber's metadata."""
    kind = phonenumbers.PhoneNumberType.FIXED_LINE if fixed else phonenumbers.PhoneNumberType.MOBILE
    example = phonenumbers.example_number_for_type(country, kind)
    if example is None or example.country_code is None:  # pragma: no cover - metadata has one
        raise ValueError(f"no example phone number for {country}")
    national = str(example.national_number)
    return int(example.country_code), national, 2 if len(national) <= 9 else 3


def _phone(rng: random.Random, country: str, fixed: bool = False) -> str:
    """A valid E.164 number for `country`, shaped after libphonenumber's example number.

    The example's leading digits are kept and the rest drawn at random; a draw that
    libphonenumber does not accept is redrawn (up to 8 times) before falling back to the example.
    """
    code, national, keep = _phone_pattern(country, fixed)
    for _ in range(8):
        digits = national[:keep] + str(rng.randrange(10 ** (len(national) - keep))).zfill(
            len(national) - keep
        )
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(digits))
        if phonenumbers.is_valid_number(number):
            return f"+{code}{digits}"
    return f"+{code}{national}"


def _meta(created: datetime, updated: datetime | None = None) -> Row:
    return {"createdAt": created, "updatedAt": updated or created, "version": 1}


# --- Plan: sizes derived from the number of customers ---------------------------------------------


def _coprime_multiplier(n: int, seed: int) -> int:
    """A multiplier near n/φ that is coprime with n: an affine bijection of range(n)."""
    a = max(1, int(n * 0.6180339887) + _hash(seed, "perm") % 17)
    while math.gcd(a, n) != 1:
        a += 1
    return a % n or 1


@dataclass(frozen=True)
class Plan:
    customers: int
    seed: int
    users: int
    products: int
    business: int
    companies: int
    perm_a: int = field(repr=False)
    perm_b: int = field(repr=False)

    @classmethod
    def of(cls, customers: int, seed: int) -> Plan:
        if customers < 1:
            raise ValueError("customers must be at least 1")
        business = round(customers * 0.7)
        return cls(
            customers=customers,
            seed=seed,
            users=max(3, round(customers / 200)),
            products=min(2000, max(50, customers // 100)),
            business=business,
            # every BUSINESS customer is the account of exactly one company (1:1), plus ~6%
            # companies known only through their people (partners, prospects' employers)
            companies=business + max(2, business // 16),
            perm_a=_coprime_multiplier(customers, seed),
            perm_b=_hash(seed, "perm-b") % customers,
        )

    def perm(self, i: int) -> int:
        return (self.perm_a * i + self.perm_b) % self.customers


# --- Per-entity plans (structure only; no Faker) --------------------------------------------------


@dataclass(frozen=True)
class Staff:
    k: int
    seniority: str
    department: str
    job_title: str
    decision_role: str | None
    started_on: date
    ended_on: date | None
    reports_to: int | None


@dataclass(frozen=True)
class Line:
    product: int
    quantity: int
    unit_price: int


@dataclass(frozen=True)
class OrderPlan:
    n: int
    placed_at: datetime
    status: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> int:
        return sum(line.quantity * line.unit_price for line in self.lines)


@dataclass(frozen=True)
class InteractionPlan:
    n: int
    kind: str
    occurred_at: datetime
    subject: str
    summary: str
    outcome: str
    sentiment: float
    logged_by: int
    contacts: tuple[int, ...]


@dataclass
class CustomerPlan:
    i: int
    kind: str
    company: int | None
    duplicate_of: int | None
    signup: datetime
    segment: str
    manager: int | None
    orders: list[OrderPlan]
    interactions: list[InteractionPlan]
    tags: list[int]
    consents: list[tuple[str, str, bool, datetime, str]]
    lead_score: int
    lead_source: str
    lifecycle: str
    referred: bool


@dataclass(frozen=True)
class DuplicatePair:
    original_id: str
    original_external_id: str
    duplicate_id: str
    duplicate_external_id: str
    variations: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "original": {"id": self.original_id, "externalId": self.original_external_id},
            "duplicate": {"id": self.duplicate_id, "externalId": self.duplicate_external_id},
            "variations": list(self.variations),
        }


def external_id(i: int) -> str:
    return f"CRM-{i + 1:07d}"


class World:
    """Everything about one seeded graph that can be derived on demand."""

    def __init__(self, customers: int, seed: int) -> None:
        self.plan = Plan.of(customers, seed)
        self.seed = seed
        self._fakers: dict[str, Generator] = {loc: Factory.create(loc) for loc, _, _ in LOCALES}
        self.user_roles = [self._user_role(u) for u in range(self.plan.users)]
        self.sellers = [u for u, role in enumerate(self.user_roles) if role in ("SALES", "MANAGER")]
        self._product_table()
        self._inverse_a = pow(self.plan.perm_a, -1, customers) if customers > 1 else 0
        self._company_sizes: dict[int, int] = {}

    # -- small tables ---------------------------------------------------------------------------

    def _user_role(self, u: int) -> str:
        if u == 0:
            return "ADMIN"
        if u == 1:
            return "ANALYST"
        return "MANAGER" if u % 7 == 3 else "SALES"

    def _product_table(self) -> None:
        """Prices and per-category popularity (Zipf) used by every order line."""
        rng = _rng(self.seed, "products")
        self.product_category: list[int] = []
        self.product_price: list[int] = []
        by_category: list[list[int]] = [[] for _ in CATEGORIES]
        for p in range(self.plan.products):
            c = p % len(CATEGORIES)
            _, _, _, lo, hi = CATEGORIES[c]
            euros = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            price = _money(euros if euros < 20 else math.floor(euros) + 0.99)
            self.product_category.append(c)
            self.product_price.append(price)
            by_category[c].append(p)
        for products in by_category:
            rng.shuffle(products)
        self.category_products = by_category
        self.category_cum = [
            list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(ps))))
            for ps in by_category
        ]

    def _faker(self, locale: str, rng: random.Random) -> Faker:
        fake = self._fakers[locale]
        fake.random = rng  # every draw of this entity comes from its own stream
        # a single-locale generator has the proxy's providers; the proxy's stubs type them
        return cast(Faker, fake)

    def _locale(self, *parts: object) -> tuple[str, str]:
        pick = _unit(self.seed, "locale", *parts) * _LOCALE_CUM[-1]
        locale, country, _ = LOCALES[bisect_right(_LOCALE_CUM, pick)]
        return locale, country

    # -- companies and their people -------------------------------------------------------------

    def company_size(self, j: int) -> int:
        """Contacts on record at company j: mostly 1-3, a few big org charts of 50-300."""
        cached = self._company_sizes.get(j)
        if cached is not None:
            return cached
        u = _unit(self.seed, "company-size", j)
        if j < 2 or u < 0.003:
            size = 50 + int(250 * _unit(self.seed, "big", j) ** 2)
        elif u < 0.62:
            size = 1 + int(u * 10) % 2
        elif u < 0.85:
            size = 3 + int(u * 1000) % 3
        elif u < 0.97:
            size = 6 + int(u * 10000) % 10
        else:
            size = 16 + int(u * 100000) % 34
        if len(self._company_sizes) > 4096:
            self._company_sizes.clear()
        self._company_sizes[j] = size
        return size

    def company_of_customer(self, i: int) -> int | None:
        j = self.plan.perm(i)
        return j if j < self.plan.business else None

    def customer_of_company(self, j: int) -> int | None:
        if j >= self.plan.business:
            return None
        return (self._inverse_a * (j - self.plan.perm_b)) % self.plan.customers

    def signup(self, i: int) -> datetime:
        """Customer i's creation time: strictly increasing with i across the history."""
        span = (NOW - timedelta(days=1) - SIGNUPS_FROM).total_seconds()
        offset = span * (i + _unit(self.seed, "signup", i)) / self.plan.customers
        return SIGNUPS_FROM + timedelta(seconds=int(offset))

    def company_created(self, j: int) -> datetime:
        i = self.customer_of_company(j)
        if i is not None:
            return self.signup(i) - timedelta(days=int(_unit(self.seed, "cc", j) * 20))
        return SIGNUPS_FROM + timedelta(days=int(_unit(self.seed, "cc", j) * 2000))

    def staff(self, j: int) -> list[Staff]:
        """Company j's people: seniority, role, employment dates and the REPORTS_TO tree.

        Contact 0 is the top (OWNER or C_LEVEL); current staff are ordered by seniority and each
        reports to an earlier, strictly more senior current colleague (or to the top), so the
        tree is acyclic and seniority-consistent. ~8% are former employees outside the tree.
        """
        n = self.company_size(j)
        rng = _rng(self.seed, "staff", j)
        founded = TODAY - timedelta(days=rng.randrange(365 * 3, 365 * 30))
        top = "OWNER" if n <= 15 and rng.random() < 0.75 else "C_LEVEL"
        senior_weights = (0, 6, 4, 8, 16, 24, 42) if n > 15 else (0, 3, 0, 4, 10, 25, 58)
        others = rng.choices(range(len(_RANKED)), weights=senior_weights, k=n - 1)
        ranks = [SENIORITY_RANK[top], *sorted(max(r, 1) for r in others)]
        current: list[int] = []
        people: list[Staff] = []
        for k, rank in enumerate(ranks):
            seniority = _RANKED[rank]
            former = k > 0 and rng.random() < 0.08
            department = "Executive" if k == 0 else rng.choice(DEPARTMENTS[1:])
            if seniority in ("OWNER", "C_LEVEL"):
                title = (
                    "Owner & Managing Director" if seniority == "OWNER" else _C_TITLES[department]
                )
            else:
                title = _TITLE_PATTERNS[seniority].format(d=department)
            started = _date_between(rng, founded, TODAY - timedelta(days=30))
            if former:
                left = TODAY - timedelta(days=14)  # always in the past
                ended: date | None = _date_between(
                    rng, min(started + timedelta(days=60), left), left
                )
                boss = None
            else:
                ended = None
                more_senior = [c for c in current if ranks[c] < rank]
                boss = (rng.choice(more_senior[-12:]) if more_senior else 0) if k else None
                current.append(k)
            people.append(
                Staff(
                    k=k,
                    seniority=seniority,
                    department=department,
                    job_title=title,
                    decision_role=_weighted(rng, DECISION_ROLES_OF[seniority]),
                    started_on=started,
                    ended_on=ended,
                    reports_to=boss,
                )
            )
        return people

    def company_row(self, j: int) -> Row:
        """Company j's node properties (Faker text from its own stream)."""
        locale, country = self._locale("company", j)
        rng = _rng(self.seed, "company", j)
        fake = self._faker(locale, rng)
        legal_form = _weighted(rng, LEGAL_FORMS[country])
        style = rng.random()
        if country == "CN":
            base = str(fake.company()).removesuffix("有限公司")
            slug = ascii_slug(f"{fake.last_romanized_name()} {rng.choice(_NAME_TAILS)}")
        else:
            if style < 0.4:
                base = f"{fake.last_name_male()}"
            elif style < 0.6:
                base = f"{fake.last_name_male()} & {fake.last_name_male()}"
            else:
                base = f"{rng.choice(_NAME_WORDS)} {rng.choice(_NAME_TAILS)}"
            slug = ascii_slug(base, "-" if rng.random() < 0.3 else "")
        if rng.random() < 0.5:
            slug += str(rng.randrange(2, 99))
        name = f"{base} {legal_form}" if country != "CN" else f"{base}有限公司"
        size = self.company_size(j)
        employees = max(size, int(math.exp(rng.uniform(math.log(2), math.log(5000)))))
        if size >= 50:
            employees = max(employees, size * rng.randrange(3, 20))
        currency = CURRENCY[country]
        revenue_eur = employees * rng.uniform(40_000, 220_000)
        revenue = round(revenue_eur * _FX[currency], -3)
        created = self.company_created(j)
        return {
            "id": make_id(self.seed, "company", j),
            "name": name,
            "domain": f"{slug}.{TLD[country]}",
            "industry": rng.choice(INDUSTRIES),
            "legalForm": legal_form,
            "registrationNumber": self._registration(rng, country),
            "employeeCount": employees,
            "annualRevenue": int(revenue) * 10_000,
            "currency": currency,
            "addressLine1": _street(fake),
            "postalCode": fake.postcode(),
            "city": fake.city(),
            "region": fake.administrative_unit(),
            "country": country,
            **_meta(created, min(NOW, created + timedelta(days=rng.randrange(0, 400)))),
        }

    def company_phone(self, j: int) -> str:
        """The switchboard number of company j (companies store none; their accounts do)."""
        _, country = self._locale("company", j)
        return _phone(_rng(self.seed, "company-phone", j), country, fixed=True)

    @staticmethod
    def _registration(rng: random.Random, country: str) -> str:
        digits = "".join(str(rng.randrange(10)) for _ in range(10))
        match country:
            case "SK" | "CZ":
                return digits[:8]
            case "PL":
                return "0000" + digits[:6]
            case "PT":
                return "5" + digits[:8]
            case "DE":
                return f"HRB {int(digits[:6])}"
            case "GB":
                return digits[:8]
            case _:
                return (
                    "91"
                    + digits
                    + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
                )

    def contact_rows(self, j: int, company: Row) -> Iterator[Row]:
        """Company j's contacts: names, work e-mail at the company domain, notes, address."""
        locale, country = self._locale("company", j)
        created = company["createdAt"]
        seen: set[str] = set()
        for k in range(self.company_size(j)):
            rng = _rng(self.seed, "contact", j, k)
            # a quarter of the staff come from another of the supported countries
            loc, ctry = (locale, country) if rng.random() < 0.75 else self._locale("c", j, k)
            fake = self._faker(loc, rng)
            first, last, romanized = self._person_name(fake, rng, loc)
            local = romanized
            if local in seen:
                local = f"{local}{k}"
            seen.add(local)
            made = min(NOW, created + timedelta(days=rng.randrange(0, 500)))
            yield {
                "id": make_id(self.seed, "contact", j, k),
                "firstName": first,
                "lastName": last,
                "fullName": f"{first} {last}",
                "email": f"{local}@{company['domain']}",
                "phone": _phone(rng, ctry),
                "videoHandle": self._video_handle(rng, romanized, company["domain"]),
                "birthday": _date_between(rng, date(1958, 1, 1), date(2003, 12, 31)),
                "personalNotes": self._notes(rng, fake),
                "addressLine1": _street(fake),
                "postalCode": fake.postcode(),
                "city": company["city"] if rng.random() < 0.7 and ctry == country else fake.city(),
                "region": fake.administrative_unit(),
                "country": ctry,
                **_meta(made, min(NOW, made + timedelta(days=rng.randrange(0, 300)))),
            }

    @staticmethod
    def _person_name(fake: Faker, rng: random.Random, locale: str) -> tuple[str, str, str]:
        """(first, last, ascii "first.last") with matching gender for Slavic surnames."""
        if rng.random() < 0.5:
            first, last = fake.first_name_female(), fake.last_name_female()
        else:
            first, last = fake.first_name_male(), fake.last_name_male()
        if locale == "zh_CN":
            romanized = f"{fake.first_romanized_name()}.{fake.last_romanized_name()}"
        else:
            romanized = f"{first}.{last}"
        return str(first), str(last), ascii_slug(romanized, ".")

    @staticmethod
    def _video_handle(rng: random.Random, romanized: str, domain: str) -> str:
        style = rng.random()
        if style < 0.45:
            return f"teams:{romanized}@{domain}"
        if style < 0.75:
            return f"zoom:{romanized.replace('.', '')}{rng.randrange(10, 99)}"
        return f"meet:{romanized}{rng.randrange(1, 9)}"

    @staticmethod
    def _notes(rng: random.Random, fake: Faker) -> str:
        parts: list[str] = []
        children = rng.choices((0, 1, 2, 3), weights=(35, 25, 30, 10))[0]
        if children:
            kids = ", ".join(
                f"{fake.first_name()} ({rng.choice(_CHILD_AGES)})" for _ in range(children)
            )
            parts.append(f"Children: {kids}.")
        if rng.random() < 0.45:
            parts.append(f"Has {rng.choice(_PETS)} called {rng.choice(_PET_NAMES)}.")
        hobbies = rng.sample(_HOBBIES, rng.randrange(1, 3))
        parts.append(f"Enjoys {' and '.join(hobbies)}.")
        if rng.random() < 0.2:
            parts.append("Prefers calls before 10:00.")
        return " ".join(parts)

    # -- customers ------------------------------------------------------------------------------

    def is_referred(self, i: int) -> bool:
        return i > 0 and _unit(self.seed, "referred", i) < 0.25

    def duplicate_of(self, i: int) -> int | None:
        """The earlier INDIVIDUAL customer that customer i is a planted near-duplicate of."""
        if i < 2 or self.company_of_customer(i) is not None:
            return None
        share = 0.02 * self.plan.customers / max(1, self.plan.customers - self.plan.business)
        if _unit(self.seed, "dup", i) >= share:
            return None
        rng = _rng(self.seed, "dup-of", i)
        for _ in range(40):
            j = i - 1 - rng.randrange(min(i - 1, 2000))
            if self.company_of_customer(j) is None and self.duplicate_of(j) is None:
                return j
        return None

    def customer_plan(self, i: int) -> CustomerPlan:
        """Customer i's structure: kind, orders (cadence), interactions, tags, consents."""
        rng = _rng(self.seed, "customer", i)
        company = self.company_of_customer(i)
        dup = self.duplicate_of(i)
        signup = self.signup(i)
        manager = rng.choice(self.sellers) if rng.random() < 0.9 else None
        segment = _weighted(
            rng,
            (("WEEKLY", 3), ("MONTHLY", 12), ("OCCASIONAL", 50), ("NEVER", 35))
            if dup is None
            else (("OCCASIONAL", 40), ("NEVER", 60)),
        )
        lapsed = segment in ("WEEKLY", "MONTHLY") and rng.random() < 0.25
        orders = self._orders(rng, company is not None, signup, segment, lapsed)
        contacts: tuple[int, ...] = ()
        if company is not None:
            contacts = tuple(s.k for s in self.staff(company) if s.ended_on is None)
        interactions = self._interactions(rng, signup, manager, contacts)
        referred = self.is_referred(i)
        if orders:
            last = orders[-1].placed_at
            lifecycle = "CHURNED" if lapsed or (NOW - last).days > 365 else "CUSTOMER"
        else:
            lifecycle = "LEAD" if rng.random() < 0.55 else "PROSPECT"
        base_score = {"CUSTOMER": 60, "CHURNED": 20, "LEAD": 25, "PROSPECT": 45}[lifecycle]
        score = max(0, min(100, int(rng.gauss(base_score, 15))))
        tags = sorted(
            set(rng.choices(range(len(TAGS)), k=rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]))
        )
        consent_channels = rng.sample(CONSENT_CHANNELS, rng.randrange(1, 4))
        consents = [
            (
                channel,
                rng.choice(CONSENT_PURPOSES),
                rng.random() < 0.8,
                _datetime_between(rng, signup, min(NOW, signup + timedelta(days=90))),
                rng.choice(CONSENT_SOURCES),
            )
            for channel in consent_channels
        ]
        return CustomerPlan(
            i=i,
            kind="BUSINESS" if company is not None else "INDIVIDUAL",
            company=company,
            duplicate_of=dup,
            signup=signup,
            segment=segment,
            manager=manager,
            orders=orders,
            interactions=interactions,
            tags=tags,
            consents=consents,
            lead_score=score,
            lead_source="Referral" if referred else _weighted(rng, LEAD_SOURCES),
            lifecycle=lifecycle,
            referred=referred,
        )

    def _orders(
        self,
        rng: random.Random,
        business: bool,
        signup: datetime,
        segment: str,
        lapsed: bool,
    ) -> list[OrderPlan]:
        """Order times by cadence segment; lines cluster on the customer's favourite categories."""
        if segment == "NEVER":
            return []
        start = max(signup + timedelta(hours=2), NOW - timedelta(days=ORDER_HISTORY_DAYS))
        end = NOW - timedelta(days=rng.randrange(60, 201)) if lapsed else NOW
        times: list[datetime] = []
        if segment in ("WEEKLY", "MONTHLY"):
            mean, spread = (7.0, 1.5) if segment == "WEEKLY" else (30.0, 5.0)
            t = start + timedelta(days=rng.uniform(0, mean))
            while t <= end and len(times) < 400:
                times.append(t)
                t += timedelta(days=max(1.0, rng.gauss(mean, spread)))
        else:
            count = rng.choices((1, 2, 3, 4, 5, 6), weights=(30, 25, 18, 12, 9, 6))[0]
            times = sorted(_datetime_between(rng, start, end) for _ in range(count))
        if not times:
            times = [_datetime_between(rng, start, end)]
        favourites = rng.sample(range(len(CATEGORIES)), 2)
        orders: list[OrderPlan] = []
        for n, placed in enumerate(times):
            placed = placed.replace(microsecond=0)
            age = (NOW - placed).days
            status = self._status(rng, age)
            lines: list[Line] = []
            used: set[int] = set()
            for _ in range(rng.choices((1, 2, 3, 4, 5), weights=(35, 30, 18, 10, 7))[0]):
                c = rng.choice(favourites) if rng.random() < 0.8 else rng.randrange(len(CATEGORIES))
                products = self.category_products[c]
                if not products:
                    continue
                p = rng.choices(products, cum_weights=self.category_cum[c])[0]
                if p in used:
                    continue
                used.add(p)
                qty = rng.choices((1, 2, 3, 5, 10, 20), weights=(55, 20, 10, 8, 5, 2))[0]
                if business:
                    qty *= rng.choice((1, 1, 2, 5))
                price = self.product_price[p]
                if rng.random() < 0.15:
                    price = price * rng.randrange(80, 96) // 100 // 100 * 100
                lines.append(Line(p, qty, price))
            if not lines:
                p = self.category_products[favourites[0]][0]
                lines.append(Line(p, 1, self.product_price[p]))
            orders.append(OrderPlan(n, placed, status, tuple(lines)))
        return orders

    @staticmethod
    def _status(rng: random.Random, age_days: int) -> str:
        if age_days < 3:
            return rng.choice(("PENDING", "PAID"))
        if age_days < 10:
            return rng.choice(("PAID", "SHIPPED", "SHIPPED", "DELIVERED"))
        return _weighted(rng, (("DELIVERED", 95), ("CANCELLED", 3), ("REFUNDED", 2)))

    def _interactions(
        self,
        rng: random.Random,
        signup: datetime,
        manager: int | None,
        contacts: tuple[int, ...],
    ) -> list[InteractionPlan]:
        count = rng.choices(range(9), weights=(8, 14, 18, 18, 14, 11, 8, 5, 4))[0]
        result: list[InteractionPlan] = []
        for n in range(count):
            kind = rng.choices(INTERACTION_KINDS, weights=_INTERACTION_WEIGHTS)[0]
            mean, spread = _SENTIMENT.get(kind, (0.15, 0.35))
            sentiment = round(max(-1.0, min(1.0, rng.gauss(mean, spread))), 2)
            subject = rng.choice(_SUBJECTS[kind])
            outcome = rng.choice(_OUTCOMES[kind])
            who = rng.sample(contacts, min(len(contacts), rng.choice((0, 1, 1, 2))))
            logger = (
                manager if manager is not None and rng.random() < 0.8 else rng.choice(self.sellers)
            )
            occurred = _datetime_between(rng, signup, NOW).replace(microsecond=0)
            summary = f"{subject}: {outcome.lower()}. {rng.choice(_REMARKS)}"
            result.append(
                InteractionPlan(
                    n, kind, occurred, subject, summary, outcome, sentiment, logger, tuple(who)
                )
            )
        return result

    def customer_row(self, i: int, plan: CustomerPlan) -> Row:
        """Customer i's node properties, aggregates computed from its own orders."""
        if plan.duplicate_of is not None:
            core, _ = self.duplicate_core(i, plan.duplicate_of)
            core = _as_stored(core)
        else:
            core = self.customer_core(i)
        orders = plan.orders
        last_interaction = max((x.occurred_at for x in plan.interactions), default=None)
        updated = max(
            [plan.signup]
            + ([orders[-1].placed_at] if orders else [])
            + [x.occurred_at for x in plan.interactions]
        )
        return {
            "id": make_id(self.seed, "customer", i),
            "externalId": external_id(i),
            "kind": plan.kind,
            **core,
            "lifecycleStage": plan.lifecycle,
            "leadSource": plan.lead_source,
            "leadScore": plan.lead_score,
            "orderCount": len(orders),
            "totalSpent": sum(o.total for o in orders),
            "firstOrderAt": orders[0].placed_at if orders else None,
            "lastOrderAt": orders[-1].placed_at if orders else None,
            "lastInteractionAt": last_interaction,
            **_meta(plan.signup, updated),
        }

    def customer_core(self, i: int) -> Row:
        """name, email, phone and address: the company's for BUSINESS, a person's otherwise."""
        company = self.company_of_customer(i)
        rng = _rng(self.seed, "customer-core", i)
        if company is not None:
            c = self.company_row(company)
            mailbox = rng.choice(("info", "office", "orders", "purchasing", "accounts"))
            return {
                "name": c["name"],
                "email": f"{mailbox}@{c['domain']}",
                "phone": self.company_phone(company),
                **{k: c[k] for k in ("addressLine1", "postalCode", "city", "region", "country")},
            }
        locale, country = self._locale("customer", i)
        fake = self._faker(locale, rng)
        first, last, romanized = self._person_name(fake, rng, locale)
        local = romanized if rng.random() < 0.5 else f"{romanized}{rng.randrange(1, 999)}"
        return {
            "name": f"{first} {last}",
            "email": f"{local}@{rng.choice(FREEMAIL[country])}",
            "phone": _phone(rng, country),
            "addressLine1": _street(fake),
            "postalCode": fake.postcode(),
            "city": fake.city(),
            "region": fake.administrative_unit(),
            "country": country,
        }

    def duplicate_core(self, i: int, j: int) -> tuple[Row, tuple[str, ...]]:
        """Customer j's core with the kind of noise a second manual entry has."""
        core = dict(self.customer_core(j))
        rng = _rng(self.seed, "dup-core", i)
        core["name"] = _typo(rng, core["name"])
        variations = ["name typo"]
        style = rng.random()
        if style < 0.4:
            variations.append("same email")
        elif style < 0.8:
            core["email"] = _recase(rng, core["email"])
            variations.append("email case")
        else:
            core["email"] = f" {_recase(rng, core['email'])} "
            variations.append("email spacing and case")
        if rng.random() < 0.6:
            number = phonenumbers.parse(core["phone"])
            fmt = rng.choice(
                (
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.NATIONAL,
                )
            )
            core["phone"] = str(phonenumbers.format_number(number, fmt))
            variations.append("phone formatted differently")
        else:
            variations.append("same phone")
        if rng.random() < 0.5:
            core["addressLine1"] = core["addressLine1"].upper()
            variations.append("address case")
        variations.append("same city")
        return core, tuple(variations)

    # -- duplicates ground truth ------------------------------------------------------------------

    def duplicate_pairs(self) -> Iterator[DuplicatePair]:
        for i in range(self.plan.customers):
            j = self.duplicate_of(i)
            if j is None:
                continue
            _, variations = self.duplicate_core(i, j)
            yield DuplicatePair(
                original_id=make_id(self.seed, "customer", j),
                original_external_id=external_id(j),
                duplicate_id=make_id(self.seed, "customer", i),
                duplicate_external_id=external_id(i),
                variations=variations,
            )


def _street(fake: Faker) -> str:
    """A street address on one line: en_GB's Faker writes "Flat 17\nJanet Meadows", and a
    newline is not something the API lets anyone store in addressLine1."""
    return ", ".join(part.strip() for part in fake.street_address().splitlines() if part.strip())


def _as_stored(core: Row) -> Row:
    """A duplicate's core as the API would have stored what the second entry typed: the
    e-mail trimmed and lower-cased, the phone in E.164 (export → import changes nothing)."""
    out = dict(core)
    if out.get("email"):
        out["email"] = out["email"].strip().lower()
    if out.get("phone"):
        number = phonenumbers.parse(out["phone"], out.get("country"))
        out["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return out


def _typo(rng: random.Random, name: str) -> str:
    """One keyboard slip: swap, drop or double a letter, or lose the diacritics."""
    letters = [k for k, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name + name[-1]
    kind = rng.random()
    plain = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in plain if not unicodedata.combining(c))
    if kind < 0.25 and stripped != name:
        return stripped
    k = rng.choice(letters[1:-1])
    if kind < 0.55 and name[k + 1].isalpha():
        return name[:k] + name[k + 1] + name[k] + name[k + 2 :]
    if kind < 0.8:
        return name[:k] + name[k + 1 :]
    return name[:k] + name[k] + name[k:]


def _recase(rng: random.Random, email: str) -> str:
    local, _, domain = email.partition("@")
    if rng.random() < 0.5:
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.capitalize()
    return email.upper()


# --- Rows ----------------------------------------------------------------------------------------

#: Node kinds in writing order; each row is exactly the node's stored properties.
NODE_KINDS = (
    "User",
    "Tag",
    "Product",
    "Company",
    "Contact",
    "Customer",
    "Order",
    "Interaction",
    "Consent",
)

#: Relationship kinds: (source label, type, target label). Rows are {"a", "b", "p"}.
REL_KINDS: dict[str, tuple[str, str, str]] = {
    "WORKS_AT": ("Contact", "WORKS_AT", "Company"),
    "REPORTS_TO": ("Contact", "REPORTS_TO", "Contact"),
    "KNOWS": ("Contact", "KNOWS", "Contact"),
    "TAGGED(Company)": ("Company", "TAGGED", "Tag"),
    "TAGGED(Contact)": ("Contact", "TAGGED", "Tag"),
    "HAS_CONSENT(Contact)": ("Contact", "HAS_CONSENT", "Consent"),
    "MANAGES": ("User", "MANAGES", "Customer"),
    "ACCOUNT_OF": ("Customer", "ACCOUNT_OF", "Company"),
    "PLACED": ("Customer", "PLACED", "Order"),
    "CONTAINS": ("Order", "CONTAINS", "Product"),
    "LOGGED": ("User", "LOGGED", "Interaction"),
    "WITH(Customer)": ("Interaction", "WITH", "Customer"),
    "WITH(Contact)": ("Interaction", "WITH", "Contact"),
    "REFERRED(Customer)": ("Customer", "REFERRED", "Customer"),
    "REFERRED(Contact)": ("Contact", "REFERRED", "Customer"),
    "TAGGED(Customer)": ("Customer", "TAGGED", "Tag"),
    "HAS_CONSENT(Customer)": ("Customer", "HAS_CONSENT", "Consent"),
}

_REFERRAL_NOTES = (
    "Recommended us after a successful project.",
    "Met at a trade fair and passed on our details.",
    "Former colleague; vouched for our support.",
    "Mentioned us in a LinkedIn post.",
    "Part of the partner referral programme.",
    "Neighbour and long-time customer.",
)


class GraphRows:
    """The two passes over a World, as (kind, row) pairs."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.seed = world.seed

    def _id(self, kind: str, *index: int) -> str:
        return make_id(self.seed, kind, *index)

    # -- pass 1 ---------------------------------------------------------------------------------

    def node_rows(self) -> Iterator[tuple[str, Row]]:
        w, plan = self.w, self.w.plan
        yield from (("User", row) for row in self._users())
        for t, name in enumerate(TAGS):
            created = SIGNUPS_FROM - timedelta(days=30 - t)
            yield "Tag", {"id": self._id("tag", t), "name": name, **_meta(created)}
        yield from (("Product", row) for row in self._products())
        for j in range(plan.companies):
            company = w.company_row(j)
            yield "Company", company
            for k, contact in enumerate(w.contact_rows(j, company)):
                yield "Contact", contact
                for c, consent in enumerate(self._contact_consents(j, k, contact["createdAt"])):
                    yield "Consent", {"id": self._id("contact-consent", j, k, c), **consent}
        for i in range(plan.customers):
            cp = w.customer_plan(i)
            customer = w.customer_row(i, cp)
            yield "Customer", customer
            for o in cp.orders:
                updated = min(NOW, o.placed_at + timedelta(days=2 if o.status != "PENDING" else 0))
                yield (
                    "Order",
                    {
                        "id": self._id("order", i, o.n),
                        "externalId": f"SO-{i + 1:07d}-{o.n + 1:03d}",
                        "placedAt": o.placed_at,
                        "status": o.status,
                        "currency": "EUR",
                        "total": o.total,
                        **_meta(o.placed_at, updated),
                    },
                )
            for x in cp.interactions:
                yield (
                    "Interaction",
                    {
                        "id": self._id("interaction", i, x.n),
                        "kind": x.kind,
                        "occurredAt": x.occurred_at,
                        "subject": x.subject,
                        "summary": x.summary,
                        "outcome": x.outcome,
                        "sentiment": x.sentiment,
                        **_meta(x.occurred_at),
                    },
                )
            for c, (channel, purpose, granted, recorded, source) in enumerate(cp.consents):
                yield (
                    "Consent",
                    {
                        "id": self._id("customer-consent", i, c),
                        "channel": channel,
                        "purpose": purpose,
                        "granted": granted,
                        "recordedAt": recorded,
                        "source": source,
                        **_meta(recorded),
                    },
                )

    def _users(self) -> Iterator[Row]:
        rng = _rng(self.seed, "users")
        emails: set[str] = set()
        for u, role in enumerate(self.w.user_roles):
            locale, _ = self.w._locale("user", u)
            fake = self.w._faker(locale, rng)
            first, last, romanized = World._person_name(fake, rng, locale)
            email = f"{romanized}@rapport.example"
            if email in emails:
                email = f"{romanized}{u}@rapport.example"
            emails.add(email)
            created = SIGNUPS_FROM - timedelta(days=60) + timedelta(days=rng.randrange(0, 1500))
            yield {
                "id": self._id("user", u),
                "name": f"{first} {last}",
                "email": email,
                "role": role,
                **_meta(created),
            }

    def _products(self) -> Iterator[Row]:
        rng = _rng(self.seed, "product-text")
        for p in range(self.w.plan.products):
            c = self.w.product_category[p]
            category, prefix, nouns, _, _ = CATEGORIES[c]
            noun = rng.choice(nouns)
            model = f"{rng.choice('ABCDEFGHKMNPRSTX')}{rng.randrange(100, 999)}"
            name = f"{rng.choice(_ADJECTIVES)} {noun} {model}"
            created = SIGNUPS_FROM - timedelta(days=rng.randrange(0, 365))
            yield {
                "id": self._id("product", p),
                "sku": f"{prefix}-{p + 1:05d}",
                "name": name,
                "category": category,
                "description": f"{name}: {category.lower()} for businesses and home offices.",
                "price": self.w.product_price[p],
                "currency": "EUR",
                "active": rng.random() < 0.95,
                **_meta(created),
            }

    def _contact_consents(self, j: int, k: int, created: datetime) -> Iterator[Row]:
        rng = _rng(self.seed, "contact-consent", j, k)
        if rng.random() >= 0.4:
            return
        for channel in rng.sample(CONSENT_CHANNELS, rng.randrange(1, 3)):
            recorded = _datetime_between(rng, created, min(NOW, created + timedelta(days=120)))
            yield {
                "channel": channel,
                "purpose": rng.choice(CONSENT_PURPOSES),
                "granted": rng.random() < 0.75,
                "recordedAt": recorded,
                "source": rng.choice(CONSENT_SOURCES),
                **_meta(recorded),
            }

    # -- pass 2 ---------------------------------------------------------------------------------

    def rel_rows(self) -> Iterator[tuple[str, Row]]:
        w, plan, seed = self.w, self.w.plan, self.seed
        for j in range(plan.companies):
            company_id = self._id("company", j)
            rng = _rng(seed, "company-rels", j)
            staff = w.staff(j)
            for t in self._tags(rng, (55, 30, 15)):
                yield "TAGGED(Company)", {"a": company_id, "b": self._id("tag", t), "p": {}}
            current = [s.k for s in staff if s.ended_on is None]
            for s in staff:
                contact_id = self._id("contact", j, s.k)
                yield (
                    "WORKS_AT",
                    {
                        "a": contact_id,
                        "b": company_id,
                        "p": {
                            "jobTitle": s.job_title,
                            "department": s.department,
                            "seniority": s.seniority,
                            "decisionRole": s.decision_role,
                            "startedOn": s.started_on,
                            "endedOn": s.ended_on,
                        },
                    },
                )
                if s.reports_to is not None:
                    yield (
                        "REPORTS_TO",
                        {"a": contact_id, "b": self._id("contact", j, s.reports_to), "p": {}},
                    )
                # colleagues the contact knows (earlier in the list, so each pair once)
                earlier = [c for c in current if c < s.k]
                for other in rng.sample(earlier, min(len(earlier), rng.choice((0, 1, 1, 2)))):
                    yield "KNOWS", self._knows(rng, contact_id, self._id("contact", j, other))
                # an acquaintance at an earlier company (never the other way round: no repeats)
                if j > 0 and rng.random() < 0.3:
                    other_j = rng.randrange(j)
                    other_k = rng.randrange(w.company_size(other_j))
                    yield (
                        "KNOWS",
                        self._knows(rng, contact_id, self._id("contact", other_j, other_k)),
                    )
                if rng.random() < 0.3:
                    for t in self._tags(rng, (0, 80, 20)):
                        yield "TAGGED(Contact)", {"a": contact_id, "b": self._id("tag", t), "p": {}}
                for c, _ in enumerate(self._contact_consents(j, s.k, NOW)):
                    consent_id = self._id("contact-consent", j, s.k, c)
                    yield "HAS_CONSENT(Contact)", {"a": contact_id, "b": consent_id, "p": {}}
        recent_referred: deque[int] = deque(maxlen=200)
        for i in range(plan.customers):
            cp = w.customer_plan(i)
            customer_id = self._id("customer", i)
            if cp.manager is not None:
                yield "MANAGES", {"a": self._id("user", cp.manager), "b": customer_id, "p": {}}
            if cp.company is not None:
                yield (
                    "ACCOUNT_OF",
                    {"a": customer_id, "b": self._id("company", cp.company), "p": {}},
                )
            for o in cp.orders:
                order_id = self._id("order", i, o.n)
                yield "PLACED", {"a": customer_id, "b": order_id, "p": {}}
                for position, line in enumerate(o.lines):
                    yield (
                        "CONTAINS",
                        {
                            "a": order_id,
                            "b": self._id("product", line.product),
                            "p": {
                                "quantity": line.quantity,
                                "unitPrice": line.unit_price,
                                "position": position,
                            },
                        },
                    )
            for x in cp.interactions:
                interaction_id = self._id("interaction", i, x.n)
                yield "LOGGED", {"a": self._id("user", x.logged_by), "b": interaction_id, "p": {}}
                yield "WITH(Customer)", {"a": interaction_id, "b": customer_id, "p": {}}
                assert cp.company is not None or not x.contacts
                for k in x.contacts:
                    contact_id = self._id("contact", cp.company or 0, k)
                    yield "WITH(Contact)", {"a": interaction_id, "b": contact_id, "p": {}}
            for t in cp.tags:
                yield "TAGGED(Customer)", {"a": customer_id, "b": self._id("tag", t), "p": {}}
            for c in range(len(cp.consents)):
                consent_id = self._id("customer-consent", i, c)
                yield "HAS_CONSENT(Customer)", {"a": customer_id, "b": consent_id, "p": {}}
            if cp.referred:
                yield self._referral(i, cp.signup, recent_referred)
                recent_referred.append(i)

    def _tags(self, rng: random.Random, weights: tuple[int, int, int]) -> list[int]:
        count = rng.choices((0, 1, 2), weights=weights)[0]
        return sorted(set(rng.choices(range(len(TAGS)), k=count)))

    @staticmethod
    def _knows(rng: random.Random, a: str, b: str) -> Row:
        since = _date_between(rng, date(2005, 1, 1), TODAY - timedelta(days=7))
        return {"a": a, "b": b, "p": {"strength": round(rng.uniform(0.05, 1.0), 2), "since": since}}

    def _referral(self, i: int, signup: datetime, recent: deque[int]) -> tuple[str, Row]:
        """Who referred customer i: always someone earlier, so the forest is acyclic.

        Half the time the referrer is itself a recently referred customer, which grows chains
        several levels deep; 15% of referrers are contacts (people at companies).
        """
        rng = _rng(self.seed, "referral", i)
        referred_at = signup - timedelta(days=rng.randrange(1, 30), minutes=rng.randrange(1440))
        props = {
            "referredAt": referred_at,
            "channel": rng.choice(REFERRAL_CHANNELS),
            "note": rng.choice(_REFERRAL_NOTES),
        }
        target = self._id("customer", i)
        if rng.random() < 0.15:
            j = rng.randrange(self.w.plan.companies)
            k = rng.randrange(self.w.company_size(j))
            return "REFERRED(Contact)", {"a": self._id("contact", j, k), "b": target, "p": props}
        r = rng.choice(recent) if recent and rng.random() < 0.6 else rng.randrange(i)
        props["referredAt"] = max(referred_at, self.w.signup(r) + timedelta(hours=1))
        return "REFERRED(Customer)", {"a": self._id("customer", r), "b": target, "p": props}


def batches(rows: Iterator[tuple[str, Row]], batch_size: int) -> Iterator[tuple[str, list[Row]]]:
    """Group a stream of (kind, row) into per-kind lists of at most `batch_size` rows."""
    buffers: dict[str, list[Row]] = {}
    for kind, row in rows:
        buffer = buffers.setdefault(kind, [])
        buffer.append(row)
        if len(buffer) >= batch_size:
            yield kind, buffer
            buffers[kind] = []
    for kind, buffer in buffers.items():
        if buffer:
            yield kind, buffer
