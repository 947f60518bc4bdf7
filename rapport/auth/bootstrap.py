"""First run: an admin user and key, so the playground can be used straight away.

`rapport auth bootstrap` (called by `make run`) is idempotent. When no active ADMIN key exists it
creates admin@rapport.local with a key and keeps that key in `<data dir>/admin-token` (mode 600),
so later runs can print the header again; the database holds only the key's hash.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from graphdb.driver import Graph
from rapport.auth import keys

ADMIN_EMAIL = "admin@rapport.local"
BOOTSTRAP_KEY_NAME = "bootstrap (make run)"


@dataclass(frozen=True)
class BootstrapResult:
    created: bool
    token: str | None
    message: str

    @property
    def header(self) -> str | None:
        """The JSON GraphiQL's Headers tab accepts."""
        return json.dumps({"Authorization": f"Bearer {self.token}"}) if self.token else None


def write_token_file(path: Path, token: str) -> None:
    """Write `token` readable by its owner only (created 600, never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    path.chmod(0o600)  # in case the file existed with wider permissions


def read_token_file(path: Path) -> str | None:
    return path.read_text().strip() if path.is_file() else None


async def _stored_token_works(graph: Graph, path: Path) -> str | None:
    token = read_token_file(path)
    if token is None:
        return None
    parsed = keys.parse_token(token)
    if parsed is None:
        return None
    stored = await keys.find_key(graph, parsed[0])
    if stored is None or stored.revoked or stored.role != "ADMIN":
        return None
    return token if keys.verify_secret(parsed[1], stored.hash) else None


async def bootstrap_admin(graph: Graph, token_file: Path) -> BootstrapResult:
    token = await _stored_token_works(graph, token_file)
    if token is not None:
        return BootstrapResult(False, token, f"Admin key from {token_file}.")
    if await keys.has_active_admin_key(graph):
        return BootstrapResult(
            False,
            None,
            "An admin key exists (not stored in this checkout); create your own with "
            "`rapport token create --email you@example.com --role ADMIN --name laptop`.",
        )
    new = await keys.create_api_key(
        graph, email=ADMIN_EMAIL, role="ADMIN", name=BOOTSTRAP_KEY_NAME, user_name="Rapport Admin"
    )
    write_token_file(token_file, new.token)
    return BootstrapResult(
        True, new.token, f"Created {ADMIN_EMAIL} with an ADMIN key (saved in {token_file})."
    )
