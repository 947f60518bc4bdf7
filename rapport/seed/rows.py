"""The generated graph as (kind, row) pairs, in two passes over a `World`, and batching.

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

import random
from collections import deque
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from core.model import CONSENT_CHANNELS
from rapport.seed.customers import World
from rapport.seed.people import person_name
from rapport.seed.plans import Staff
from rapport.seed.rand import Row, date_between, datetime_between, make_id, meta, stream
from rapport.seed.vocab import (
    ADJECTIVES,
    CATEGORIES,
    CONSENT_PURPOSES,
    CONSENT_SOURCES,
    NOW,
    REFERRAL_CHANNELS,
    SIGNUPS_FROM,
    TAGS,
    TODAY,
)

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
            yield (
                "Tag",
                {"id": self._id("tag", t), "name": name, "key": name.lower(), **meta(created)},
            )
        yield from (("Product", row) for row in self._products())
        for j in range(plan.companies):
            company = w.company_row(j)
            yield "Company", company
            for k, contact in enumerate(w.contact_rows(j, company)):
                yield "Contact", contact
                for c, consent in enumerate(self._contact_consents(j, k, contact["createdAt"])):
                    yield "Consent", {"id": self._id("contact-consent", j, k, c), **consent}
        for i in range(plan.customers):
            yield from self._customer_nodes(i)

    def _customer_nodes(self, i: int) -> Iterator[tuple[str, Row]]:
        """Customer i's node, then its orders, interactions and consents."""
        cp = self.w.customer_plan(i)
        yield "Customer", self.w.customer_row(i, cp)
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
                    **meta(o.placed_at, updated),
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
                    **meta(x.occurred_at),
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
                    **meta(recorded),
                },
            )

    def _users(self) -> Iterator[Row]:
        rng = stream(self.seed, "users")
        emails: set[str] = set()
        for u, role in enumerate(self.w.user_roles):
            locale, _ = self.w._locale("user", u)
            fake = self.w._faker(locale, rng)
            first, last, romanized = person_name(fake, rng, locale)
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
                **meta(created),
            }

    def _products(self) -> Iterator[Row]:
        rng = stream(self.seed, "product-text")
        for p in range(self.w.plan.products):
            c = self.w.product_category[p]
            category, prefix, nouns, _, _ = CATEGORIES[c]
            noun = rng.choice(nouns)
            model = f"{rng.choice('ABCDEFGHKMNPRSTX')}{rng.randrange(100, 999)}"
            name = f"{rng.choice(ADJECTIVES)} {noun} {model}"
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
                **meta(created),
            }

    def _contact_consents(self, j: int, k: int, created: datetime) -> Iterator[Row]:
        rng = stream(self.seed, "contact-consent", j, k)
        if rng.random() >= 0.4:
            return
        for channel in rng.sample(CONSENT_CHANNELS, rng.randrange(1, 3)):
            recorded = datetime_between(rng, created, min(NOW, created + timedelta(days=120)))
            yield {
                "channel": channel,
                "purpose": rng.choice(CONSENT_PURPOSES),
                "granted": rng.random() < 0.75,
                "recordedAt": recorded,
                "source": rng.choice(CONSENT_SOURCES),
                **meta(recorded),
            }

    # -- pass 2 ---------------------------------------------------------------------------------

    def rel_rows(self) -> Iterator[tuple[str, Row]]:
        for j in range(self.w.plan.companies):
            yield from self._company_rels(j)
        recent_referred: deque[int] = deque(maxlen=200)
        for i in range(self.w.plan.customers):
            yield from self._customer_rels(i, recent_referred)

    def _company_rels(self, j: int) -> Iterator[tuple[str, Row]]:
        """Company j's tags, then per contact: employment, manager, acquaintances, tags, consent."""
        company_id = self._id("company", j)
        rng = stream(self.seed, "company-rels", j)
        staff = self.w.staff(j)
        for t in self._tags(rng, (55, 30, 15)):
            yield "TAGGED(Company)", {"a": company_id, "b": self._id("tag", t), "p": {}}
        current = [s.k for s in staff if s.ended_on is None]
        for s in staff:
            yield from self._contact_rels(rng, j, s, company_id, current)

    def _contact_rels(
        self, rng: random.Random, j: int, s: Staff, company_id: str, current: list[int]
    ) -> Iterator[tuple[str, Row]]:
        """Contact s of company j: WORKS_AT, REPORTS_TO, KNOWS, TAGGED and HAS_CONSENT."""
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
            other_k = rng.randrange(self.w.company_size(other_j))
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

    def _customer_rels(self, i: int, recent_referred: deque[int]) -> Iterator[tuple[str, Row]]:
        """Customer i's manager, account, orders, interactions, tags, consents and referrer."""
        cp = self.w.customer_plan(i)
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
        since = date_between(rng, date(2005, 1, 1), TODAY - timedelta(days=7))
        return {"a": a, "b": b, "p": {"strength": round(rng.uniform(0.05, 1.0), 2), "since": since}}

    def _referral(self, i: int, signup: datetime, recent: deque[int]) -> tuple[str, Row]:
        """Who referred customer i: always someone earlier, so the forest is acyclic.

        Half the time the referrer is itself a recently referred customer, which grows chains
        several levels deep; 15% of referrers are contacts (people at companies).
        """
        rng = stream(self.seed, "referral", i)
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
