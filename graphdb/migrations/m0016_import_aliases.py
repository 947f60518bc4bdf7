"""Migration 16, what imports look records up by.

The aliases merges leave behind: mergeCustomers keeps the merged-away externalIds on the kept
customer (`externalIdAliases`), mergeContacts the merged-away e-mails on the kept contact
(`emailAliases`), and an import finds the kept record by them (graphdb/io/nodes.py). Both are
lists of strings, which a range index cannot look into (it indexes a list as one value), so
each is a full-text index with the `keyword` analyzer: every list element is one exact,
case-sensitive term. Full-text indexes are updated in the writing transaction (they are not
created eventually consistent), so a merge is found by the next import at once.

A company's registration number: the key a company import upserts by first and a customer's or
contact's `companyRegistrationNumber` names it by. Without an index each look-up read every
company (measured: a 100,000-customer import with 30,000 companies ran at ~150 rows/s). A
plain range index, not a uniqueness constraint: nothing has kept the numbers unique so far.
"""

STATEMENTS: tuple[str, ...] = (
    "CREATE FULLTEXT INDEX customer_externalid_aliases IF NOT EXISTS "
    "FOR (n:Customer) ON EACH [n.externalIdAliases] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    "CREATE FULLTEXT INDEX contact_email_aliases IF NOT EXISTS "
    "FOR (n:Contact) ON EACH [n.emailAliases] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'keyword'}}",
    "CREATE INDEX company_registrationnumber IF NOT EXISTS "
    "FOR (n:Company) ON (n.registrationNumber)",
)
