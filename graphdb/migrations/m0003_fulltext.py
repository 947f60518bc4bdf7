"""One full-text index serves `search(text)` across the three kinds of people and accounts.

The `standard-folding` analyzer folds diacritics (Horváth → horvath), so a salesperson can type
names the way a keyboard without Slovak, Polish or Czech letters allows.
"""

STATEMENTS: tuple[str, ...] = (
    "CREATE FULLTEXT INDEX rapport_search IF NOT EXISTS "
    "FOR (n:Customer|Contact|Company) ON EACH [n.name, n.fullName, n.email, n.domain] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
)
