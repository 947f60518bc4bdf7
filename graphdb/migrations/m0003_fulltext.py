"""One full-text index serves `search(text)` across the three kinds of people and accounts."""

STATEMENTS: tuple[str, ...] = (
    "CREATE FULLTEXT INDEX rapport_search IF NOT EXISTS "
    "FOR (n:Customer|Contact|Company) ON EACH [n.name, n.fullName, n.email, n.domain]",
)
