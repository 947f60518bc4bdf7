"""The `rapport` command: run the service, manage the local Neo4j, print the schema."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from rapport.auth.cli import auth_app, token_app
from rapport.io.cli import export_command, import_command

if TYPE_CHECKING:
    from core.settings import Settings
    from graphdb.driver import Graph
    from graphdb.local.server import LocalNeo4jConfig
    from rapport.seed import SeedReport

# Heavy modules (the driver, the schema, pydantic settings) are imported inside the commands, so
# that `rapport --help` and `rapport --version` answer at once.

console = Console(stderr=True, soft_wrap=True)
app = typer.Typer(
    help="Rapport: a graph-backed customer database served as GraphQL over Neo4j.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the database: local Neo4j and migrations.", no_args_is_help=True)
schema_app = typer.Typer(help="Inspect the GraphQL schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
app.add_typer(token_app, name="token")
app.add_typer(auth_app, name="auth")
app.command("import")(import_command)
app.command("export")(export_command)


def get_settings() -> Settings:
    from core.settings import get_settings as load

    return load()


def local_config(settings: Settings) -> LocalNeo4jConfig:
    from graphdb.local.server import LocalNeo4jConfig

    return LocalNeo4jConfig(
        home=settings.neo4j_home,
        launcher_dir=settings.launcher_dir,
        port=settings.local_neo4j_port,
        password=settings.neo4j_password.get_secret_value(),
        heap=settings.local_neo4j_heap,
        pagecache=settings.local_neo4j_pagecache,
        start_timeout_s=settings.local_neo4j_start_timeout_s,
    )


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


def _graph(settings: Settings) -> Graph:
    from graphdb.driver import Graph

    return Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        settings.neo4j_database,
        budgets=settings.budgets,
    )


def ensure_database(settings: Settings) -> None:
    """Start the local Neo4j when no external NEO4J_URI is configured."""
    from graphdb.local.launcher import LocalNeo4jError
    from graphdb.local.server import start

    if not settings.uses_local_neo4j:
        console.print(f"Using external Neo4j at {settings.neo4j_uri}; nothing local starts.")
        return
    console.print(
        f"Starting local Neo4j on 127.0.0.1:{settings.local_neo4j_port} "
        "(the first start downloads Neo4j from Maven Central)…"
    )
    import time

    began = time.monotonic()
    with console.status("Checking the local Neo4j…") as spinner:

        def on_phase(phase: str) -> None:
            elapsed = time.monotonic() - began
            console.print(f"[dim]{elapsed:6.1f} s[/] {phase}")
            spinner.update(f"{phase[0].upper()}{phase[1:]}…")

        try:
            result = start(local_config(settings), on_phase)
        except LocalNeo4jError as exc:
            raise _fail(str(exc)) from exc
    console.print(f"[green]{result.message}[/] ({time.monotonic() - began:.1f} s)")


async def _migrate(settings: Settings) -> list[int]:
    from graphdb.driver import DatabaseUnavailable
    from graphdb.migrations import migrate

    graph = _graph(settings)
    try:
        if not await graph.ping():
            raise DatabaseUnavailable(settings.retry_after_s)
        return [m.version for m in await migrate(graph)]
    finally:
        await graph.close()


@db_app.command("start")
def db_start() -> None:
    """Start the local Neo4j (idempotent) and wait until Bolt answers."""
    ensure_database(get_settings())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local Neo4j gracefully, flushing all data."""
    from graphdb.local.server import stop

    settings = get_settings()
    if not settings.uses_local_neo4j:
        raise _fail("NEO4J_URI points at an external Neo4j; Rapport does not manage it.")
    console.print(stop(local_config(settings)).message)


