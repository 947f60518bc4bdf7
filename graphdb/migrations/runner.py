"""Applies `MIGRATIONS` in order and records each one in the graph."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from graphdb import aggregates
from graphdb.driver import Graph
from graphdb.migrations.m0001_constraints import STATEMENTS as M0001
from graphdb.migrations.m0002_indexes import STATEMENTS as M0002
from graphdb.migrations.m0003_fulltext import STATEMENTS as M0003
from graphdb.migrations.m0004_locks import STATEMENTS as M0004
from graphdb.migrations.m0005_auth import STATEMENTS as M0005
from graphdb.migrations.m0006_public_search import STATEMENTS as M0006
from graphdb.migrations.m0007_audit import STATEMENTS as M0007
from graphdb.migrations.m0008_segments import STATEMENTS as M0008
from graphdb.migrations.m0009_idempotency import STATEMENTS as M0009
from graphdb.migrations.m0010_phone_search import STATEMENTS as M0010
from graphdb.migrations.m0011_changes import STATEMENTS as M0011
from graphdb.migrations.m0012_tag_keys import STATEMENTS as M0012
from graphdb.migrations.m0013_aggregates import STATEMENTS as M0013
from graphdb.migrations.m0014_import_keys import STATEMENTS as M0014
from graphdb.migrations.m0015_order_keys import STATEMENTS as M0015
from graphdb.migrations.m0015_order_keys import backfill as scope_order_keys
from graphdb.migrations.m0016_import_aliases import STATEMENTS as M0016
from graphdb.migrations.m0017_import_jobs import STATEMENTS as M0017
from graphdb.migrations.m0018_risk_bands import STATEMENTS as M0018
from graphdb.migrations.m0018_risk_bands import backfill as band_risks
from graphdb.migrations.m0019_revenue_histogram import STATEMENTS as M0019
from graphdb.migrations.m0019_revenue_histogram import backfill as bucket_revenue


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    #: data work after the statements, in transactions of its own (a whole-database backfill
    #: does not fit one); it must be safe to run again, as the statements are
    backfill: Callable[[Graph], Awaitable[None]] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "uniqueness constraints for ids and natural keys", M0001),
    Migration(2, "indexes for filters, sorts and keyset pagination", M0002),
    Migration(3, "full-text search over customers, contacts and companies", M0003),
    Migration(4, "unique names for application lock nodes", M0004),
    Migration(5, "API keys: unique ids and prefixes", M0005),
    Migration(6, "full-text search without personal data, for masked roles", M0006),
    Migration(7, "audit events and GDPR tombstones: unique ids, history per record", M0007),
    Migration(8, "saved segments: unique ids and names; interaction externalId index", M0008),
    Migration(9, "idempotency keys of create mutations: unique per viewer and key", M0009),
    Migration(10, "phone numbers of customers and contacts, for search", M0010),
    Migration(11, "the change feed: a commit-order number on every audit event", M0011),
    Migration(12, "one tag per case-folded name (Tag.key)", M0012),
    Migration(
        13,
        "stored churn and referral-network aggregates, indexed; backfilled",
        M0013,
        aggregates.backfill,
    ),
    Migration(14, "imported contacts' and companies' externalId", M0014),
    Migration(15, "placeOrder's idempotency keys are per user", M0015, scope_order_keys),
    Migration(16, "import look-ups: merge aliases, company registration numbers", M0016),
    Migration(17, "import jobs and their uploaded chunks", M0017),
    Migration(
        18, "atRiskCustomers' bands: regular buyers by median gap, indexed", M0018, band_risks
    ),
    Migration(
        19,
        "revenueConcentration's histogram: customers by totalSpent bucket, indexed",
        M0019,
        bucket_revenue,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


async def applied_versions(graph: Graph) -> set[int]:
    rows = await graph.read("MATCH (m:RapportMigration) RETURN m.version AS version")
    return {int(row["version"]) for row in rows}


async def pending(graph: Graph) -> list[Migration]:
    done = await applied_versions(graph)
    return [m for m in MIGRATIONS if m.version not in done]


async def migrate(graph: Graph) -> list[Migration]:
    """Apply every pending migration; returns the ones applied. Safe to run concurrently."""
    applied: list[Migration] = []
    for migration in await pending(graph):
        # Schema statements cannot share a transaction with data writes, so each runs alone.
        for statement in migration.statements:
            await graph.write(statement)
        if migration.backfill is not None:
            await migration.backfill(graph)
        await graph.write(
            "MERGE (m:RapportMigration {version: $version}) "
            "ON CREATE SET m.description = $description, m.appliedAt = datetime()",
            {"version": migration.version, "description": migration.description},
        )
        applied.append(migration)
    await graph.driver.execute_query("CALL db.awaitIndexes(300)", database_=graph.database)
    return applied
