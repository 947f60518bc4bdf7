"""Plans: sizes derived from the number of customers and per-entity structure (no Faker)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rapport.seed.rand import keyed_hash

# --- Plan: sizes derived from the number of customers ---------------------------------------------


def _coprime_multiplier(n: int, seed: int) -> int:
    """A multiplier near n/φ that is coprime with n: an affine bijection of range(n)."""
    a = max(1, int(n * 0.6180339887) + keyed_hash(seed, "perm") % 17)
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
            perm_b=keyed_hash(seed, "perm-b") % customers,
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
