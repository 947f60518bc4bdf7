"""Talking to the live server the way a client does: POST /graphql, JSON in, JSON out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

import httpx

from core import global_id

ERRORS = "errors { field code message }"

T = TypeVar("T")

#: read-only operations a test keeps in flight at once: large generated documents spend their
#: time in Neo4j planning the statement, one core each, and the machine has two
READ_LANES = 2


async def in_lanes(calls: Iterable[Awaitable[T]], lanes: int = READ_LANES) -> list[T]:
    """Await `calls` (read-only operations: their order must not matter), `lanes` at a time;
    their results in the order given."""
    gate = asyncio.Semaphore(lanes)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> Any:
    """Run one operation; GraphQL-level errors fail the test (mutations report in payloads)."""
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def mutate(
    client: httpx.AsyncClient, name: str, input: dict[str, Any], selection: str = ""
) -> dict[str, Any]:
    """Call mutation `name` with `input`; returns its payload (always selecting errors)."""
    input_type = name[0].upper() + name[1:] + "Input"
    if name in ("tag", "untag"):
        input_type = name.title() + "Input"
    query = (
        f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}"
    )
    data = await gql(client, query, {"input": input})
    return data[name]  # type: ignore[no-any-return]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def error_fields(payload: dict[str, Any]) -> list[list[str] | None]:
    return [e["field"] for e in payload["errors"]]


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload, after asserting it has no errors."""
    assert payload["errors"] == [], payload["errors"]
    return payload


def raw(gid: str) -> str:
    return global_id.decode(gid)[1]


def missing_id(type_name: str) -> str:
    """A well-formed id of `type_name` that names nothing."""
    return global_id.encode(type_name, "00000000-0000-4000-8000-000000000000")


MALFORMED_ID = "not-an-id"