@db_app.command("status")
def db_status() -> None:
    """Say whether the local Neo4j runs, and where. Exit code 0 when it runs, 3 when not."""
    from graphdb.local.server import status

    settings = get_settings()
    if not settings.uses_local_neo4j:
        console.print(f"External Neo4j configured at {settings.neo4j_uri}.")
        return
    result = status(local_config(settings))
    console.print(result.message)
    if not result.running:
        raise typer.Exit(code=3)


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="A new (or empty) directory for the backup.")],
    stop_first: Annotated[
        bool,
        typer.Option("--stop", help="Stop a running local Neo4j for the copy, then start it."),
    ] = False,
) -> None:
    """Copy the local Neo4j's data (every database, users included) into PATH, consistently."""
    from graphdb.local.backup import backup
    from graphdb.local.launcher import LocalNeo4jError

    settings = _local_only(get_settings(), "backup")
    try:
        with console.status("Copying the local Neo4j's data…"):
            copied = backup(local_config(settings), path, stop_first=stop_first)
    except LocalNeo4jError as exc:
        raise _fail(str(exc)) from exc
    again = " Neo4j was stopped for the copy and runs again." if copied.restarted else ""
    console.print(
        f"[green]Backed up[/] {copied.files:,} files ({copied.bytes / 1e6:,.1f} MB) to "
        f"{copied.path}.{again}"
    )


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A directory made by `rapport db backup`.")],
    stop_first: Annotated[
        bool,
        typer.Option("--stop", help="Stop a running local Neo4j for the restore, then start it."),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(help="Restore over existing data (moved aside to data.replaced-<time>)."),
    ] = False,
) -> None:
    """Make a backup the local Neo4j's data. Its users and passwords come with it."""
    from graphdb.local.backup import restore
    from graphdb.local.launcher import LocalNeo4jError

    settings = _local_only(get_settings(), "restore")
    try:
        with console.status("Restoring the local Neo4j's data…"):
            copied = restore(local_config(settings), path, stop_first=stop_first, replace=replace)
    except LocalNeo4jError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"[green]Restored[/] {copied.files:,} files into {copied.path}.")
    if copied.replaced is not None:
        console.print(f"The data it replaced is kept in {copied.replaced}.")
    console.print(
        "The restored database has the password it had when backed up: NEO4J_PASSWORD must be "
        "that one (change it with `rapport db set-password`)."
    )


@db_app.command("set-password")
def db_set_password(
    password: Annotated[
        str | None,
        typer.Option(
            help="The new password (prompted for when omitted; `--generate` makes one).",
        ),
    ] = None,
    generate: Annotated[bool, typer.Option(help="Generate a random new password.")] = False,
    env_file: Annotated[
        Path,
        typer.Option(help="The .env file whose NEO4J_PASSWORD line is updated."),
    ] = Path(".env"),
    write_env: Annotated[
        bool, typer.Option(help="Update NEO4J_PASSWORD in --env-file after the change.")
    ] = True,
) -> None:
    """Change the Neo4j password of NEO4J_USER (ALTER CURRENT USER on the system database),
    then write it to .env so the next start connects with it."""
    import os
    import secrets

    from graphdb.local.launcher import LocalNeo4jError
    from graphdb.local.password import set_password
    from rapport import envfile

    settings = get_settings()
    if generate:
        new = secrets.token_urlsafe(24)
    elif password is not None:
        new = password
    else:
        new = typer.prompt("New Neo4j password", hide_input=True, confirmation_prompt=True)
    current = settings.neo4j_password.get_secret_value()
    try:
        asyncio.run(set_password(settings.effective_neo4j_uri, settings.neo4j_user, current, new))
    except LocalNeo4jError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"[green]Changed[/] the Neo4j password of {settings.neo4j_user!r}.")
    if write_env:
        envfile.set_value(env_file, "NEO4J_PASSWORD", new)
        console.print(f"NEO4J_PASSWORD updated in {env_file}.")
        if os.environ.get("NEO4J_PASSWORD"):
            console.print(
                "[yellow]NEO4J_PASSWORD is also set in the environment, which wins over "
                f"{env_file}: update it there too.[/]"
            )
    else:
        console.print("Set NEO4J_PASSWORD to the new password before the next start.")
    if generate and not write_env:
        sys.stdout.write(new + "\n")


@db_app.command("ensure-password", hidden=True)
def db_ensure_password(
    env_file: Annotated[Path, typer.Option(help="The .env file to write.")] = Path(".env"),
) -> None:
    """For `make run`: before a fresh local Neo4j is created, put a random NEO4J_PASSWORD in
    .env unless one is configured. An existing data directory keeps its password."""
    import os
    import secrets

    from rapport import envfile

    settings = get_settings()
    if not settings.uses_local_neo4j:
        return
    if os.environ.get("NEO4J_PASSWORD") or envfile.has_value(env_file, "NEO4J_PASSWORD"):
        return
    if (settings.neo4j_home / "data").exists():
        console.print(
            "The local Neo4j uses the default password; `rapport db set-password --generate` "
            "replaces it with a random one."
        )
        return
    envfile.set_value(env_file, "NEO4J_PASSWORD", secrets.token_urlsafe(24))
    console.print(f"Generated a random NEO4J_PASSWORD for the new local Neo4j in {env_file}.")


