"""Migration 15, placeOrder's idempotency keys belong to their user, like every other create's.

Before it, an order's `idempotencyKey` was unique across the whole database: a second user who
happened to choose the same key (`checkout-1`) was refused with IDEMPOTENCY_KEY_REUSED, or, with
an identical order for the same customer, was answered with the first user's order as a replay.
Now the unique value is `idempotencyScope` = `<user id>:<key>` (resolvers/writes/orders.py), the
same scoping as `(:IdempotencyKey {scope})` of migration 9. `idempotencyKey` stays on the order
as the client sent it, no longer unique.

The backfill scopes every keyed order by the user who placed it, read from its audit event, so a
late retry of an order placed before the upgrade still finds it. An order without such an event
(written around the API) gets the scope `:<key>`, which no user's retry produces: it can no
longer be replayed, and it blocks nobody's key.
"""

from __future__ import annotations

from graphdb.driver import Graph

STATEMENTS: tuple[str, ...] = (
    "DROP CONSTRAINT order_idempotency_unique IF EXISTS",
    "CREATE CONSTRAINT order_idempotency_scope_unique IF NOT EXISTS "
    "FOR (n:Order) REQUIRE n.idempotencyScope IS UNIQUE",
)

BATCH = 2_000

#: up to `$n` keyed orders not scoped yet, scoped by the actor of their placeOrder event
_SCOPE_PAGE = (
    "MATCH (o:Order) WHERE o.idempotencyKey IS NOT NULL AND o.idempotencyScope IS NULL "
    "WITH o LIMIT $n "
    "OPTIONAL CALL (o) { MATCH (e:AuditEvent {entityId: o.id}) WHERE e.action = 'placeOrder' "
    "RETURN e.actorId AS actor ORDER BY e.at LIMIT 1 } "
    "SET o.idempotencyScope = coalesce(actor, '') + ':' + o.idempotencyKey "
    "RETURN count(o) AS n"
)


async def backfill(graph: Graph, *, batch: int = BATCH) -> None:
    """Scope every keyed order written before this migration; safe to run again."""
    while True:
        rows = await graph.write(_SCOPE_PAGE, {"n": batch})
        if rows[0]["n"] == 0:
            return
