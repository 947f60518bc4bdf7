"""Records created through the public mutations, for tests that need something to point at."""

from __future__ import annotations

from typing import Any

import httpx

from tests._gql import mutate, ok


async def new_customer(client: httpx.AsyncClient, external_id: str = "C-1", **fields: Any) -> str:
    data = {"externalId": external_id, "kind": "INDIVIDUAL", "name": external_id, **fields}
    return str(
        ok(await mutate(client, "createCustomer", data, "customer { id }"))["customer"]["id"]
    )


async def new_company(client: httpx.AsyncClient, name: str = "Acme s.r.o.", **fields: Any) -> str:
    data = {"name": name, **fields}
    return str(ok(await mutate(client, "createCompany", data, "company { id }"))["company"]["id"])


async def new_contact(
    client: httpx.AsyncClient, first: str = "Peter", last: str = "Horváth", **fields: Any
) -> str:
    data = {"firstName": first, "lastName": last, **fields}
    return str(ok(await mutate(client, "createContact", data, "contact { id }"))["contact"]["id"])


async def new_product(
    client: httpx.AsyncClient, sku: str = "SKU-1", price: str = "10.00", **fields: Any
) -> str:
    data = {"sku": sku, "name": f"Product {sku}", "price": price, "currency": "EUR", **fields}
    return str(ok(await mutate(client, "createProduct", data, "product { id }"))["product"]["id"])


async def new_user(client: httpx.AsyncClient, email: str = "eva@rapport.example") -> str:
    data = {"name": "Eva Kováčová", "email": email, "role": "SALES"}
    return str(ok(await mutate(client, "createUser", data, "user { id }"))["user"]["id"])
