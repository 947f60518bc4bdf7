"""The base of `World`: the seed, its plan, the small tables (users, products) and locales."""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_right
from typing import cast

from faker import Factory, Faker
from faker.generator import Generator

from rapport.seed.plans import Plan
from rapport.seed.rand import money, stream, unit
from rapport.seed.vocab import CATEGORIES, LOCALE_CUM, LOCALES


class WorldBase:
    """The seed, its plan and the small tables every part of `World` draws on."""

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
        rng = stream(self.seed, "products")
        self.product_category: list[int] = []
        self.product_price: list[int] = []
        by_category: list[list[int]] = [[] for _ in CATEGORIES]
        for p in range(self.plan.products):
            c = p % len(CATEGORIES)
            _, _, _, lo, hi = CATEGORIES[c]
            euros = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            price = money(euros if euros < 20 else math.floor(euros) + 0.99)
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
        pick = unit(self.seed, "locale", *parts) * LOCALE_CUM[-1]
        locale, country, _ = LOCALES[bisect_right(LOCALE_CUM, pick)]
        return locale, country
