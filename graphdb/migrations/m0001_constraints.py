"""Every entity has a unique `id`; natural keys are unique where the contract says so."""

from graphdb.labels import ENTITY_LABELS

STATEMENTS: tuple[str, ...] = (
    *(
        f"CREATE CONSTRAINT {label.lower()}_id_unique IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in ENTITY_LABELS
    ),
    "CREATE CONSTRAINT customer_external_id_unique IF NOT EXISTS "
    "FOR (n:Customer) REQUIRE n.externalId IS UNIQUE",
    "CREATE CONSTRAINT product_sku_unique IF NOT EXISTS FOR (n:Product) REQUIRE n.sku IS UNIQUE",
    "CREATE CONSTRAINT user_email_unique IF NOT EXISTS FOR (n:User) REQUIRE n.email IS UNIQUE",
    "CREATE CONSTRAINT tag_name_unique IF NOT EXISTS FOR (n:Tag) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT order_idempotency_unique IF NOT EXISTS "
    "FOR (n:Order) REQUIRE n.idempotencyKey IS UNIQUE",
    "CREATE CONSTRAINT order_external_id_unique IF NOT EXISTS "
    "FOR (n:Order) REQUIRE n.externalId IS UNIQUE",
    "CREATE CONSTRAINT migration_version_unique IF NOT EXISTS "
    "FOR (n:RapportMigration) REQUIRE n.version IS UNIQUE",
)
