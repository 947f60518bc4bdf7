"""Phone numbers are searched by their stored E.164 form (`search(text: "0901 555 777")`):
a range index per label makes that a seek instead of a scan of every customer and contact."""

STATEMENTS: tuple[str, ...] = (
    "CREATE INDEX customer_phone IF NOT EXISTS FOR (n:Customer) ON (n.phone)",
    "CREATE INDEX contact_phone IF NOT EXISTS FOR (n:Contact) ON (n.phone)",
)
