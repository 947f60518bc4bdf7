"""Plan nodes for the relationship-intelligence fields (API.md, "Meanings that are fixed").

Each node compiles to a Cypher expression over the entity variable it hangs from, so the fields
nest anywhere inside a root field's single statement. The definitions here are the contract's:
change a formula only together with API.md, docs/intelligence.md and the field description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.model import Kind
from graphdb.compiler.plan import Emitter, Item, PageShape, Projection, _key, returning

#: Influence weights (docs/intelligence.md). Every reason adds weight; a larger span never
#: lowers the score because the span term grows with span.
W_ROLE, W_SENIORITY, W_SPAN, W_SPAN_SHARE = 0.4, 0.3, 0.3, 0.3

CURRENT = "({w}.endedOn IS NULL OR {w}.endedOn > date())"
ROLE_VALUES = "['DECISION_MAKER', 'ECONOMIC_BUYER']"
SENIOR_VALUES = "['OWNER', 'C_LEVEL']"

#: A customer is a regular buyer (and so can be at risk) only when its orders are at least this
#: many days apart on median: six orders placed in one burst are not a rhythm to break.
MIN_MEDIAN_GAP_DAYS = 1

#: Best sellers (the recommendation for a customer without orders) are counted over this many
#: of the most recent orders.
BEST_SELLER_WINDOW = 2000

#: `recommendations(approximate: true)` reads at most this many co-buyers per product of the
#: customer (whichever the database reaches first), so its cost stops growing with the number
#: of customers who bought a popular product (bench/recommendations.py measures its precision)
APPROXIMATE_CO_BUYERS = 150


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
class KeyDecisionMakers(Item):
    """The contract's key decision-makers of company `var` (ROLE, SENIORITY, SPAN)."""

    key: str
    first: int
    contact_key: str | None
    contact: Projection | None
    scalars: list[tuple[str, str]]  # (response key, reasons|span|influence|jobTitle|…)

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return bool(self.contact and self.contact.needs_post)

    def emit(self, var: str, em: Emitter) -> str:
        s, k, x, w, w2, p = (em.vars.new(v) for v in ("s", "k", "x", "w", "w", "p"))
        staff, span, staff_count, jobs, j, v, r = (
            em.vars.new(n) for n in ("staff", "span", "staffCount", "jobs", "j", "v", "r")
        )
        role, senior, span_reason, influence = (
            em.vars.new(n) for n in ("role", "senior", "spanReason", "influence")
        )
        first = em.params.add(self.first)
        exprs = {
            "reasons": f"[{r} IN [['ROLE', {role}], ['SENIORITY', {senior}], "
            f"['SPAN', {span_reason}]] WHERE {r}[1] | {r}[0]]",
            "span": span,
            "influence": influence,
            "jobTitle": f"{w2}.jobTitle",
            "department": f"{w2}.department",
            "seniority": f"{w2}.seniority",
            "decisionRole": f"{w2}.decisionRole",
        }
        fields = [(key, exprs[name]) for key, name in self.scalars]
        scope = [k, w2, span, role, senior, span_reason, influence]
        if self.contact is not None and self.contact_key is not None:
            fields.append((self.contact_key, self.contact.emit(k, em)))
        return (
            f"COLLECT {{ MATCH ({var})<-[{w}:WORKS_AT]-({s}:Contact) WHERE {CURRENT.format(w=w)} "
            f"WITH collect(DISTINCT {s}) AS {staff} "
            f"UNWIND {staff} AS {k} "
            f"CALL ({k}, {staff}) {{ "
            f"OPTIONAL MATCH {p} = ({x}:Contact)-[:REPORTS_TO*1..]->({k}) "
            f"WHERE all({v} IN nodes({p}) WHERE {v} IN {staff}) "
            f"RETURN count(DISTINCT {x}) AS {span} }} "
            f"MATCH ({var})<-[{w2}:WORKS_AT]-({k}) WHERE {CURRENT.format(w=w2)} "
            f"WITH {k}, {span}, size({staff}) AS {staff_count}, {w2} "
            f"ORDER BY {w2}.startedOn DESC "
            f"WITH {k}, {span}, {staff_count}, collect({w2}) AS {jobs} "
            f"WITH {k}, {span}, {staff_count}, {jobs}[0] AS {w2}, "
            f"any({j} IN {jobs} WHERE coalesce({j}.decisionRole, '') IN {ROLE_VALUES}) AS {role}, "
            f"any({j} IN {jobs} WHERE coalesce({j}.seniority, '') IN {SENIOR_VALUES}) "
            f"AS {senior}, "
            f"({span} >= 2 AND {span} * 3 >= {staff_count}) AS {span_reason} "
            f"WHERE {role} OR {senior} OR {span_reason} "
            f"WITH {k}, {w2}, {span}, {role}, {senior}, {span_reason}, "
            f"round({W_ROLE} * toFloat(toInteger({role})) "
            f"+ {W_SENIORITY} * toFloat(toInteger({senior})) "
            f"+ {W_SPAN} * toFloat(toInteger({span_reason})) "
            f"+ {W_SPAN_SHARE} * toFloat({span}) / {staff_count}, 6) AS {influence} "
            f"ORDER BY {influence} DESC, {k}.id ASC LIMIT {first} "
            f"{returning(em, scope, '{' + _entries(fields) + '}')} }}"
        )

    def post(self, value: Any) -> Any:
        if self.contact is not None and self.contact_key is not None:
            for row in value or []:
                row[self.contact_key] = self.contact.post(row[self.contact_key])
        return value


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


