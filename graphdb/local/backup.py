"""Backups of the local Neo4j: a consistent copy of its data directory, and restoring one.

Neo4j Community has no online backup, so a consistent copy is taken of a stopped DBMS: the
store files and transaction logs of every database (`system` included, so the users and their
passwords come along) under `<home>/data`. With `stop=True` a running DBMS is stopped for the
copy and started again; without it, a running DBMS is refused with a clear message.

A backup directory holds `data/` and `rapport-backup.json` (what it is, when it was taken).
For a remote Neo4j, use its own tools (`neo4j-admin database dump`, Aura snapshots):
docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from graphdb.local.launcher import NEO4J_VERSION, LocalNeo4jError
from graphdb.local.server import LocalNeo4jConfig, start, status, stop

MANIFEST = "rapport-backup.json"
FORMAT = "rapport-local-neo4j-backup/1"


@dataclass(frozen=True)
class Copied:
    path: Path
    files: int
    bytes: int
    restarted: bool
    #: where restore moved the data it replaced (None: there was none)
    replaced: Path | None = None


def _data_dir(config: LocalNeo4jConfig) -> Path:
    return config.home / "data"


def _stopped(config: LocalNeo4jConfig, stop_first: bool, verb: str) -> bool:
    """Ensure the DBMS is stopped; True when it ran (and so is to be started again)."""
    running = status(config)
    if not running.running:
        return False
    if not stop_first:
        raise LocalNeo4jError(
            f"The local Neo4j is running (pid {running.pid}); a consistent {verb} needs it "
            f"stopped. Pass --stop (it is stopped, the copy made, then started again), or run "
            "`rapport db stop` first."
        )
    stop(config)
    return True


def _size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def backup(config: LocalNeo4jConfig, destination: Path, *, stop_first: bool = False) -> Copied:
    """Copy the local Neo4j's data into `destination` (a new or empty directory)."""
    source = _data_dir(config)
    if not source.is_dir():
        raise LocalNeo4jError(f"There is no local Neo4j data at {source} to back up.")
    if destination.exists() and any(destination.iterdir()):
        raise LocalNeo4jError(f"{destination} is not empty; back up into a new directory.")
    was_running = _stopped(config, stop_first, "backup")
    try:
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, destination / "data", symlinks=True)
        files, size = _size(destination / "data")
        manifest = {
            "format": FORMAT,
            "neo4j": NEO4J_VERSION,
            "takenAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": str(source.resolve()),
            "files": files,
            "bytes": size,
        }
        (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    finally:
        if was_running:
            start(config)
    return Copied(destination, files, size, was_running)


def restore(
    config: LocalNeo4jConfig, source: Path, *, stop_first: bool = False, replace: bool = False
) -> Copied:
    """Make the backup at `source` the local Neo4j's data.

    Existing data is never deleted: with `replace` it is moved aside to
    `data.replaced-<time>`; without it, restoring over existing data is refused."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file() or not (source / "data").is_dir():
        raise LocalNeo4jError(
            f"{source} is not a Rapport backup (no {MANIFEST} and data/ in it); make one with "
            "`rapport db backup PATH`."
        )
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise LocalNeo4jError(f"{manifest_path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise LocalNeo4jError(f"{manifest_path} is not a backup this version can restore.")
    target = _data_dir(config)
    if target.exists() and not replace:
        raise LocalNeo4jError(
            f"{target} already holds a database. Pass --replace to restore over it (the "
            "current data is moved aside, not deleted)."
        )
    was_running = _stopped(config, stop_first, "restore")
    replaced: Path | None = None
    try:
        if target.exists():
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            replaced = target.with_name(f"data.replaced-{stamp}")
            target.rename(replaced)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name("data.restoring")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source / "data", partial, symlinks=True)
        partial.rename(target)  # all or nothing: a half-copied store is never `data`
        files, size = _size(target)
    finally:
        if was_running:
            start(config)
    return Copied(target, files, size, was_running, replaced)
