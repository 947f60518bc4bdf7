"""API keys (rapport/auth/keys.py): unique ids, and a unique prefix that finds a key on each
authentication without scanning."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT apikey_id_unique IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT apikey_prefix_unique IF NOT EXISTS "
    "FOR (n:ApiKey) REQUIRE n.prefix IS UNIQUE",
)
