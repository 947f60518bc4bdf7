"""Customers: plans, node properties and planted near-duplicates; the complete `World`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import phonenumbers

from core.model import CONSENT_CHANNELS
from rapport.seed.activity import ActivityWorld
from rapport.seed.people import as_stored, person_name, recase, street, typo
from rapport.seed.plans import CustomerPlan, DuplicatePair, external_id
from rapport.seed.rand import (
    Row,
    datetime_between,
    make_id,
    meta,
    phone_number,
    stream,
    unit,
    weighted,
)
from rapport.seed.vocab import CONSENT_PURPOSES, CONSENT_SOURCES, FREEMAIL, LEAD_SOURCES, NOW, TAGS


class World(ActivityWorld):
    """Everything about one seeded graph that can be derived on demand."""

    # -- customers ------------------------------------------------------------------------------

    def is_referred(self, i: int) -> bool:
        return i > 0 and unit(self.seed, "referred", i) < 0.25

    def duplicate_of(self, i: int) -> int | None:
        """The earlier INDIVIDUAL customer that customer i is a planted near-duplicate of."""
        if i < 2 or self.company_of_customer(i) is not None:
            return None
        share = 0.02 * self.plan.customers / max(1, self.plan.customers - self.plan.business)
        if unit(self.seed, "dup", i) >= share:
            return None
        rng = stream(self.seed, "dup-of", i)
        for _ in range(40):
            j = i - 1 - rng.randrange(min(i - 1, 2000))
            if self.company_of_customer(j) is None and self.duplicate_of(j) is None:
                return j
        return None

    def customer_plan(self, i: int) -> CustomerPlan:
        """Customer i's structure: kind, orders (cadence), interactions, tags, consents."""
        rng = stream(self.seed, "customer", i)
        company = self.company_of_customer(i)
        dup = self.duplicate_of(i)
        signup = self.signup(i)
        manager = rng.choice(self.sellers) if rng.random() < 0.9 else None
        segment = weighted(
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
                datetime_between(rng, signup, min(NOW, signup + timedelta(days=90))),
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
            lead_source="Referral" if referred else weighted(rng, LEAD_SOURCES),
            lifecycle=lifecycle,
            referred=referred,
        )

    def customer_row(self, i: int, plan: CustomerPlan) -> Row:
        """Customer i's node properties, aggregates computed from its own orders."""
        if plan.duplicate_of is not None:
            core, _ = self.duplicate_core(i, plan.duplicate_of)
            core = as_stored(core)
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
            **meta(plan.signup, updated),
        }

    def customer_core(self, i: int) -> Row:
        """name, email, phone and address: the company's for BUSINESS, a person's otherwise."""
        company = self.company_of_customer(i)
        rng = stream(self.seed, "customer-core", i)
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
        first, last, romanized = person_name(fake, rng, locale)
        local = romanized if rng.random() < 0.5 else f"{romanized}{rng.randrange(1, 999)}"
        return {
            "name": f"{first} {last}",
            "email": f"{local}@{rng.choice(FREEMAIL[country])}",
            "phone": phone_number(rng, country),
            "addressLine1": street(fake),
            "postalCode": fake.postcode(),
            "city": fake.city(),
            "region": fake.administrative_unit(),
            "country": country,
        }

    def duplicate_core(self, i: int, j: int) -> tuple[Row, tuple[str, ...]]:
        """Customer j's core with the kind of noise a second manual entry has."""
        core = dict(self.customer_core(j))
        rng = stream(self.seed, "dup-core", i)
        core["name"] = typo(rng, core["name"])
        variations = ["name typo"]
        style = rng.random()
        if style < 0.4:
            variations.append("same email")
        elif style < 0.8:
            core["email"] = recase(rng, core["email"])
            variations.append("email case")
        else:
            core["email"] = f" {recase(rng, core['email'])} "
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
