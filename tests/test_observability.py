"""Operations: /metrics counts what happened, exactly; request log lines hold no personal value.

Metrics are process-wide (prometheus-client's registry), so each test compares a scrape taken
before its requests with one taken after.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from core.settings import Settings
from graphdb.driver import Graph
from rapport.observability import metrics, traces
from rapport.observability.logs import log_handler
from tests._apps import app_client
from tests.conftest import REPO_ROOT

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

ME = "query Me { me { id email } }"


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_count_a_known_sequence_of_requests_exactly(
    settings: Settings, graph: Graph
) -> None:
    async with app_client(settings) as (client, _app):
        before = await scrape(client)
        for _ in range(3):
            assert (await client.post("/graphql", json={"query": ME})).json()["data"]["me"]
        broken = await client.post("/graphql", json={"query": "query Broken { nope }"})
        assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        created = await client.post(
            "/graphql",
            json={
                "query": "mutation AddCustomer($input: CreateCustomerInput!) { "
                "createCustomer(input: $input) { customer { id } errors { code } } }",
                "variables": {"input": {"externalId": "M-1", "kind": "INDIVIDUAL", "name": "A"}},
            },
        )
        assert created.json()["data"]["createCustomer"]["errors"] == []
        imported = await client.post(
            "/graphql",
            json={
                "query": "mutation Load($input: ImportRecordsInput!) { importRecords(input: "
                "$input) { created updated unchanged failed } }",
                "variables": {
                    "input": {
                        "type": "CUSTOMERS",
                        "data": "externalId,kind,name\nM-1,INDIVIDUAL,A\n"
                        "M-2,BUSINESS,B s.r.o.\nM-3,INDIVIDUAL,\n",
                    }
                },
            },
        )
        assert imported.json()["data"]["importRecords"] == {
            "created": 1,
            "updated": 0,
            "unchanged": 1,
            "failed": 1,
        }
        for _ in range(2):
            refused = await client.post(
                "/graphql", json={"query": ME}, headers={"Authorization": ""}
            )
            assert refused.status_code == 401
        assert (await client.get("/healthz")).status_code == 200
        after = await scrape(client)

    requests = "rapport_graphql_requests_total"
    assert delta(before, after, requests, operation="Me", type="query", outcome="ok") == 3
    assert delta(before, after, requests, operation="Broken", type="query", outcome="error") == 1
    assert (
        delta(before, after, requests, operation="AddCustomer", type="mutation", outcome="ok") == 1
    )
    assert (
        delta(before, after, "rapport_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    )
    assert delta(before, after, "rapport_http_refusals_total", code="UNAUTHENTICATED") == 2
    http = "rapport_http_requests_total"
    assert delta(before, after, http, route="graphql", status="200") == 6
    assert delta(before, after, http, route="graphql", status="401") == 2
    assert delta(before, after, http, route="healthz", status="200") == 1
    latency = "rapport_graphql_request_duration_seconds_count"
    assert delta(before, after, latency, operation="Me", type="query") == 3
    # Each `me` is one statement; a refused validation runs none; the mutation runs some.
    statements = "rapport_cypher_statements_per_request"
    assert delta(before, after, statements + "_count", type="query") == 4
    assert delta(before, after, statements + "_sum", type="query") == 3
    assert delta(before, after, statements + "_count", type="mutation") == 2
    assert delta(before, after, statements + "_sum", type="mutation") >= 2
    rows = "rapport_import_rows_total"
    for outcome in ("created", "unchanged", "failed"):
        assert delta(before, after, rows, type="customers", outcome=outcome) == 1
    assert delta(before, after, rows, type="customers", outcome="updated") == 0
    assert delta(before, after, "rapport_database_seconds_per_request_sum", type="query") > 0
    assert after[("rapport_neo4j_sessions_in_use", frozenset())] == 0
    assert after[("rapport_neo4j_up", frozenset())] == 1


async def test_metrics_need_their_token_when_one_is_set(settings: Settings, graph: Graph) -> None:
    async with app_client(
        settings, env="production", metrics_token=SecretStr("scrape-secret-0123456789")
    ) as (
        client,
        _app,
    ):
        # The API key is not the metrics token, and no token is no access.
        assert (await client.get("/metrics")).status_code == 401
        anonymous = await client.get("/metrics", headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await scrape(client, Authorization="Bearer scrape-secret-0123456789")
        assert (await client.post("/metrics", headers={"Authorization": ""})).status_code == 405
    async with app_client(settings, env="production") as (client, _app):
        unset = await client.get("/metrics")
        assert unset.status_code == 404
        assert "RAPPORT_METRICS_TOKEN" in unset.json()["error"]


@contextmanager
def json_log_lines() -> Iterator[list[dict[str, Any]]]:
    """Every log line written while inside, as JSON objects (the production format)."""
    stream = io.StringIO()
    handler = log_handler(json_lines=True, stream=stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        lines.extend(orjson.loads(line) for line in stream.getvalue().splitlines())


async def test_one_json_line_per_request_without_personal_values(
    settings: Settings, graph: Graph
) -> None:
    personal = {
        "externalId": "PRIVATE-4711",
        "kind": "INDIVIDUAL",
        "name": "Zelda Quxworth",
        "email": "zelda.quxworth@example.org",
        "phone": "+421 905 987 654",
    }
    async with app_client(settings) as (client, _app):
        with json_log_lines() as lines:
            response = await client.post(
                "/graphql",
                headers={"X-Request-Id": "req-observability-1"},
                json={
                    "query": "mutation AddCustomer($input: CreateCustomerInput!) { "
                    "createCustomer(input: $input) { customer { id name email phone } "
                    "errors { code } } }",
                    "variables": {"input": personal},
                },
            )
            customer = response.json()["data"]["createCustomer"]["customer"]
            assert customer["name"] == "Zelda Quxworth"
            search = await client.post(
                "/graphql",
                json={
                    "query": "query Find($q: String!) { customers(filter: "
                    "{ email: { eq: $q } }) { totalCount } }",
                    "variables": {"q": "zelda.quxworth@example.org"},
                },
            )
            assert search.json()["data"]["customers"]["totalCount"] == 1
    access = [line for line in lines if line["logger"] == "rapport.access"]
    assert len(access) == 2
    line = access[0]
    assert line["requestId"] == "req-observability-1"
    assert line["operation"] == "AddCustomer"
    assert line["operationType"] == "mutation"
    assert line["outcome"] == "ok"
    assert line["status"] == 200
    assert line["statements"] >= 1
    assert line["databaseMs"] > 0
    assert line["durationMs"] >= line["databaseMs"]
    assert line["viewerId"] == "00000000-0000-4000-8000-00000000ad01"
    everything = "\n".join(orjson.dumps(line).decode() for line in lines).lower()
    for value in ("zelda", "quxworth", "4711", "987 654", "987654", "example.org"):
        assert value not in everything


def test_every_setting_is_in_the_readmes_table() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        field.alias or name
        for name, field in Settings.model_fields.items()
        if f"| `{field.alias or name}` |" not in readme
    ]
    assert missing == []


def test_every_metric_is_in_docs_operations() -> None:
    operations = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    names = [
        family.name + ("_total" if family.type == "counter" else "")
        for collector in vars(metrics).values()
        if isinstance(collector, Counter | Gauge | Histogram)
        for family in collector.describe()
    ]
    assert len(names) == 13
    assert [name for name in names if f"| `{name}` |" not in operations] == []


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this process (as RAPPORT_TRACES does), into an in-memory exporter that
    stops keeping spans after this module (a tracer provider is set once per process)."""
    exporter = InMemorySpanExporter()
    assert traces.configure_tracing(Settings(RAPPORT_TRACES="console"), exporter=exporter)
    yield exporter
    exporter.clear()
    exporter.shutdown()


