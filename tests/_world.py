"""A small customer graph with two account managers, for authorization and audit tests.

`sales` manages A (BUSINESS, company C, where contacts P and P2 work) and A2 (BUSINESS,
company C2, nobody works there). `other` manages B (INDIVIDUAL) and E (BUSINESS, company D,
where contact Q works). Products X (ordered by nobody yet) and Y. User U has no accounts.
"""

from __future__ import annotations

import asyncio
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
    """The world of the module docstring, through the API. Writes that do not depend on each
    other go at once (three rounds instead of 25 requests in a row): every test of the role
    matrix builds its own."""
    w = World()

    async def token(role: str, as_role: str) -> None:
        email = f"{role.lower()}-{uuid.uuid4().hex[:6]}@rapport.test"
        w.tokens[role] = await make_token(as_role, email=email)
        w.users[role] = await user_id(graph, email)

    async def create(name: str, mutation: str, field_: str, data: dict[str, Any]) -> None:
        payload = ok(await mutate(client, mutation, data, f"{field_} {{ id }}"))
        w.ids[name] = payload[field_]["id"]

    async def employ(contact: str, company: str) -> None:
        ok(
            await mutate(
                client, "setEmployment", {"contactId": w[contact], "companyId": w[company]}
            )
        )

    def customer(
        key: str, kind: str, name: str, manager: str, company: str | None
    ) -> dict[str, Any]:
        data = {"externalId": key, "kind": kind, "name": name, "accountManagerId": w.users[manager]}
        return data | ({"companyId": w[company]} if company else {})

    await asyncio.gather(
        *(token(role, role) for role in ("ADMIN", "MANAGER", "SALES", "ANALYST")),
        token("OTHER", "SALES"),
        create("C", "createCompany", "company", {"name": "Alpha s.r.o."}),
        create("C2", "createCompany", "company", {"name": "Alpha Two s.r.o."}),
        create("D", "createCompany", "company", {"name": "Delta a.s."}),
        *(
            create(name, "createContact", "contact", {"firstName": first, "lastName": "Test"})
            for name, first in (("P", "Petra"), ("P2", "Pavol"), ("Q", "Quido"))
        ),
        create(
            "X",
            "createProduct",
            "product",
            {"sku": "X-1", "name": "X", "price": "1", "currency": "EUR"},
        ),
        create(
            "Y",
            "createProduct",
            "product",
            {"sku": "Y-1", "name": "Y", "price": "1", "currency": "EUR"},
        ),
        create(
            "U",
            "createUser",
            "user",
            {"name": "Unused", "email": "unused@example.com", "role": "SALES"},
        ),
        create("S", "createSegment", "segment", {"name": "Slovak customers"}),
        create("S2", "createSegment", "segment", {"name": "Unused segment"}),
    )
    await asyncio.gather(
        create(
            "A", "createCustomer", "customer", customer("A-1", "BUSINESS", "Alpha", "SALES", "C")
        ),
        create(
            "A2",
            "createCustomer",
            "customer",
            customer("A-2", "BUSINESS", "Alpha Two", "SALES", "C2"),
        ),
        create(
            "B",
            "createCustomer",
            "customer",
            customer("B-1", "INDIVIDUAL", "Bea Other", "OTHER", None),
        ),
        create(
            "E", "createCustomer", "customer", customer("E-1", "BUSINESS", "Delta", "OTHER", "D")
        ),
        *(employ(name, company) for name, company in (("P", "C"), ("P2", "C"), ("Q", "D"))),
    )
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
