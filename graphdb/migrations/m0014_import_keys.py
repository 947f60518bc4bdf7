"""Migration 14, the other tool's ids of contacts and companies: an import stores a contact's or
a company's id from HubSpot, Salesforce or Pipedrive as `externalId`, and finds the record again
by it (Salesforce's AccountContactRelation and ReportsToId name records only by such ids), so
the look-up must be an index seek, not a label scan."""

STATEMENTS: tuple[str, ...] = (
    "CREATE INDEX contact_externalid IF NOT EXISTS FOR (n:Contact) ON (n.externalId)",
    "CREATE INDEX company_externalid IF NOT EXISTS FOR (n:Company) ON (n.externalId)",
)
