"""docker-compose.yml and the Dockerfile describe a safe, working deployment.

There is no Docker engine on the development machines or in CI, so these tests
read the files instead of running them. They guard the properties that are easy
to lose in an edit and costly to discover in production: a pinned Neo4j, no
well-known password, data on a volume, a database port that only localhost can
reach, and an API that starts only once Neo4j answers queries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"

WELL_KNOWN_PASSWORDS = {"", "neo4j", "password", "admin", "secret", "changeme", "test"}

# `${VAR:-default}` / `${VAR-default}` / `${VAR}` as compose interpolates it.
INTERPOLATION = re.compile(r"\$\{(?P<var>\w+)(?::?-(?P<default>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def neo4j(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["neo4j"]
    return service


@pytest.fixture(scope="module")
def api(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["api"]
    return service


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whichever of compose's two spellings it uses."""
    raw = service.get("environment", {})
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def _effective_default(value: str) -> str:
    """What compose substitutes when no variable is set (the out-of-the-box value)."""
    return INTERPOLATION.sub(lambda m: m.group("default") or "", value)


def _neo4j_password_expression(neo4j: dict[str, Any]) -> str:
    auth = _env(neo4j)["NEO4J_AUTH"]
    user, _, password = auth.partition("/")
    assert user == "neo4j", auth
    return password


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_neo4j_is_pinned_to_5_26_community(neo4j: dict[str, Any]) -> None:
    assert neo4j["image"] == "neo4j:5.26-community"


def test_neo4j_out_of_the_box_password_is_not_a_well_known_one(neo4j: dict[str, Any]) -> None:
    password_expression = _neo4j_password_expression(neo4j)
    match = INTERPOLATION.fullmatch(password_expression)
    assert match is not None, "the password must come from ${NEO4J_PASSWORD:-...}"
    assert match["var"] == "NEO4J_PASSWORD"

    default = _effective_default(password_expression)
    assert default.lower() not in WELL_KNOWN_PASSWORDS
    assert len(default) >= 8, "Neo4j 5 rejects passwords shorter than 8 characters"


def test_api_uses_the_same_password_as_neo4j(neo4j: dict[str, Any], api: dict[str, Any]) -> None:
    env = _env(api)
    assert env["NEO4J_USER"] == "neo4j"
    assert env["NEO4J_PASSWORD"] == _neo4j_password_expression(neo4j)


def test_neo4j_memory_is_capped(neo4j: dict[str, Any]) -> None:
    env = _env(neo4j)
    assert env["NEO4J_server_memory_heap_max__size"] == "1G"
    assert env["NEO4J_server_memory_pagecache_size"] == "1G"