async def test_spans_per_request_root_field_and_statement_without_values(
    settings: Settings, graph: Graph, spans: InMemorySpanExporter
) -> None:
    secret = "zelda.quxworth@example.org"
    spans.clear()
    async with app_client(settings, traces="console") as (client, _app):
        with json_log_lines() as lines:
            response = await client.post(
                "/graphql",
                headers={"X-Request-Id": "req-traced-0001"},
                json={
                    "query": "query Traced($q: String!) { me { id } customers(filter: "
                    "{ email: { eq: $q } }) { totalCount } }",
                    "variables": {"q": secret},
                },
            )
            assert response.json()["data"]["customers"]["totalCount"] == 0
    finished = spans.get_finished_spans()
    (request,) = [s for s in finished if s.name == "POST /graphql"]
    assert request.attributes is not None
    assert request.attributes["rapport.request_id"] == "req-traced-0001"
    assert request.attributes["http.response.status_code"] == 200
    trace_id = request.context.trace_id
    fields = {s.name: s for s in finished if s.name.startswith("graphql.field ")}
    assert set(fields) == {"graphql.field me", "graphql.field customers"}
    for field in fields.values():
        assert field.parent is not None and field.parent.span_id == request.context.span_id
    statements = [s for s in finished if s.name == "cypher"]
    under_customers = [
        s
        for s in statements
        if s.parent is not None
        and s.parent.span_id == fields["graphql.field customers"].context.span_id
    ]
    assert len(under_customers) == 1  # the root field's one statement
    text = str((under_customers[0].attributes or {})["db.query.text"])
    assert "MATCH" in text and "$" in text
    # Start-up (migrations) has traces of its own; the request's spans are one trace.
    in_request = [s for s in finished if s.context.trace_id == trace_id]
    assert {*fields.values(), *under_customers} <= set(in_request)
    for span in finished:
        assert secret not in str(dict(span.attributes or {}))
    (access,) = [line for line in lines if line["logger"] == "rapport.access"]
    assert access["traceId"] == format(trace_id, "032x")


def test_workers_metrics_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """What `rapport serve --workers N` does: each worker writes into PROMETHEUS_MULTIPROC_DIR
    and a scrape of any one of them sums them; a worker that shut down leaves the gauges."""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path)}
    worker = (
        "from rapport.observability import metrics\n"
        "metrics.observe_operation(name='Probe', type_='query', outcome='ok', seconds=0.01, "
        "statements={n}, database_s=0.001, error_codes=['X'])\n"
        "metrics.subscription_opened()\n"
        "{exit}"
    )
    for n, exit in ((1, ""), (2, "metrics.process_exiting()")):
        subprocess.run([sys.executable, "-c", worker.format(n=n, exit=exit)], env=env, check=True)
    scrape = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom rapport.observability import metrics\n"
            "sys.stdout.write(metrics.exposition().decode())",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
    }
    probe = frozenset({"operation": "Probe", "type": "query", "outcome": "ok"}.items())
    assert samples[("rapport_graphql_requests_total", probe)] == 2
    assert (
        samples[("rapport_cypher_statements_per_request_sum", frozenset({("type", "query")}))] == 3
    )
    assert samples[("rapport_graphql_errors_total", frozenset({("code", "X")}))] == 2
    assert samples[("rapport_subscriptions_open", frozenset())] == 1  # the one still "running"
