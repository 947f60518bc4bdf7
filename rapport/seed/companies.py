"""Companies, their org charts (staff, REPORTS_TO) and contacts."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from rapport.seed.people import person_name, personal_notes, street, video_handle
from rapport.seed.plans import Staff
from rapport.seed.rand import (
    Row,
    ascii_slug,
    date_between,
    make_id,
    meta,
    phone_number,
    stream,
    unit,
    weighted,
)
from rapport.seed.vocab import (
    C_TITLES,
    CURRENCY,
    DECISION_ROLES_OF,
    DEPARTMENTS,
    FX,
    INDUSTRIES,
    LEGAL_FORMS,
    NAME_TAILS,
    NAME_WORDS,
    NOW,
    RANKED,
    SENIORITY_RANK,
    SIGNUPS_FROM,
    TITLE_PATTERNS,
    TLD,
    TODAY,
)
from rapport.seed.world import WorldBase


class CompanyWorld(WorldBase):
    """Company j: its size, customer account, properties, staff and contacts."""

    # -- companies and their people -------------------------------------------------------------

    def company_size(self, j: int) -> int:
        """Contacts on record at company j: mostly 1-3, a few big org charts of 50-300."""
        cached = self._company_sizes.get(j)
        if cached is not None:
            return cached
        u = unit(self.seed, "company-size", j)
        if j < 2 or u < 0.003:
            size = 50 + int(250 * unit(self.seed, "big", j) ** 2)
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
        offset = span * (i + unit(self.seed, "signup", i)) / self.plan.customers
        return SIGNUPS_FROM + timedelta(seconds=int(offset))

    def company_created(self, j: int) -> datetime:
        i = self.customer_of_company(j)
        if i is not None:
            return self.signup(i) - timedelta(days=int(unit(self.seed, "cc", j) * 20))
        return SIGNUPS_FROM + timedelta(days=int(unit(self.seed, "cc", j) * 2000))

    def staff(self, j: int) -> list[Staff]:
        """Company j's people: seniority, role, employment dates and the REPORTS_TO tree.

        Contact 0 is the top (OWNER or C_LEVEL); current staff are ordered by seniority and each
        reports to an earlier, strictly more senior current colleague (or to the top), so the
        tree is acyclic and seniority-consistent. ~8% are former employees outside the tree.
        """
        n = self.company_size(j)
        rng = stream(self.seed, "staff", j)
        founded = TODAY - timedelta(days=rng.randrange(365 * 3, 365 * 30))
        top = "OWNER" if n <= 15 and rng.random() < 0.75 else "C_LEVEL"
        senior_weights = (0, 6, 4, 8, 16, 24, 42) if n > 15 else (0, 3, 0, 4, 10, 25, 58)
        others = rng.choices(range(len(RANKED)), weights=senior_weights, k=n - 1)
        ranks = [SENIORITY_RANK[top], *sorted(max(r, 1) for r in others)]
        current: list[int] = []
        people: list[Staff] = []
        for k, rank in enumerate(ranks):
            seniority = RANKED[rank]
            former = k > 0 and rng.random() < 0.08
            department = "Executive" if k == 0 else rng.choice(DEPARTMENTS[1:])
            if seniority in ("OWNER", "C_LEVEL"):
                title = (
                    "Owner & Managing Director" if seniority == "OWNER" else C_TITLES[department]
                )
            else:
                title = TITLE_PATTERNS[seniority].format(d=department)
            started = date_between(rng, founded, TODAY - timedelta(days=30))
            if former:
                left = TODAY - timedelta(days=14)  # always in the past
                ended: date | None = date_between(
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
                    decision_role=weighted(rng, DECISION_ROLES_OF[seniority]),
                    started_on=started,
                    ended_on=ended,
                    reports_to=boss,
                )
            )
        return people

    def company_row(self, j: int) -> Row:
        """Company j's node properties (Faker text from its own stream)."""
        locale, country = self._locale("company", j)
        rng = stream(self.seed, "company", j)
        fake = self._faker(locale, rng)
        legal_form = weighted(rng, LEGAL_FORMS[country])
        style = rng.random()
        if country == "CN":
            base = str(fake.company()).removesuffix("有限公司")
            slug = ascii_slug(f"{fake.last_romanized_name()} {rng.choice(NAME_TAILS)}")
        else:
            if style < 0.4:
                base = f"{fake.last_name_male()}"
            elif style < 0.6:
                base = f"{fake.last_name_male()} & {fake.last_name_male()}"
            else:
                base = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_TAILS)}"
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
        revenue = round(revenue_eur * FX[currency], -3)
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
            "addressLine1": street(fake),
            "postalCode": fake.postcode(),
            "city": fake.city(),
            "region": fake.administrative_unit(),
            "country": country,
            **meta(created, min(NOW, created + timedelta(days=rng.randrange(0, 400)))),
        }

    def company_phone(self, j: int) -> str:
        """The switchboard number of company j (companies store none; their accounts do)."""
        _, country = self._locale("company", j)
        return phone_number(stream(self.seed, "company-phone", j), country, fixed=True)

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
            rng = stream(self.seed, "contact", j, k)
            # a quarter of the staff come from another of the supported countries
            loc, ctry = (locale, country) if rng.random() < 0.75 else self._locale("c", j, k)
            fake = self._faker(loc, rng)
            first, last, romanized = person_name(fake, rng, loc)
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
                "phone": phone_number(rng, ctry),
                "videoHandle": video_handle(rng, romanized, company["domain"]),
                "birthday": date_between(rng, date(1958, 1, 1), date(2003, 12, 31)),
                "personalNotes": personal_notes(rng, fake),
                "addressLine1": street(fake),
                "postalCode": fake.postcode(),
                "city": company["city"] if rng.random() < 0.7 and ctry == country else fake.city(),
                "region": fake.administrative_unit(),
                "country": ctry,
                **meta(made, min(NOW, made + timedelta(days=rng.randrange(0, 300)))),
            }
