"""`rapport token create|list|revoke` and `rapport auth bootstrap`, run as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphdb.driver import Graph
from rapport.auth import keys
from rapport.cli import app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_token_create_prints_the_key_once_and_list_never_shows_it(cli_env: Path) -> None:
    code, out = run(
        "token", "create", "--email", "Ops@Example.com", "--role", "manager", "--name", "ci"
    )
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    prefix, secret = keys.parse_token(token) or ("", "")
    assert prefix

    code, listing = run("token", "list", "--email", "ops@example.com")
    assert code == 0 and f"rpk_{prefix}" in listing and "MANAGER" in listing
    assert secret not in listing

    code, _ = run("token", "revoke", f"rpk_{prefix}")
    assert code == 0
    code, _ = run("token", "revoke", "0000000000")
    assert code == 1


def test_token_create_for_a_new_user_needs_a_role(cli_env: Path) -> None:
    code, _ = run("token", "create", "--email", "new@example.com", "--name", "x")
    assert code == 1


@pytest.fixture
async def no_admin_key(graph: Graph) -> None:
    await graph.write("MATCH (u:User {role: 'ADMIN'}) DETACH DELETE u")  # the next wipe restores


def test_bootstrap_prints_the_same_header_on_every_run(cli_env: Path, no_admin_key: None) -> None:
    code, first = run("auth", "bootstrap")
    assert code == 0, first
    code, again = run("auth", "bootstrap")
    assert code == 0
    token = (cli_env / "admin-token").read_text().strip()
    header = f'{{"Authorization": "Bearer {token}"}}'
    assert header in first and header in again
