"""A small customer graph with two account managers, for authorization and audit tests.

`sales` manages A (BUSINESS, company C, where contacts P and P2 work) and A2 (BUSINESS,
company C2, nobody works there). `other` manages B (INDIVIDUAL) and E (BUSINESS, company D,
where contact Q works). Products X (ordered by nobody yet) and Y. User U has no accounts.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from core import global_id
from graphdb.driver import Graph
from tests._gql import mutate, ok


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


async def user_id(graph: Graph, email: str) -> str:
    rows = await graph.read("MATCH (u:User {email: $e}) RETURN u.id AS id", {"e": email})
    return global_id.encode("User", rows[0]["id"])


async def build_world(client: httpx.AsyncClient, graph: Graph, make_token: Any) -> World:
    w = World()
    for role in ("ADMIN", "MANAGER", "SALES", "ANALYST"):
        email = f"{role.lower()}-{uuid.uuid4().hex[:6]}@rapport.test"
        w.tokens[role] = await make_token(role, email=email)
        w.users[role] = await user_id(graph, email)
    other_email = f"other-{uuid.uuid4().hex[:6]}@rapport.test"
    w.tokens["OTHER"] = await make_token("SALES", email=other_email)
    w.users["OTHER"] = await user_id(graph, other_email)

    async def create(name: str, mutation: str, field_: str, data: dict[str, Any]) -> None:
        payload = ok(await mutate(client, mutation, data, f"{field_} {{ id }}"))
        w.ids[name] = payload[field_]["id"]

    await create("C", "createCompany", "company", {"name": "Alpha s.r.o."})
    await create("C2", "createCompany", "company", {"name": "Alpha Two s.r.o."})
    await create("D", "createCompany", "company", {"name": "Delta a.s."})
    await create(
        "A",
        "createCustomer",
        "customer",
        {
            "externalId": "A-1",
            "kind": "BUSINESS",
            "name": "Alpha",
            "companyId": w["C"],
            "accountManagerId": w.users["SALES"],
        },
    )
    await create(
        "A2",
        "createCustomer",
        "customer",
        {
            "externalId": "A-2",
            "kind": "BUSINESS",
            "name": "Alpha Two",
            "companyId": w["C2"],
            "accountManagerId": w.users["SALES"],
        },
    )
    await create(
        "B",
        "createCustomer",
        "customer",
        {
            "externalId": "B-1",
            "kind": "INDIVIDUAL",
            "name": "Bea Other",
            "accountManagerId": w.users["OTHER"],
        },
    )
    await create(
        "E",
        "createCustomer",
        "customer",
        {
            "externalId": "E-1",
            "kind": "BUSINESS",
            "name": "Delta",
            "companyId": w["D"],
            "accountManagerId": w.users["OTHER"],
        },
    )
    for name, first, company in (("P", "Petra", "C"), ("P2", "Pavol", "C"), ("Q", "Quido", "D")):
        await create(name, "createContact", "contact", {"firstName": first, "lastName": "Test"})
        ok(await mutate(client, "setEmployment", {"contactId": w[name], "companyId": w[company]}))
    await create(
        "X",
        "createProduct",
        "product",
        {"sku": "X-1", "name": "X", "price": "1", "currency": "EUR"},
    )
    await create(
        "Y",
        "createProduct",
        "product",
        {"sku": "Y-1", "name": "Y", "price": "1", "currency": "EUR"},
    )
    await create(
        "U",
        "createUser",
        "user",
        {"name": "Unused", "email": "unused@example.com", "role": "SALES"},
    )
    await create("S", "createSegment", "segment", {"name": "Slovak customers"})
    await create("S2", "createSegment", "segment", {"name": "Unused segment"})
    ok(await mutate(client, "tag", {"entityId": w["A"], "tags": ["old"]}))
    return w


@asynccontextmanager
async def as_role(base_url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        yield http


Case = Callable[[World], dict[str, Any]]

#: every mutation kind, with an input that succeeds for a role allowed to make it
CASES: dict[str, Case] = {
    "createCustomer": lambda w: {"externalId": "N-1", "kind": "INDIVIDUAL", "name": "New"},
    "updateCustomer": lambda w: {"id": w["A"], "leadScore": 50},
    "upsertCustomer": lambda w: {"externalId": "A-1", "kind": "BUSINESS", "name": "Alpha 2"},
    "deleteCustomer": lambda w: {"id": w["A2"]},
    "createCompany": lambda w: {"name": "NewCo"},
    "updateCompany": lambda w: {"id": w["C"], "employeeCount": 5},
    "deleteCompany": lambda w: {"id": w["C2"]},
    "createContact": lambda w: {"firstName": "Nina", "lastName": "Nova"},
    "updateContact": lambda w: {"id": w["P"], "lastName": "Renamed"},
    "deleteContact": lambda w: {"id": w["P"]},
    "createProduct": lambda w: {"sku": "Z-1", "name": "Z", "price": "2", "currency": "EUR"},
    "updateProduct": lambda w: {"id": w["X"], "price": "3"},
    "upsertProduct": lambda w: {"sku": "X-1", "name": "X2", "price": "1", "currency": "EUR"},
    "deleteProduct": lambda w: {"id": w["Y"]},
    "createUser": lambda w: {
        "name": "New User",
        "email": "new.user@example.com",
        "role": "ANALYST",
    },
    "updateUser": lambda w: {"id": w["U"], "name": "Renamed"},
    "deleteUser": lambda w: {"id": w["U"]},
    "setEmployment": lambda w: {"contactId": w["P"], "companyId": w["C"], "jobTitle": "CTO"},
    "endEmployment": lambda w: {"contactId": w["P2"], "companyId": w["C"]},
    "setReportsTo": lambda w: {"contactId": w["P"], "managerId": w["P2"]},
    "connectContacts": lambda w: {"contactId": w["P"], "otherId": w["P2"], "strength": 0.5},
    "recordReferral": lambda w: {"referrerId": w["P"], "referredId": w["A"], "note": "fair"},
    "placeOrder": lambda w: {"customerId": w["A"], "lines": [{"productId": w["X"], "quantity": 1}]},
    "logInteraction": lambda w: {"kind": "CALL", "participantIds": [w["A"], w["P"]]},
    "tag": lambda w: {"entityId": w["A"], "tags": ["vip"]},
    "untag": lambda w: {"entityId": w["A"], "tags": ["old"]},
    "recordConsent": lambda w: {
        "subjectId": w["P"],
        "channel": "EMAIL",
        "purpose": "newsletter",
        "granted": True,
    },
    "createSegment": lambda w: {"name": "Newsletter", "filter": {"country": {"eq": "SK"}}},
    "updateSegment": lambda w: {"id": w["S"], "filter": {"country": {"in": ["SK", "CZ"]}}},
    "deleteSegment": lambda w: {"id": w["S2"]},
    "eraseCustomer": lambda w: {"id": w["A2"], "reason": "subject request"},
    "eraseContact": lambda w: {"id": w["P"], "reason": "subject request"},
}

STAFF_ONLY = {
    "createProduct",
    "updateProduct",
    "upsertProduct",
    "deleteProduct",
    "createSegment",
    "updateSegment",
    "deleteSegment",
    "eraseCustomer",
    "eraseContact",
}
ADMIN_ONLY = {"createUser", "updateUser", "deleteUser"}


def allowed(role: str, mutation: str) -> bool:
    if role == "ADMIN":
        return True
    if role == "ANALYST":
        return False
    if mutation in ADMIN_ONLY:
        return False
    return role == "MANAGER" or mutation not in STAFF_ONLY


async def audit_count(graph: Graph) -> int:
    rows = await graph.read("MATCH (e:AuditEvent) RETURN count(e) AS n")
    return int(rows[0]["n"])


async def audit_events(graph: Graph, action: str | None = None) -> list[dict[str, Any]]:
    rows = await graph.read(
        "MATCH (e:AuditEvent) WHERE $action IS NULL OR e.action = $action "
        "OPTIONAL MATCH (e)-[:ABOUT]->(n) "
        "RETURN properties(e) AS e, n.id AS about ORDER BY e.at, e.id",
        {"action": action},
    )
    return [{**r["e"], "about": r["about"]} for r in rows]
