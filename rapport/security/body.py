"""The one decoder of what clients send: HTTP bodies, GET parameters and WebSocket messages.

Every JSON value a client sends goes through `decode_json`: UTF-8 only (invalid bytes and lone
surrogates are refused, so no such string ever reaches a resolver or the database), numbers a
64-bit float can hold (orjson's rules: no NaN, no infinity, no 5,000-digit integers) and at most
`MAX_JSON_DEPTH` levels of nesting. `graphql_request` then checks the shape the GraphQL-over-HTTP
spec gives a request. Every refusal is a `BadRequest`, which the view answers with a 4xx and a
JSON body of GraphQL errors (`extensions.code`, `extensions.requestId`), never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

#: Deepest nesting of arrays and objects accepted in a request (the envelope counts: a filter
#: in `variables` starts at level 3). Far above any real filter, far below a recursion limit.
MAX_JSON_DEPTH = 64

JSON_MEDIA_TYPE = "application/json"
GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"


class BadRequest(Exception):
    """A request we will not execute; `message` is for the client, `code` is stable."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "BAD_REQUEST",
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def decode_json(raw: bytes | str, what: str = "The request body") -> Any:
    """The JSON value of `raw`, or BadRequest saying what is wrong with it."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError as exc:  # a str holding a lone surrogate
            raise BadRequest(f"{what} is not valid UTF-8 (lone surrogate).") from exc
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = str(exc)
        if "depth limit" in reason:
            raise _too_deep(what) from exc
        raise BadRequest(f"{what} is not valid JSON: {reason}.", code="INVALID_JSON") from exc
    _check_depth(value, what)
    return value


def _too_deep(what: str) -> BadRequest:
    return BadRequest(
        f"{what} nests arrays and objects more than {MAX_JSON_DEPTH} levels deep.",
        code="JSON_TOO_DEEP",
    )


def _check_depth(value: Any, what: str) -> None:
    """Iterative (a recursive walk is what deep input is meant to break)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(what)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def graphql_request(data: Any) -> GraphQLRequest:
    """The operation a decoded body (or GET parameters) asks for, or BadRequest."""
    if isinstance(data, list):
        raise BadRequest(
            "Batched requests (a JSON array of operations) are not supported: send one "
            "operation per request.",
            code="BATCHING_NOT_SUPPORTED",
        )
    if not isinstance(data, dict):
        raise BadRequest(
            'The request must be a JSON object such as {"query": "{ apiVersion }"}.',
            code="BAD_REQUEST",
        )
    query = data.get("query")
    if query is None or query == "":
        raise BadRequest("No GraphQL query found in the request: send `query`.", code="NO_QUERY")
    if not isinstance(query, str):
        raise BadRequest("The request's `query` must be a string.")
    variables = data.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("The request's `variables` must be an object or null.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("The request's `operationName` must be a string or null.")
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("The request's `extensions` must be an object or null.")
    return GraphQLRequest(query, variables, operation_name or None, extensions)


def from_query_params(params: Mapping[str, str]) -> GraphQLRequest:
    """A GET request's operation: `query`, `operationName`, and JSON `variables`/`extensions`."""
    data: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
    }
    for name in ("variables", "extensions"):
        text = params.get(name)
        if text:
            data[name] = decode_json(text, f"The `{name}` parameter")
    return graphql_request(data)


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer with for an `Accept` header, or None when none is acceptable.

    Without `Accept` (or with only wildcards) the answer is `application/json`, as the
    GraphQL-over-HTTP spec asks of servers for clients that predate
    `application/graphql-response+json`; a client naming the latter at least as high gets it.
    """
    if not accept or not accept.strip():
        return JSON_MEDIA_TYPE
    ranges = _media_ranges(accept)

    def quality(candidate: str) -> float:
        exact = [q for media, q in ranges if media == candidate]
        if exact:
            return max(exact)
        return max((q for media, q in ranges if media in ("*/*", "application/*")), default=0.0)

    gql, json_q = quality(GRAPHQL_RESPONSE_MEDIA_TYPE), quality(JSON_MEDIA_TYPE)
    named = any(media == GRAPHQL_RESPONSE_MEDIA_TYPE for media, _ in ranges)
    if named and gql > 0 and gql >= json_q:
        return GRAPHQL_RESPONSE_MEDIA_TYPE
    if json_q > 0:
        return JSON_MEDIA_TYPE
    return GRAPHQL_RESPONSE_MEDIA_TYPE if gql > 0 else None
