"""Logging: one JSON object per line in production, readable lines in development.

Every line carries the request id (and the trace id when tracing is on). Each HTTP request
ends with one `rapport.access` line holding only facts about the request: route, status,
duration, the operation's name, type and outcome, statement count and database time, error
codes, and the viewer's user and credential ids. Never a variable, a query text, an e-mail or
a client address (tests/test_observability.py checks that no personal value appears).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import IO, Any

import orjson

from rapport.security.middleware import RequestIdLogFilter

#: Returns the current trace id (hex) or None; rapport.observability.traces sets it when on.
trace_id_of_current_span: Callable[[], str | None] = lambda: None  # noqa: E731

_EVENT = "rapport_event"
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def request_event(logger: logging.Logger, event: dict[str, Any]) -> None:
    """Log the one line of a finished request: `event` becomes the JSON line's fields."""
    if not logger.isEnabledFor(logging.INFO):
        return
    logger.info(_human(event), extra={_EVENT: event})


def _human(event: dict[str, Any]) -> str:
    parts = [f"{event['method']} /{event['route']} {event['status']} {event['durationMs']} ms"]
    if "operationType" in event:
        parts.append(
            f"{event['operationType']} {event['operation']} {event['outcome']}, "
            f"{event['statements']} statement(s) in {event['databaseMs']} ms"
        )
    if event.get("errorCodes"):
        parts.append("codes " + ",".join(event["errorCodes"]))
    if event.get("viewerId"):
        parts.append(f"viewer {event['viewerId']}")
    return " ".join(parts[:1]) + ("; " + "; ".join(parts[1:]) if parts[1:] else "")


class TraceIdLogFilter(logging.Filter):
    """Adds `trace_id` to every record (`-` when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.trace_id = trace_id_of_current_span() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, requestId, traceId, plus the
    fields of a request event."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": getattr(record, "request_id", "-"),
        }
        trace_id = getattr(record, "trace_id", "-")
        if trace_id != "-":
            line["traceId"] = trace_id
        event = getattr(record, _EVENT, None)
        if isinstance(event, dict):
            line.update(event)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def log_handler(json_lines: bool, stream: IO[str] | None = None) -> logging.Handler:
    """A handler (stderr by default) with the request id and trace id filters and the format."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdLogFilter())
    handler.addFilter(TraceIdLogFilter())
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(HUMAN_FORMAT))
    return handler


def configure_logging(level: str, json_lines: bool) -> None:
    """Replace the root logger's handlers with ours (idempotent): JSON lines or readable ones."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_rapport", False):
            root.removeHandler(old)
    handler = log_handler(json_lines)
    handler._rapport = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
