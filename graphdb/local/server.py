"""Start, stop and inspect the project's own Neo4j (used when NEO4J_URI is unset).

The DBMS runs as a detached JVM so that it outlives `rapport db start`; a pid file in the data
directory lets `stop` and `status` find it. `stop` sends SIGTERM, which the launcher's shutdown
hook turns into a clean DBMS shutdown, so data is flushed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from graphdb.local.launcher import LocalNeo4jError, ensure_launcher


@dataclass(frozen=True)
class LocalNeo4jConfig:
    """What a local Neo4j needs; built from Settings by the CLI and by the test fixtures."""

    home: Path
    launcher_dir: Path
    port: int = 7687
    password: str = "rapport-local-dev"  # noqa: S105 - loopback-only dev database
    heap: str = "1g"
    pagecache: str = "1g"
    start_timeout_s: float = 180.0
    #: Plugin jars (e.g. APOC, which bench/peer's @neo4j/graphql needs): copied into the DBMS's
    #: plugins directory, where its procedures are found, and put on the JVM's classpath, where
    #: its extensions are (an embedded DBMS loads those only from the classpath).
    plugins: tuple[Path, ...] = ()

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "rapport-neo4j.log"

    @property
    def conf_file(self) -> Path:
        return self.home / "neo4j.conf"


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    uri: str
    message: str


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _pid_file(config: LocalNeo4jConfig) -> tuple[int, int | None] | None:
    """(pid, port) from the pid file: "PID PORT" (older files hold only the pid)."""
    try:
        parts = config.pid_file.read_text().split()
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else None
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _is_our_neo4j(pid: int) -> bool:
    """The pid is alive and is the launcher, not an unrelated process that reused the number
    after a crash (where /proc is missing, alive is taken as ours)."""
    if not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"RapportNeo4j" in cmdline


def _read_pid(config: LocalNeo4jConfig) -> int | None:
    recorded = _pid_file(config)
    if recorded is None:
        return None
    return recorded[0] if _is_our_neo4j(recorded[0]) else None


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _bolt_answers(config: LocalNeo4jConfig) -> bool:
    try:
        with GraphDatabase.driver(config.uri, auth=("neo4j", config.password)) as driver:
            driver.verify_connectivity()
        return True
    except (ServiceUnavailable, OSError):
        return False


def _write_conf(config: LocalNeo4jConfig) -> None:
    config.home.mkdir(parents=True, exist_ok=True)
    config.conf_file.write_text(
        "\n".join(
            [
                "# Written by `rapport db start`; edit Settings, not this file.",
                "server.bolt.enabled=true",
                f"server.bolt.listen_address=127.0.0.1:{config.port}",
                "server.bolt.advertised_address=127.0.0.1",
                "server.http.enabled=false",
                "server.https.enabled=false",
                f"server.memory.pagecache.size={config.pagecache}",
                "dbms.security.auth_enabled=true",
                "db.transaction.timeout=60s",
                # Timeouts are enforced within 10 ms rather than the default 2 s, so that a
                # short one (a seed batch under RAPPORT_BATCH_TX_TIMEOUT) stops when it says.
                "db.transaction.monitor.check.interval=10ms",
                # Logs beyond recovery serve backups and clusters, which a local database has
                # none of; the default (2 days) kept ~30 GB of them after a 1M-customer seed.
                "db.tx_log.rotation.retention_policy=1G size",
                "",
            ]
        )
    )


def status(config: LocalNeo4jConfig) -> Status:
    pid = _read_pid(config)
    if pid is None:
        return Status(False, None, config.uri, "Local Neo4j is not running.")
    if _bolt_answers(config):
        return Status(True, pid, config.uri, f"Local Neo4j is running (pid {pid}) at {config.uri}.")
    return Status(True, pid, config.uri, f"Local Neo4j (pid {pid}) is starting or not answering.")


def start(config: LocalNeo4jConfig, on_phase: Callable[[str], None] = lambda phase: None) -> Status:
    """Start Neo4j unless it already runs, and wait until Bolt answers.

    `on_phase` hears each step (resolving, compiling, starting, waiting), for a spinner."""
    pid = _read_pid(config)
    if pid is not None:
        recorded = _pid_file(config)
        port = recorded[1] if recorded else None
        if port is not None and port != config.port:
            # Waiting for Bolt on the requested port would only time out.
            raise LocalNeo4jError(
                f"The local Neo4j of {config.home} already runs (pid {pid}) on port {port}, "
                f"not {config.port}. Use port {port} (RAPPORT_NEO4J_PORT), or stop it first "
                "with `rapport db stop`."
            )
        on_phase(f"waiting for the running Neo4j (pid {pid}) to answer")
        _wait_for_bolt(config, pid)
        return Status(
            True, pid, config.uri, f"Local Neo4j already running (pid {pid}) at {config.uri}."
        )
    if _port_open(config.port):
        raise LocalNeo4jError(
            f"Port {config.port} is already taken by another process. Stop it, choose another "
            "port with RAPPORT_NEO4J_PORT, or point NEO4J_URI at that server."
        )
    launcher = ensure_launcher(config.launcher_dir, on_phase)
    on_phase("starting Neo4j")
    _write_conf(config)
    classpath = ":".join([launcher.classpath, *(str(p) for p in _install_plugins(config))])
    env = {**os.environ, "RAPPORT_NEO4J_PASSWORD": config.password}
    log_offset = _log_size(config)
    with config.log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                launcher.java,
                f"-Xms{config.heap}",
                f"-Xmx{config.heap}",
                "-XX:+UseG1GC",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                classpath,
                launcher.main_class,
                str(config.home.resolve()),
                str(config.conf_file.resolve()),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    config.pid_file.write_text(f"{process.pid} {config.port}")
    on_phase(f"waiting for Neo4j (pid {process.pid}) to open its databases and answer Bolt")
    _wait_for_bolt(config, process.pid, log_offset)
    return Status(
        True, process.pid, config.uri, f"Local Neo4j started (pid {process.pid}) at {config.uri}."
    )


def _install_plugins(config: LocalNeo4jConfig) -> list[Path]:
    """Make `<home>/plugins` hold exactly the configured plugin jars (a jar left there by an
    earlier start would fail this one: its extensions are not on the classpath); their paths."""
    plugins_dir = config.home / "plugins"
    wanted = {jar.name: jar for jar in config.plugins}
    if plugins_dir.is_dir():
        for stale in plugins_dir.glob("*.jar"):
            if stale.name not in wanted:
                stale.unlink()
    installed = []
    for name, jar in wanted.items():
        target = plugins_dir / name
        if not target.exists():
            plugins_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(jar, target)
        installed.append(target.resolve())
    return installed


READY_MARKER = "rapport-neo4j: ready"


def _log_size(config: LocalNeo4jConfig) -> int:
    return config.log_file.stat().st_size if config.log_file.exists() else 0


def _launcher_ready(config: LocalNeo4jConfig, log_offset: int) -> bool:
    """The launcher logs READY_MARKER once the password is set; before that, auth may fail."""
    if not config.log_file.exists():
        return False
    with config.log_file.open("rb") as log:
        log.seek(log_offset)
        return READY_MARKER.encode() in log.read()


def _wait_for_bolt(config: LocalNeo4jConfig, pid: int, log_offset: int = 0) -> None:
    deadline = time.monotonic() + config.start_timeout_s
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            tail = (
                config.log_file.read_text(errors="replace")[-3000:]
                if config.log_file.exists()
                else ""
            )
            raise LocalNeo4jError(f"Neo4j exited during start-up. Log tail:\n{tail}")
        if _launcher_ready(config, log_offset):
            try:
                if _bolt_answers(config):
                    return
            except AuthError as exc:
                raise LocalNeo4jError(
                    f"Neo4j at {config.uri} rejected the configured password ({exc.message}). "
                    "The password is fixed when the data directory is first created: use the "
                    "original NEO4J_PASSWORD, or remove the data directory to start afresh."
                ) from exc
        time.sleep(0.5)
    raise LocalNeo4jError(
        f"Neo4j did not answer on {config.uri} within {config.start_timeout_s:.0f}s; "
        f"see {config.log_file}."
    )


def stop(config: LocalNeo4jConfig, timeout_s: float = 90.0) -> Status:
    """Stop gracefully (SIGTERM → clean shutdown); SIGKILL only after the timeout."""
    pid = _read_pid(config)
    if pid is None:
        config.pid_file.unlink(missing_ok=True)
        return Status(False, None, config.uri, "Local Neo4j was not running.")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _pid_alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
        message = f"Local Neo4j (pid {pid}) did not stop in {timeout_s:.0f}s and was killed."
    else:
        message = f"Local Neo4j (pid {pid}) stopped cleanly."
    config.pid_file.unlink(missing_ok=True)
    return Status(False, None, config.uri, message)