@dataclass
class ReferredBy(Item):
    key: str
    shape: ReferralShape

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.shape.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        r, x = em.vars.new("r"), em.vars.new("x")
        return (
            f"head(COLLECT {{ MATCH ({r})-[{x}:REFERRED]->({var}) WHERE {REFERRER.format(r=r)} "
            f"{returning(em, [r, x], self.shape.emit(x, r, var, '1', em))} }})"
        )

    def post(self, value: Any) -> Any:
        return self.shape.post(value)


#: The order of `Customer.referrals`: nearest first, then by the referred customer's uuid.
REFERRAL_ORDER = [("depth", False), ("id", False)]
#: What a referrals cursor holds: the depth and the referred customer's uuid, never null.
REFERRAL_CURSOR = [(Kind.INT, False), (Kind.ID, False)]


@dataclass
class Referrals(Item):
    """Everyone referred by `var`, directly or through others, up to `depth` levels down: a
    keyset-paginated connection of referrals, ordered by (depth, referred customer's uuid).

    A customer is referred at most once, so each one downstream is reached by exactly one path
    and appears exactly once, at its own depth.
    """

    key: str
    depth: int
    shape: PageShape

    needs_post: bool = True

    def _paths(self, var: str, p: str, m: str) -> str:
        # The depth bound is a validated integer (1..10): Cypher needs it as a literal.
        return f"{p} = ({var})-[:REFERRED*1..{int(self.depth)}]->({m}:Customer)"

    def emit(self, var: str, em: Emitter) -> str:
        total = "null"
        if self.shape.total_keys:
            p2, m2 = em.vars.new("p"), em.vars.new("m")
            total = f"COUNT {{ MATCH {self._paths(var, p2, m2)} }}"
        if not (self.shape.edges or self.shape.page_info):
            return f"{{rows: [], total: {total}}}"
        p, m, depth, x, r = (em.vars.new(n) for n in ("p", "m", "depth", "x", "r"))
        page = self.shape.page
        where = ""
        if page.after is not None:
            after_depth, after_id = em.params.add(page.after[0]), em.params.add(page.after[1])
            where = (
                f"WHERE {depth} >= {after_depth} AND (CASE WHEN {depth} = {after_depth} "
                f"THEN {m}.id > {after_id} ELSE true END) "
            )
        limit = em.params.add(page.size + 1)
        edges = []
        for edge in self.shape.edges:
            parts = []
            if edge.node is not None and edge.node_key is not None:
                parts.append(f"{_key(edge.node_key)}: {edge.node.emit(x, r, m, depth, em)}")
            edges.append(f"{_key(edge.key)}: {{{', '.join(parts)}}}")
        row = f"{{__sort: [{depth}, {m}.id], e: {{{', '.join(edges)}}}}}"
        rows = (
            f"COLLECT {{ MATCH {self._paths(var, p, m)} "
            f"WITH {m}, length({p}) AS {depth}, last(relationships({p})) AS {x}, "
            f"nodes({p})[-2] AS {r} {where}"
            f"ORDER BY {depth} ASC, {m}.id ASC LIMIT {limit} "
            f"{returning(em, [m, depth, x, r], row)} }}"
        )
        return f"{{rows: {rows}, total: {total}}}"

    def post(self, value: Any) -> Any:
        return self.shape.post(value)


