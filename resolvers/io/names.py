"""The names the `import` and `export` commands offer, kept free of heavy imports so that
`rapport --help` does not load the importer (resolvers/io/rows.py checks they agree)."""

from __future__ import annotations

IMPORT_TYPES = (
    "customers",
    "companies",
    "contacts",
    "products",
    "orders",
    "interactions",
    "referrals",
    "employments",
)
EXPORT_TYPES = ("customers", "companies", "contacts", "products", "orders", "interactions")
DEFAULT_BATCH_SIZE = 5000
DEFAULT_PAGE_SIZE = 5000
LOCALES = ("sk-SK", "cs-CZ", "pl-PL", "hu-HU", "de-DE", "de-AT", "en-GB", "en-US")
PRESET_NAMES = (
    "hubspot-contacts",
    "hubspot-companies",
    "hubspot-deals",
    "salesforce-accounts",
    "salesforce-contacts",
    "salesforce-account-contact-relations",
    "pipedrive-persons",
    "pipedrive-organizations",
    "excel-contacts",
)
