"""Small helpers for tests that talk to the live server over HTTP."""

from __future__ import annotations

from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> dict[str, Any]:
    """POST a GraphQL request; returns the whole JSON body (data, errors, extensions)."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def data(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Like `gql` but asserts there were no errors and returns `data`."""
    body = await gql(client, query, variables)
    assert not body.get("errors"), body.get("errors")
    result: dict[str, Any] = body["data"]
    return result
