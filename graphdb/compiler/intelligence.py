"""Pieces the relationship-intelligence fields share (API.md, "Meanings that are fixed"):
the union projection, the Referral shape, and the churn facts atRiskCustomers and churnRisk both
compute. Each field's plan node is its own module (graphdb/compiler/registry.py lists them).

The definitions here are the contract's: change a formula only together with API.md,
docs/intelligence.md and the field description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.model import Entity, Kind
from core.selection import Field
from graphdb.compiler.connection import EdgeShape, Page
from graphdb.compiler.plan import Emitter, Projection, _key

#: A customer is a regular buyer (and so can be at risk) only when its orders are at least this
#: many days apart on median: six orders placed in one burst are not a rhythm to break.
MIN_MEDIAN_GAP_DAYS = 1


def _entries(fields: list[tuple[str, str]]) -> str:
    return ", ".join(f"{_key(k)}: {expr}" for k, expr in fields)


@dataclass
class Union:
    """Projection of a node that may be one of several entity types."""

    by_label: dict[str, Projection]

    @property
    def needs_post(self) -> bool:
        return any(p.needs_post for p in self.by_label.values())

    def emit(self, var: str, em: Emitter) -> str:
        branches = " ".join(
            f"WHEN {var}:{label} THEN {proj.emit(var, em)}" for label, proj in self.by_label.items()
        )
        return f"CASE {branches} END"

    def post(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return self.by_label[row["__typename"]].post(row)


@dataclass
class ReferralShape:
    """What a Referral selection wants: referrer (union), referred (customer), scalars."""

    referrer_key: str | None = None
    referrer: Union | None = None
    referred_key: str | None = None
    referred: Projection | None = None
    scalars: list[tuple[str, str]] = field(default_factory=list)  # referredAt|channel|note|depth

    @property
    def needs_post(self) -> bool:
        return bool(
            (self.referrer and self.referrer.needs_post)
            or (self.referred and self.referred.needs_post)
        )

    def emit(self, rel: str, referrer: str, referred: str, depth: str, em: Emitter) -> str:
        exprs = {
            "referredAt": f"{rel}.referredAt",
            "channel": f"{rel}.channel",
            "note": f"{rel}.note",
            "depth": depth,
        }
        fields = [(k, exprs[name]) for k, name in self.scalars]
        if self.referrer is not None and self.referrer_key is not None:
            fields.append((self.referrer_key, self.referrer.emit(referrer, em)))
        if self.referred is not None and self.referred_key is not None:
            fields.append((self.referred_key, self.referred.emit(referred, em)))
        return "{" + _entries(fields) + "}"

    def post(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        if self.referrer is not None and self.referrer_key is not None:
            row[self.referrer_key] = self.referrer.post(row[self.referrer_key])
        if self.referred is not None and self.referred_key is not None:
            row[self.referred_key] = self.referred.post(row[self.referred_key])
        return row


REFERRER = "({r}:Customer OR {r}:Contact)"


def churn_subquery(var: str, as_of: str, em: Emitter) -> str:
    """Cypher (COLLECT body) giving churn facts of customer `var` as of `as_of` (a param)."""
    o, t, ts, i, gaps, g, median, count, days = (
        em.vars.new(n) for n in ("o", "t", "ts", "i", "gaps", "g", "median", "orderCount", "days")
    )
    return (
        f"OPTIONAL MATCH ({var})-[:PLACED]->({o}:Order) WITH {o}.placedAt AS {t} ORDER BY {t} "
        f"WITH collect({t}) AS {ts} "
        f"WITH {ts}, [{i} IN range(1, size({ts}) - 1) | "
        f"duration.inSeconds({ts}[{i} - 1], {ts}[{i}]).seconds / 86400.0] AS {gaps} "
        f"UNWIND (CASE WHEN size({gaps}) = 0 THEN [null] ELSE {gaps} END) AS {g} "
        f"WITH {ts}, percentileCont({g}, 0.5) AS {median} "
        f"WITH size({ts}) AS {count}, {median}, "
        f"duration.inSeconds(last({ts}), {as_of}).seconds / 86400.0 AS {days} "
        f"RETURN {{orderCount: {count}, medianGapDays: {median}, daysSinceLastOrder: {days}, "
        f"atRisk: coalesce({count} >= 3 AND {median} >= {MIN_MEDIAN_GAP_DAYS} AND {days} > "
        f"CASE WHEN 2 * {median} > 14 THEN 2 * {median} ELSE 14 END, false), "
        f"riskScore: CASE WHEN {median} > 0 THEN {days} / {median} END}}"
    )


class Planning(Protocol):
    """What a computed field's `plan` may ask of the planner (graphdb/compiler/planner.py),
    so the field modules need not import it: the planner finds them through the registry."""

    def limit(self, f: Field, path: str, name: str = "first", default: int = 10) -> int: ...

    def projection(self, entity: Entity, fields: list[Field], path: str) -> Projection: ...

    def union(self, f: Field, path: str, labels: tuple[str, ...]) -> Union: ...

    def referral_shape(self, f: Field, path: str) -> ReferralShape: ...

    def page(
        self, args: dict[str, Any], sig: str, kinds: list[tuple[Kind, bool]], path: str
    ) -> Page: ...

    def page_parts(
        self, f: Field, node_of: Callable[[Field], Any], edge_props: bool = False
    ) -> tuple[list[EdgeShape], list[tuple[str, list[tuple[str, str]]]], list[str]]: ...
