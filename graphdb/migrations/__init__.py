"""Versioned schema migrations, recorded in the graph as `(:RapportMigration {version})`.

Each migration is a list of idempotent statements (`IF NOT EXISTS`), so re-running a half-applied
migration is safe; a migration is recorded only after all its statements succeeded. Add new
migrations at the end of `MIGRATIONS`; never edit one that has shipped.
"""

from __future__ import annotations

from graphdb.migrations.runner import MIGRATIONS, Migration, applied_versions, migrate, pending

__all__ = ["MIGRATIONS", "Migration", "applied_versions", "migrate", "pending"]