def _local_only(settings: Settings, what: str) -> Settings:
    if not settings.uses_local_neo4j:
        raise _fail(
            f"NEO4J_URI points at an external Neo4j; `rapport db {what}` is for the local one. "
            "Use that server's own tools (neo4j-admin database dump/load, Aura snapshots)."
        )
    return settings


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending schema migrations (constraints, indexes, full-text index)."""
    settings = get_settings()
    applied = asyncio.run(_migrate(settings))
    console.print(f"Applied migrations {applied}." if applied else "Database is up to date.")


@schema_app.command("print")
def schema_print() -> None:
    """Print the GraphQL schema as SDL."""
    from schema.root import schema

    sys.stdout.write(schema.as_str() + "\n")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (RAPPORT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port (RAPPORT_PORT).")] = None,
    workers: Annotated[int, typer.Option(help="Number of worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    start_db: Annotated[
        bool, typer.Option(help="Start the local Neo4j first when NEO4J_URI is unset.")
    ] = True,
) -> None:
    """Serve the GraphQL API, with the playground at /graphql."""
    import uvicorn

    from rapport.observability.logs import configure_logging

    settings = get_settings()
    if start_db:
        ensure_database(settings)
    applied = asyncio.run(_migrate(settings))
    if applied:
        console.print(f"Applied migrations {applied}.")
    bind_host = host or settings.host
    bind_port = port or settings.port
    # Bind before saying anything: a taken port is a clear error, not "up" and then a crash.
    sock = _bind(bind_host, bind_port)
    up = (
        f"[bold green]Rapport is up:[/] explorer at http://{bind_host}:{bind_port}/app, "
        f"playground at http://{bind_host}:{bind_port}/graphql "
        f"(Neo4j {settings.effective_neo4j_uri})"
    )
    configure_logging(settings.log_level, settings.json_logs)
    if workers > 1:
        _multiprocess_metrics_dir(settings)
    if workers > 1 or reload:
        sock.close()  # uvicorn's supervisor binds for its workers itself
        console.print(f"Starting {workers} worker(s) on {bind_host}:{bind_port}…")
        uvicorn.run(
            "rapport.asgi:app",
            host=bind_host,
            port=bind_port,
            workers=workers,
            reload=reload,
            log_level=settings.log_level.lower(),
            log_config=None,  # our handlers (JSON in production); workers configure their own
            access_log=False,  # rapport.access logs each request, without client addresses
        )
        return

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                console.print(up)

    config = uvicorn.Config(
        "rapport.asgi:app",
        host=bind_host,
        port=bind_port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=False,
    )
    Server(config).run(sockets=[sock])


def _multiprocess_metrics_dir(settings: Settings) -> None:
    """Several workers share their metrics through files (prometheus-client's multiprocess
    mode): PROMETHEUS_MULTIPROC_DIR, or a fresh <RAPPORT_DATA_DIR>/metrics, emptied at start
    so that the counters of a previous run do not add up."""
    import os

    from rapport.observability.metrics import MULTIPROC_ENV

    given = os.environ.get(MULTIPROC_ENV)
    directory = Path(given) if given else settings.data_dir / "metrics"
    if directory.exists():
        for entry in directory.glob("*.db"):
            entry.unlink()
    else:
        directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory.resolve())


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), or a clear error (exit 1) when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise _fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another server running? "
            "Choose another port with --port or RAPPORT_PORT."
        ) from exc
    sock.set_inheritable(True)
    return sock


async def _seed(
    settings: Settings,
    customers: int,
    seed: int,
    wipe: bool,
    if_empty: bool,
    batch_size: int,
    force: bool = False,
) -> SeedReport | None:
    """Migrate, apply --wipe / --if-empty, seed; None when --if-empty found customers."""
    from graphdb.driver import DatabaseUnavailable
    from graphdb.migrations import migrate
    from rapport.seed import foreign_credentials, has_customers, seed_graph, wipe_graph

    graph = _graph(settings)
    try:
        if not await graph.ping():
            raise DatabaseUnavailable(settings.retry_after_s)
        applied = [m.version for m in await migrate(graph)]
        if applied:
            console.print(f"Applied migrations {applied}.")
        if await has_customers(graph):
            if if_empty:
                console.print("The database already has customers; nothing seeded (--if-empty).")
                return None
            if not wipe:
                raise _fail(
                    "the database already has customers. Pass --wipe to replace everything, "
                    "or --if-empty to leave an existing graph alone."
                )
        if wipe and not force:
            users, keys = await foreign_credentials(graph)
            if users or keys:
                raise _fail(
                    f"the database has {users:,} user(s) the seed did not create and {keys:,} "
                    "API key(s): people use it. Nothing was deleted. Pass --force to wipe the "
                    "data anyway (users holding keys, and the keys, are kept)."
                )
        if wipe:
            with console.status("Wiping the graph (migrations, locks and API keys kept)…"):
                deleted = await wipe_graph(graph)
            console.print(f"Deleted {deleted:,} nodes.")
        return await seed_graph(
            graph,
            customers,
            seed,
            batch_size=batch_size,
            console=console,
            tx_timeout_s=settings.batch_tx_timeout_s,
        )
    finally:
        await graph.close()


def _seed_summary(report: SeedReport, duplicates_out: Path) -> None:
    """Write the duplicates ground truth and print what was written, with throughput."""
    from rich.table import Table

    from rapport.seed import planted_duplicates

    pairs = planted_duplicates(report.customers, report.seed)
    duplicates_out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "seed": report.seed,
        "customers": report.customers,
        "pairs": [pair.as_json() for pair in pairs],
    }
    duplicates_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"rapport seed --customers {report.customers:,} --seed {report.seed}")
    table.add_column("kind")
    table.add_column("written", justify="right")
    table.add_column("rows/s (own batches)", justify="right")
    for name, count in [*report.nodes.items(), *report.relationships.items()]:
        seconds = report.seconds.get(name, 0.0)
        table.add_row(name, f"{count:,}", f"{count / seconds:,.0f}" if seconds else "-")
    table.add_section()
    table.add_row("nodes", f"{report.total_nodes:,}", "")
    table.add_row("relationships", f"{report.total_relationships:,}", "")
    table.add_row(
        f"total in {report.elapsed_s:,.1f} s",
        f"{report.total_nodes + report.total_relationships:,}",
        f"{report.rows_per_second:,.0f}",
    )
    Console().print(table)
    console.print(f"{len(pairs)} planted duplicate pairs written to {duplicates_out}.")


@app.command()
def seed(
    customers: Annotated[int, typer.Option(min=1, help="Number of customers to generate.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same graph.")] = 1,
    wipe: Annotated[
        bool, typer.Option(help="Delete the data graph first (keeps migrations, locks, API keys).")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option(help="Do nothing when the database already has customers.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            help="With --wipe: wipe even when users or API keys that the seed did not create exist."
        ),
    ] = False,
    batch_size: Annotated[
        int,
        typer.Option(
            min=1,
            help="Most rows per UNWIND statement and transaction (fewer when a transaction "
            "would outlast RAPPORT_BATCH_TX_TIMEOUT).",
        ),
    ] = 5000,
    duplicates_out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the planted duplicate pairs (JSON). "
            "Default: <RAPPORT_DATA_DIR>/seed-duplicates-<seed>.json."
        ),
    ] = None,
) -> None:
    """Load a realistic, deterministic demo/benchmark graph (starts nothing; migrates first)."""
    settings = get_settings()
    out = duplicates_out or settings.data_dir / f"seed-duplicates-{seed}.json"
    report = asyncio.run(_seed(settings, customers, seed, wipe, if_empty, batch_size, force))
    if report is not None:
        _seed_summary(report, out)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("rapport")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            number = "unknown"
        sys.stdout.write(f"rapport {number}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Rapport: a graph-backed customer database served as GraphQL over Neo4j."""


#: sysexits.h EX_UNAVAILABLE: what every command exits with when the database cannot be reached.
EXIT_DATABASE_UNAVAILABLE = 69


def main() -> None:
    """The `rapport` entry point: a failure is one line on stderr and exit status 1 (69 when
    the database cannot be reached), never a traceback (RAPPORT_DEBUG=1 shows it)."""
    import os

    from graphdb.driver import DatabaseUnavailable

    try:
        app()
    except DatabaseUnavailable:
        settings = get_settings()
        console.print(
            f"[bold red]error:[/] Neo4j at {settings.effective_neo4j_uri} is unreachable "
            "(DATABASE_UNAVAILABLE); nothing was changed. Run `rapport db start` or check "
            "NEO4J_URI, then retry."
        )
        raise SystemExit(EXIT_DATABASE_UNAVAILABLE) from None
    except Exception as exc:
        if os.environ.get("RAPPORT_DEBUG"):
            raise
        from rich.markup import escape

        detail = str(exc) or type(exc).__name__
        console.print(f"[bold red]error:[/] {escape(detail)} ({type(exc).__name__})")
        sys.exit(1)


if __name__ == "__main__":
    main()
