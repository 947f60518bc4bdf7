"""What a customer does: orders (cadence, lines) and interactions."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from core.model import INTERACTION_KINDS
from rapport.seed.companies import CompanyWorld
from rapport.seed.plans import InteractionPlan, Line, OrderPlan
from rapport.seed.rand import datetime_between, weighted
from rapport.seed.vocab import (
    CATEGORIES,
    INTERACTION_WEIGHTS,
    NOW,
    ORDER_HISTORY_DAYS,
    OUTCOMES,
    REMARKS,
    SENTIMENT,
    SUBJECTS,
)


class ActivityWorld(CompanyWorld):
    """The orders and interactions of a customer, drawn from the customer's stream."""

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
            times = sorted(datetime_between(rng, start, end) for _ in range(count))
        if not times:
            times = [datetime_between(rng, start, end)]
        favourites = rng.sample(range(len(CATEGORIES)), 2)
        orders: list[OrderPlan] = []
        for n, placed in enumerate(times):
            placed = placed.replace(microsecond=0)
            status = self._status(rng, (NOW - placed).days)
            lines = self._order_lines(rng, favourites, business)
            orders.append(OrderPlan(n, placed, status, lines))
        return orders

    def _order_lines(
        self, rng: random.Random, favourites: list[int], business: bool
    ) -> tuple[Line, ...]:
        """1-5 distinct products, mostly from the favourite categories, popular ones first."""
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
        return tuple(lines)

    @staticmethod
    def _status(rng: random.Random, age_days: int) -> str:
        if age_days < 3:
            return rng.choice(("PENDING", "PAID"))
        if age_days < 10:
            return rng.choice(("PAID", "SHIPPED", "SHIPPED", "DELIVERED"))
        return weighted(rng, (("DELIVERED", 95), ("CANCELLED", 3), ("REFUNDED", 2)))

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
            kind = rng.choices(INTERACTION_KINDS, weights=INTERACTION_WEIGHTS)[0]
            mean, spread = SENTIMENT.get(kind, (0.15, 0.35))
            sentiment = round(max(-1.0, min(1.0, rng.gauss(mean, spread))), 2)
            subject = rng.choice(SUBJECTS[kind])
            outcome = rng.choice(OUTCOMES[kind])
            who = rng.sample(contacts, min(len(contacts), rng.choice((0, 1, 1, 2))))
            logger = (
                manager if manager is not None and rng.random() < 0.8 else rng.choice(self.sellers)
            )
            occurred = datetime_between(rng, signup, NOW).replace(microsecond=0)
            summary = f"{subject}: {outcome.lower()}. {rng.choice(REMARKS)}"
            result.append(
                InteractionPlan(
                    n, kind, occurred, subject, summary, outcome, sentiment, logger, tuple(who)
                )
            )
        return result
