"""`rapport token …` (API keys) and `rapport auth bootstrap` (first admin).

Secrets go to stdout alone, one per line, so `KEY=$(rapport token create …)` works; everything
else goes to stderr.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Column, Table

if TYPE_CHECKING:
    from core.settings import Settings
    from graphdb.driver import Graph

T = TypeVar("T")

# The driver, the settings and the key store load when a command runs (`rapport --help` stays
# fast).


def get_settings() -> Settings:
    from core.settings import get_settings as load

    return load()


console = Console(stderr=True)
token_app = typer.Typer(help="Manage API keys (shown once, stored hashed).", no_args_is_help=True)
auth_app = typer.Typer(help="Authentication set-up.", no_args_is_help=True)


def _with_graph(settings: Settings, work: Callable[[Graph], Awaitable[T]]) -> T:
    from graphdb.driver import DatabaseUnavailable, Graph
    from graphdb.migrations import migrate
    from rapport.auth import keys

    async def run() -> T:
        graph = Graph.connect(
            settings.effective_neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
            budgets=settings.budgets,
        )
        try:
            if not await graph.ping():
                raise DatabaseUnavailable(settings.retry_after_s)
            await migrate(graph)
            return await work(graph)
        finally:
            await graph.close()

    try:
        return asyncio.run(run())
    except keys.ApiKeyError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=1) from exc


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="The user the key acts as.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'ci' or 'crm-sync'.")],
    role: Annotated[
        str | None,
        typer.Option(help="ADMIN, MANAGER, SALES or ANALYST; needed when the user is new."),
    ] = None,
    user_name: Annotated[
        str | None, typer.Option(help="Display name for a new user (default: from e-mail).")
    ] = None,
) -> None:
    """Create an API key (and the user if missing). The key is printed once, to stdout."""
    from rapport.auth import keys

    new = _with_graph(
        get_settings(),
        lambda graph: keys.create_api_key(
            graph, email=email, name=name, role=role, user_name=user_name
        ),
    )
    if new.user_created:
        console.print(f"Created user {new.email} with role {new.role}.")
    console.print(
        f"API key [bold]rpk_{new.prefix}[/] ({new.name}) for {new.email} ({new.role}). "
        "Copy it now: it is not stored and cannot be shown again."
    )
    sys.stdout.write(new.token + "\n")


@token_app.command("list")
def token_list(
    email: Annotated[str | None, typer.Option(help="Only this user's keys.")] = None,
) -> None:
    """List keys (prefix, name, owner, dates). Secrets are never shown.

    A table on a terminal; tab-separated lines with a header when piped.
    """
    from rapport.auth import keys

    rows = _with_graph(get_settings(), lambda graph: keys.list_api_keys(graph, email))

    def when(value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"

    header = ("prefix", "name", "user", "role", "created", "last used", "revoked")
    lines = [
        (
            f"rpk_{row.prefix}",
            row.name,
            row.email,
            row.role,
            when(row.created_at),
            when(row.last_used_at),
            when(row.revoked_at),
        )
        for row in rows
    ]
    if not sys.stdout.isatty():
        sys.stdout.write("".join("\t".join(line) + "\n" for line in [header, *lines]))
        return
    table = Table(*(Column(name, no_wrap=True) for name in header))
    for line in lines:
        table.add_row(*line)
    Console().print(table)


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The key's prefix (rpk_<prefix> or <prefix>).")],
) -> None:
    """Revoke a key. Running servers stop accepting it within RAPPORT_AUTH_CACHE_TTL seconds."""
    from rapport.auth import keys

    settings = get_settings()
    info = _with_graph(settings, lambda graph: keys.revoke_api_key(graph, prefix))
    if info is None:
        console.print(f"[bold red]error:[/] no API key with prefix {prefix!r}")
        raise typer.Exit(code=1)
    console.print(
        f"Revoked rpk_{info.prefix} ({info.name}) of {info.email}. Servers stop accepting it "
        f"within {settings.auth_cache_ttl_s:g} s."
    )


@auth_app.command("bootstrap")
def auth_bootstrap() -> None:
    """Make sure an admin can log in: create admin@rapport.local and a key if no admin key
    exists, and print the header to paste into the playground (idempotent)."""
    from rapport.auth.bootstrap import bootstrap_admin

    settings = get_settings()
    result = _with_graph(settings, lambda graph: bootstrap_admin(graph, settings.admin_token_file))
    console.print(result.message)
    if result.header:
        console.print("Paste into the playground's Headers tab:")
        Console(soft_wrap=True, highlight=False).print(result.header, markup=False)