@dataclass
class ReferralChain(Item):
    """Referrers of `var`, nearest first, up to the origin."""

    key: str
    referrer: Union

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return self.referrer.needs_post

    def emit(self, var: str, em: Emitter) -> str:
        p, o, v, i = (em.vars.new(n) for n in ("p", "o", "v", "i"))
        # One row per referrer, nearest first, rather than a list comprehension: a nested
        # field may aggregate (a referral network's size), which Cypher forbids inside one.
        return (
            f"COLLECT {{ MATCH {p} = ({o})-[:REFERRED*1..]->({var}) "
            f"WHERE NOT EXISTS {{ ()-[:REFERRED]->({o}) }} "
            f"UNWIND range(1, length({p})) AS {i} "
            f"WITH {i}, nodes({p})[length({p}) - {i}] AS {v} ORDER BY {i} "
            f"{returning(em, [i, v], self.referrer.emit(v, em))} }}"
        )

    def post(self, value: Any) -> Any:
        return [self.referrer.post(v) for v in value or []]


@dataclass
class ReferralNetwork(Item):
    key: str
    fields: list[tuple[str, str]]  # (response key, size|depth|revenue)

    def emit(self, var: str, em: Emitter) -> str:
        p, m = em.vars.new("p"), em.vars.new("m")
        names = {n: em.vars.new(n) for n in ("size", "depth", "revenue")}
        return (
            f"head(COLLECT {{ OPTIONAL MATCH {p} = ({var})-[:REFERRED*1..]->({m}:Customer) "
            f"WITH count(DISTINCT {m}) AS {names['size']}, "
            f"coalesce(max(length({p})), 0) AS {names['depth']}, "
            f"coalesce(sum({m}.totalSpent), 0) AS {names['revenue']} "
            f"RETURN {{{_entries([(k, names[n]) for k, n in self.fields])}}} }})"
        )