def test_neo4j_reports_its_health(neo4j: dict[str, Any]) -> None:
    healthcheck = neo4j["healthcheck"]
    test = healthcheck["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert "cypher-shell" in command or "7474" in command
    for key in ("interval", "timeout", "retries", "start_period"):
        assert key in healthcheck, key


def test_neo4j_healthcheck_escapes_shell_variables_from_compose(neo4j: dict[str, Any]) -> None:
    # A single `$` would be interpolated by compose on the host (to an empty string).
    test = neo4j["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert re.search(r"(?<!\$)\$\{", command) is None, command


def test_neo4j_data_lives_in_a_named_volume(compose: dict[str, Any], neo4j: dict[str, Any]) -> None:
    mounts = {}
    for volume in neo4j["volumes"]:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        mounts[target] = source
    assert "/data" in mounts
    assert mounts["/data"] in (compose.get("volumes") or {}), "volume must be declared"


def test_neo4j_is_only_reachable_from_localhost(neo4j: dict[str, Any]) -> None:
    published = []
    for port in neo4j.get("ports", []):
        if isinstance(port, str):
            parts = port.split(":")
            host_ip = parts[0] if len(parts) == 3 else "0.0.0.0"
            published.append((host_ip, parts[-1]))
        else:
            published.append((port.get("host_ip", "0.0.0.0"), str(port["target"])))
    assert ("127.0.0.1", "7687") in published
    assert all(host_ip == "127.0.0.1" for host_ip, _ in published), published


def test_api_waits_for_a_healthy_neo4j(api: dict[str, Any]) -> None:
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_api_talks_to_the_neo4j_service(api: dict[str, Any]) -> None:
    assert _env(api)["NEO4J_URI"] == "bolt://neo4j:7687"


def test_api_listens_on_all_interfaces_inside_its_container(api: dict[str, Any]) -> None:
    env = _env(api)
    assert env["RAPPORT_HOST"] == "0.0.0.0"
    assert env["RAPPORT_PORT"] == "8000"
    assert "8000:8000" in [str(p) for p in api["ports"]]


def test_api_reports_its_health_on_healthz(api: dict[str, Any]) -> None:
    test = api["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert "/healthz" in command
    assert "curl" not in command and "wget" not in command, "python:3.11-slim has neither"


def test_api_is_built_from_this_repository(api: dict[str, Any]) -> None:
    build = api["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    assert context in (".", "./")
    assert DOCKERFILE.is_file()


def test_image_runs_rapport_serve() -> None:
    cmds = [args for keyword, args in _dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    final = cmds[-1]  # only the last CMD counts
    argv = json.loads(final) if final.startswith("[") else final.split()
    assert argv[:2] == ["rapport", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8000"


def test_image_is_python_3_11_and_ships_the_playground_assets() -> None:
    instructions = _dockerfile_instructions()
    bases = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert bases[-1] == "python:3.11-slim"
    assert any(base.startswith("node:") for base in bases[:-1]), "needs a node stage for npm ci"
    assert any(keyword == "RUN" and "npm ci" in args for keyword, args in instructions)
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "RAPPORT_WEB_DIR=" in env, "installed package cannot find web/ on its own"


def test_image_runs_as_an_unprivileged_user() -> None:
    users = [args for keyword, args in _dockerfile_instructions() if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_build_context_leaves_out_local_state_and_secrets() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".git", ".venv", "web/node_modules", ".rapport", ".env"):
        assert entry in ignored, entry


# --- the monitoring profile: Prometheus and Grafana beside the API ----------------------------

DEPLOY = REPO_ROOT / "deploy"


def test_prometheus_and_grafana_run_only_with_the_monitoring_profile(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in ("prometheus", "grafana"):
        service = services[name]
        assert service["profiles"] == ["monitoring"], name
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+\.\d+", image), f"{name} is not pinned: {image}"
        for port in service["ports"]:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"
        for mount in service["volumes"]:
            host = mount.split(":", 1)[0]
            if host.startswith("./"):
                assert (REPO_ROOT / host).exists(), f"{name} mounts missing {host}"
    for service in ("neo4j", "api"):
        assert "profiles" not in services[service]  # `docker compose up` is unchanged


def test_prometheus_scrapes_the_api_with_its_metrics_token(
    compose: dict[str, Any], api: dict[str, Any]
) -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": [f"api:{_env(api)['RAPPORT_PORT']}"]}]
    assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert compose["services"]["prometheus"]["secrets"] == ["metrics_token"]
    assert compose["secrets"]["metrics_token"] == {"environment": "RAPPORT_METRICS_TOKEN"}
    assert _env(api)["RAPPORT_METRICS_TOKEN"] == "${RAPPORT_METRICS_TOKEN:-}"


def test_grafana_has_no_well_known_admin_password(compose: dict[str, Any]) -> None:
    env = _env(compose["services"]["grafana"])
    default = _effective_default(env["GF_SECURITY_ADMIN_PASSWORD"])
    assert default.lower() not in WELL_KNOWN_PASSWORDS | {"admin"}
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


def test_the_dashboard_charts_every_metric_and_only_real_ones() -> None:
    from prometheus_client import Counter, Gauge, Histogram

    from rapport.observability import metrics

    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "rapport.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    datasources = {p["datasource"]["uid"] for p in dashboard["panels"]}
    provisioned = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    assert datasources == {ds["uid"] for ds in provisioned["datasources"]}
    families = [
        family
        for collector in vars(metrics).values()
        if isinstance(collector, Counter | Gauge | Histogram)
        for family in collector.describe()
    ]
    known = set()
    for family in families:
        if family.type == "counter":
            known.add(family.name + "_total")
        elif family.type == "histogram":
            known.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            known.add(family.name)
    used = set(re.findall(r"\brapport_\w+", exprs))
    assert used <= known, used - known
    for family in families:
        assert family.name in exprs, f"{family.name} is on no panel"
