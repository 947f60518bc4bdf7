"""Migration 16, the aliases merges leave behind: mergeCustomers keeps the merged-away
externalIds on the kept customer (`externalIdAliases`), mergeContacts the merged-away e-mails on
the kept contact (`emailAliases`), and an import finds the kept record by them
(graphdb/io/nodes.py). Both are lists of strings, which a range index cannot look into (it
indexes a list as one value), so each is a full-text index with the `keyword` analyzer: every
list element is one exact, case-sensitive term. Full-text indexes are updated in the writing
transaction (they are not created eventually consistent), so a merge is found by the next
import at once."""

STATEMENTS: tuple[str, ...] = (
    "CREATE FULLTEXT INDEX customer_externalid_aliases IF NOT EXISTS "
    "FOR (n:Customer) ON EACH [n.externalIdAliases] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    "CREATE FULLTEXT INDEX contact_email_aliases IF NOT EXISTS "
    "FOR (n:Contact) ON EACH [n.emailAliases] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
)
