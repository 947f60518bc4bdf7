"""Idempotency keys of every create mutation: one node per (viewer, key), unique."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT idempotency_key_scope_unique IF NOT EXISTS "
    "FOR (n:IdempotencyKey) REQUIRE n.scope IS UNIQUE",
)
