"""Application lock nodes (graphdb/writes/locks.py) are unique by name, so MERGE is race-free."""

STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT rapport_lock_name_unique IF NOT EXISTS "
    "FOR (n:RapportLock) REQUIRE n.name IS UNIQUE",
)
