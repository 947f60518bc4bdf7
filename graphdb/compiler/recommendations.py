"""`Customer.recommendations(first:, approximate:)`: products the customer has not bought,
scored by co-purchasing customers, or best sellers for a customer without orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.model import ENTITIES
from core.selection import Field
from graphdb.compiler.build import emit, nested, returning
from graphdb.compiler.intelligence import Planning
from graphdb.compiler.plan import Emitter, Item, Projection
from graphdb.cypher import Lit, Map, Node, Param, Q, Var, collect

#: Best sellers (the recommendation for a customer without orders) are counted over this many
#: of the most recent orders.
BEST_SELLER_WINDOW = 2000

#: `recommendations(approximate: true)` reads at most this many co-buyers per product of the
#: customer (whichever the database reaches first), so its cost stops growing with the number
#: of customers who bought a popular product (bench/recommendations.py measures its precision)
APPROXIMATE_CO_BUYERS = 150


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

    def _fields(self, cand: Var, score: Var, basis: str, em: Emitter) -> list[tuple[str, Node]]:
        fields: list[tuple[str, Node]] = [(k, score) for k in self.score_keys]
        fields += [(k, Lit(basis)) for k in self.basis_keys]
        if self.product is not None and self.product_key is not None:
            fields.append((self.product_key, nested(self.product, cand, em)))
        return fields

    def emit(self, var: str, em: Emitter) -> str:
        customer = Var.bound(var)
        tree = Q("{a} + {b}", a=self._co_purchase(customer, em), b=self._best_sellers(customer, em))
        return emit(tree, em)

    def _co_purchase(self, customer: Var, em: Emitter) -> Node:
        hints = ("m", "p", "o", "c", "x", "v", "mine", "others", "bought", "score", "via")
        v: dict[str, Var] = {h: Var(h) for h in (*hints, "shared", "shareds")}
        fields = self._fields(v["c"], v["score"], "CO_PURCHASE", em)
        via = self._via(v, fields, em)
        scope = [v["c"], v["score"]] + ([v["via"]] if via else [])
        # With `boughtWith`, each co-buyer carries the customer's products it bought (`shared`)
        # through the one pass, and each candidate the lists of its co-buyers (`shareds`).
        carry = " {shared}," if via else ""
        carried = ", collect({shared}) AS {shareds}" if via else ""
        kept = ", {shareds}" if via else ""
        return collect(
            Q(
                "MATCH ({customer})-[:PLACED]->(:Order)-[:CONTAINS]->({m}:Product)",
                customer=customer,
                **v,
            ),
            Q(
                "WITH DISTINCT {m} ORDER BY {m}.sku "
                "WITH collect({m}) AS {mine} UNWIND {mine} AS {p}",
                **v,
            ),
            # The co-buyers once each, however many of the customer's products they share, so
            # each one's purchases are read once: the work is one pass over their order lines.
            self._co_buyers(customer, v["p"], v["o"]),
            Q("WITH {mine}, {o}, collect(DISTINCT {p}) AS {shared}", **v)
            if via
            else Q("WITH {mine}, collect(DISTINCT {o}) AS {others} UNWIND {others} AS {o}", **v),
            Q("MATCH ({o})-[:PLACED]->(:Order)-[:CONTAINS]->({x}:Product)", **v),
            Q(
                "WITH {mine}, {o},"
                + carry
                + " collect(DISTINCT {x}) AS {bought} UNWIND {bought} AS {c}",
                **v,
            ),
            # Counting before excluding the customer's own products keeps the list test to one
            # per product instead of one per order line.
            Q(
                "WITH {mine}, {c}, count(*) AS {score}"
                + carried
                + " WHERE NOT {c} IN {mine} AND coalesce({c}.active, true)",
                **v,
            ),
            Q(
                "WITH {mine}, {c}, {score}" + kept + " ORDER BY {score} DESC, {c}.sku ASC "
                "LIMIT {first}",
                first=Param(self.first),
                **v,
            ),
            *via,
            returning(scope, Map(fields)),
        )

    def _via(self, v: dict[str, Var], fields: list[tuple[str, Node]], em: Emitter) -> list[Node]:
        """`boughtWith`, only for the few recommendations returned: the customer's products
        that its co-buyers of the candidate bought, from the `shareds` the one pass carried (no
        second walk through the order history: asking each product again for co-buyers who
        also bought the candidate cost 25 s for the busiest buyer at 10k customers)."""
        if self.bought_with is None or self.with_key is None:
            return []
        each = Q(
            "[{v} IN {via} | {p}]",
            p=nested(self.bought_with, v["v"], em),
            **{k: v[k] for k in ("v", "via")},
        )
        fields.append((self.with_key, each))
        return [
            Q(
                "CALL ({shareds}) {{ UNWIND {shareds} AS {s} UNWIND {s} AS {q} "
                "RETURN collect(DISTINCT {q}) AS {led} }} "
                "WITH {c}, {score}, [{q} IN {mine} WHERE {q} IN {led}] AS {via}",
                s=Var("s"),
                q=Var("q"),
                led=Var("led"),
                **v,
            )
        ]

    def _co_buyers(self, customer: Var, p: Var, other: Var) -> Node:
        """The customers other than `customer` who bought product `p`: all of them, or in the
        approximate mode the first APPROXIMATE_CO_BUYERS the database reaches (a LIMIT with no
        ORDER BY stops reading there, so a best-selling product costs no more than any other)."""
        match = Q(
            "MATCH ({p})<-[:CONTAINS]-(:Order)<-[:PLACED]-({o}:Customer) WHERE {o} <> {c}",
            p=p,
            o=other,
            c=customer,
        )
        if not self.approximate:
            return match
        return Q(
            "CALL ({p}, {c}) {{ {match} RETURN DISTINCT {o} LIMIT {limit} }}",
            p=p,
            c=customer,
            match=match,
            o=other,
            limit=Param(APPROXIMATE_CO_BUYERS),
        )

    def _best_sellers(self, customer: Var, em: Emitter) -> Node:
        """Best sellers among customers of the same kind over the latest BEST_SELLER_WINDOW
        orders, only for a customer with no orders."""
        other, cand, score, order = Var("o"), Var("c"), Var("score"), Var("order")
        first = Param(self.first)
        fields = self._fields(cand, score, "BEST_SELLER", em)
        if self.with_key is not None:
            fields.append((self.with_key, Q("[]")))
        return collect(
            Q("WITH {c} WHERE NOT EXISTS {{ ({c})-[:PLACED]->(:Order) }}", c=customer),
            # In a subquery run per row that passed the filter: otherwise the planner may scan
            # the latest orders first and test "has no orders" on each of them, for every
            # customer (3M database hits per customer at 100k).
            Q(
                "CALL ({c}) {{ "
                # The latest orders only, read from the placedAt index newest first: a best
                # seller is what sells now, and the cost stays flat however large the order
                # history grows.
                "MATCH ({order}:Order) WHERE {order}.placedAt IS NOT NULL "
                "WITH {c}, {order} ORDER BY {order}.placedAt DESC LIMIT {window} "
                "MATCH ({o}:Customer)-[:PLACED]->({order})-[:CONTAINS]->({cand}:Product) "
                "WHERE {o}.kind = {c}.kind AND coalesce({cand}.active, true) "
                "WITH {cand}, count(DISTINCT {o}) AS {score} "
                "ORDER BY {score} DESC, {cand}.sku ASC LIMIT {first} "
                "RETURN {cand}, {score} }}",
                c=customer,
                order=order,
                window=Lit(BEST_SELLER_WINDOW),
                o=other,
                cand=cand,
                score=score,
                first=first,
            ),
            Q("WITH {cand}, {score} ORDER BY {score} DESC, {cand}.sku ASC", cand=cand, score=score),
            returning([cand, score], Map(fields)),
        )

    def post(self, value: Any) -> Any:
        for row in value or []:
            if self.product is not None and self.product_key is not None:
                row[self.product_key] = self.product.post(row[self.product_key])
            if self.bought_with is not None and self.with_key is not None:
                row[self.with_key] = [self.bought_with.post(x) for x in row[self.with_key]]
        return value


def plan(planner: Planning, f: Field, path: str) -> Recommendations:
    product = next((c for c in f.children if c.name == "product"), None)
    with_ = next((c for c in f.children if c.name == "boughtWith"), None)
    return Recommendations(
        f.key,
        planner.limit(f, path, default=5),
        product.key if product else None,
        planner.projection(ENTITIES["Product"], product.children, path) if product else None,
        with_.key if with_ else None,
        planner.projection(ENTITIES["Product"], with_.children, path) if with_ else None,
        [c.key for c in f.children if c.name == "score"],
        [c.key for c in f.children if c.name == "basis"],
        approximate=bool(f.args.get("approximate", False)),
    )
