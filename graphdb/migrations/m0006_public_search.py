"""A second full-text index without e-mail addresses, for roles that may not see personal data.

Searching the main index as an ANALYST would let a hit on an e-mail address reveal it; this index
holds only names and company domains.
"""

STATEMENTS: tuple[str, ...] = (
    "CREATE FULLTEXT INDEX rapport_search_public IF NOT EXISTS "
    "FOR (n:Customer|Contact|Company) ON EACH [n.name, n.fullName, n.domain] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}}",
)
