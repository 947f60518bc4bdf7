"""OpenTelemetry traces, off unless RAPPORT_TRACES is `otlp` or `console`.

When on, each HTTP request is a server span (joining a `traceparent` the client sent), each
GraphQL root field a child span (schema/tracing.py), and each Cypher statement a span inside it
(graphdb/driver.py) whose `db.query.text` is the statement text, never its parameter values.
The request span carries `rapport.request_id`; every log line carries `traceId`.

`otlp` exports over OTLP/HTTP, configured by OpenTelemetry's own variables
(`OTEL_EXPORTER_OTLP_ENDPOINT`, default http://localhost:4318, `OTEL_EXPORTER_OTLP_HEADERS`…);
`console` prints each span as JSON on stdout (for trying it out).
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from core.settings import Settings
from rapport.observability import logs
from rapport.served import schema
from schema import tracing

_provider: TracerProvider | None = None


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def configure_tracing(settings: Settings, exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider once per process; False when tracing is off.

    `exporter` replaces the configured one (tests pass an in-memory exporter)."""
    global _provider
    if settings.traces == "off" and exporter is None:
        return False
    if _provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": "rapport"}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        elif settings.traces == "console":
            provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        _provider = provider
    tracing.enable(schema)
    logs.trace_id_of_current_span = current_trace_id
    return True