@dataclass
class Recommendations(Item):
    """Products the customer has not bought, scored by co-purchasing customers.

    Only active products are proposed (an inactive one cannot be ordered). A customer with no
    orders has no co-buyers; it gets the best sellers among customers of its own kind
    (BUSINESS or INDIVIDUAL) instead, marked `basis: BEST_SELLER`.
    """

    key: str
    first: int
    product_key: str | None
    product: Projection | None
    with_key: str | None
    bought_with: Projection | None
    score_keys: list[str]
    basis_keys: list[str] = field(default_factory=list)
    #: score over a bounded sample of co-buyers (APPROXIMATE_CO_BUYERS per product)
    approximate: bool = False

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return bool(
            (self.product and self.product.needs_post)
            or (self.bought_with and self.bought_with.needs_post)
        )

    def _fields(self, cand: str, score: str, basis: str, em: Emitter) -> list[tuple[str, str]]:
        fields = [(k, score) for k in self.score_keys] + [
            (k, f"'{basis}'") for k in self.basis_keys
        ]
        if self.product is not None and self.product_key is not None:
            fields.append((self.product_key, self.product.emit(cand, em)))
        return fields

    def emit(self, var: str, em: Emitter) -> str:
        return f"{self._co_purchase(var, em)} + {self._best_sellers(var, em)}"

    def _co_purchase(self, var: str, em: Emitter) -> str:
        m, p, other, cand, x, v = (em.vars.new(n) for n in ("m", "p", "o", "c", "x", "v"))
        mine, others, bought, score, via = (
            em.vars.new(n) for n in ("mine", "others", "bought", "score", "via")
        )
        first = em.params.add(self.first)
        fields = self._fields(cand, score, "CO_PURCHASE", em)
        via_clause = ""
        if self.bought_with is not None and self.with_key is not None:
            fields.append((self.with_key, f"[{v} IN {via} | {self.bought_with.emit(v, em)}]"))
            # Only for the few recommendations returned: which of the customer's products
            # some co-buyer also bought together with the candidate.
            o2, q = em.vars.new("o"), em.vars.new("q")
            via_clause = (
                f"WITH {cand}, {score}, [{q} IN {mine} WHERE EXISTS {{ "
                f"MATCH ({q})<-[:CONTAINS]-(:Order)<-[:PLACED]-({o2}:Customer) "
                f"WHERE {o2} <> {var} "
                # A second MATCH: one pattern would need two different PLACED relationships
                # and miss a co-buyer who bought both in the same order.
                f"MATCH ({o2})-[:PLACED]->(:Order)-[:CONTAINS]->({cand}) }}] AS {via} "
            )
        scope = [cand, score] + ([via] if via_clause else [])
        return (
            f"COLLECT {{ MATCH ({var})-[:PLACED]->(:Order)-[:CONTAINS]->({m}:Product) "
            f"WITH DISTINCT {m} ORDER BY {m}.sku WITH collect({m}) AS {mine} "
            f"UNWIND {mine} AS {p} "
            # The co-buyers once each, however many of the customer's products they share, so
            # each one's purchases are read once: the work is one pass over their order lines.
            f"{self._co_buyers(var, p, other, em)}"
            f"WITH {mine}, collect(DISTINCT {other}) AS {others} UNWIND {others} AS {other} "
            f"MATCH ({other})-[:PLACED]->(:Order)-[:CONTAINS]->({x}:Product) "
            f"WITH {mine}, {other}, collect(DISTINCT {x}) AS {bought} UNWIND {bought} AS {cand} "
            # Counting before excluding the customer's own products keeps the list test to one
            # per product instead of one per order line.
            f"WITH {mine}, {cand}, count(*) AS {score} "
            f"WHERE NOT {cand} IN {mine} AND coalesce({cand}.active, true) "
            f"WITH {mine}, {cand}, {score} ORDER BY {score} DESC, {cand}.sku ASC LIMIT {first} "
            f"{via_clause}"
            f"{returning(em, scope, '{' + _entries(fields) + '}')} }}"
        )

    def _co_buyers(self, var: str, p: str, other: str, em: Emitter) -> str:
        """The customers other than `var` who bought product `p`: all of them, or in the
        approximate mode the first APPROXIMATE_CO_BUYERS the database reaches (a LIMIT with no
        ORDER BY stops reading there, so a best-selling product costs no more than any other)."""
        if not self.approximate:
            return (
                f"MATCH ({p})<-[:CONTAINS]-(:Order)<-[:PLACED]-({other}:Customer) "
                f"WHERE {other} <> {var} "
            )
        limit = em.params.add(APPROXIMATE_CO_BUYERS)
        return (
            f"CALL ({p}, {var}) {{ MATCH ({p})<-[:CONTAINS]-(:Order)<-[:PLACED]-({other}:Customer) "
            f"WHERE {other} <> {var} RETURN DISTINCT {other} LIMIT {limit} }} "
        )

    def _best_sellers(self, var: str, em: Emitter) -> str:
        """Best sellers among customers of the same kind over the latest BEST_SELLER_WINDOW
        orders, only for a customer with no orders."""
        other, cand, score = em.vars.new("o"), em.vars.new("c"), em.vars.new("score")
        first = em.params.add(self.first)
        fields = self._fields(cand, score, "BEST_SELLER", em)
        if self.with_key is not None:
            fields.append((self.with_key, "[]"))
        order = em.vars.new("order")
        return (
            f"COLLECT {{ WITH {var} WHERE NOT EXISTS {{ ({var})-[:PLACED]->(:Order) }} "
            # In a subquery run per row that passed the filter: otherwise the planner may scan
            # the latest orders first and test "has no orders" on each of them, for every
            # customer (3M database hits per customer at 100k).
            f"CALL ({var}) {{ "
            # The latest orders only, read from the placedAt index newest first: a best seller
            # is what sells now, and the cost stays flat however large the order history grows.
            f"MATCH ({order}:Order) WHERE {order}.placedAt IS NOT NULL "
            f"WITH {var}, {order} ORDER BY {order}.placedAt DESC LIMIT {BEST_SELLER_WINDOW} "
            f"MATCH ({other}:Customer)-[:PLACED]->({order})-[:CONTAINS]->({cand}:Product) "
            f"WHERE {other}.kind = {var}.kind AND coalesce({cand}.active, true) "
            f"WITH {cand}, count(DISTINCT {other}) AS {score} "
            f"ORDER BY {score} DESC, {cand}.sku ASC LIMIT {first} "
            f"RETURN {cand}, {score} }} "
            f"WITH {cand}, {score} ORDER BY {score} DESC, {cand}.sku ASC "
            f"{returning(em, [cand, score], '{' + _entries(fields) + '}')} }}"
        )

    def post(self, value: Any) -> Any:
        for row in value or []:
            if self.product is not None and self.product_key is not None:
                row[self.product_key] = self.product.post(row[self.product_key])
            if self.bought_with is not None and self.with_key is not None:
                row[self.with_key] = [self.bought_with.post(x) for x in row[self.with_key]]
        return value


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


@dataclass
class ChurnRisk(Item):
    key: str
    as_of: Any | None  # datetime or None for now
    fields: list[tuple[str, str]]

    def emit(self, var: str, em: Emitter) -> str:
        as_of = em.params.add(self.as_of) if self.as_of is not None else "datetime()"
        inner = churn_subquery(var, as_of, em)
        return f"head(COLLECT {{ {inner} }})"

    needs_post: bool = True

    def post(self, value: Any) -> Any:
        if value is None:
            return None
        return {k: value[name] for k, name in self.fields}
