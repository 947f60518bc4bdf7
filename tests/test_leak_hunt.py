"""The leak hunt (issue 19): no personal value of a record outside a role's view appears anywhere
in any answer: data, errors or extensions, of any query field or mutation.

Nothing here is a hand-written list of paths. The schema is read by introspection from the live
server; every root query field is called with its arguments filled from the seeded graph (ids
of records the role may not see, a hidden person's e-mail as search text…), selecting every
field of the result, through interfaces and unions, a few levels deep. Every mutation is called
with an input generated from its input type, naming hidden records. The hidden values are
computed here, independently of the code under test, from the rule stated in
docs/security.md: SALES sees the personal data of the customers it MANAGES and of the contacts
currently working at those customers' companies; ANALYST sees none. (ADMIN and MANAGER see
everything, so nothing is hidden from them.)

The graph is the project's seed (`rapport seed`, 60 customers).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from core import global_id
from graphdb.driver import Graph
from rapport.seed import seed_graph
from tests._gql import in_lanes
from tests.conftest import MakeToken

CUSTOMERS, SEED = 60, 19
#: object levels below a root field (a Relay hop `edges { node }` is one)
DEPTH = 2
#: values shorter than this are not hunted (they match inside unrelated text)
MIN_LENGTH = 6

PERSONAL = {
    "Customer": ("email", "phone", "addressLine1", "addressLine2", "postalCode"),
    "Contact": (
        "email",
        "phone",
        "videoHandle",
        "birthday",
        "personalNotes",
        "addressLine1",
        "addressLine2",
        "postalCode",
    ),
}

#: the view of SALES user $viewerId, as docs/security.md states it (written apart from the code)
_VISIBLE = {
    "Customer": "MATCH (:User {id: $viewerId})-[:MANAGES]->(n:Customer) RETURN n.id AS id",
    "Contact": (
        "MATCH (:User {id: $viewerId})-[:MANAGES]->(:Customer {kind: 'BUSINESS'})"
        "-[:ACCOUNT_OF]->(:Company)<-[w:WORKS_AT]-(n:Contact) "
        "WHERE w.endedOn IS NULL OR w.endedOn > date() RETURN DISTINCT n.id AS id"
    ),
}

INTROSPECTION = """
{ __schema { queryType { name } mutationType { name }
  types { name kind possibleTypes { name }
    fields { name args { name type { ...T } defaultValue } type { ...T } }
    inputFields { name type { ...T } defaultValue } enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
"""


@dataclass
class Hunt:
    """What one role may not see, and ids to provoke it with."""

    hidden: set[str] = field(default_factory=set)
    ids: dict[str, list[str]] = field(default_factory=dict)  # type -> global ids (hidden first)
    search: str = ""


#: values every role sees (a company's address is not personal) that a person may share
_PUBLIC = (
    "MATCH (c:Company) UNWIND [c.addressLine1, c.addressLine2, c.postalCode] AS v "
    "RETURN collect(DISTINCT v) AS values"
)


async def _hunt(graph: Graph, role: str, viewer: str | None) -> Hunt:
    hunt = Hunt()
    public = set((await graph.read(_PUBLIC))[0]["values"])
    for type_name, props in PERSONAL.items():
        visible: set[str] = set()
        if role == "SALES":
            visible = {r["id"] for r in await graph.read(_VISIBLE[type_name], {"viewerId": viewer})}
        rows = await graph.read(
            f"MATCH (n:{type_name}) RETURN n.id AS id, [p IN $props | toString(n[p])] AS values "
            "ORDER BY n.id",
            {"props": list(props)},
        )
        seen = public | {v for r in rows if r["id"] in visible for v in r["values"] if v}
        hidden_rows = [r for r in rows if r["id"] not in visible]
        hunt.hidden |= {
            v.lower()
            for r in hidden_rows
            for v in r["values"]
            if v and len(v) >= MIN_LENGTH and v not in seen
        }
        hunt.ids[type_name] = [global_id.encode(type_name, r["id"]) for r in hidden_rows[:3]] + [
            global_id.encode(type_name, r["id"]) for r in rows if r["id"] in visible
        ][:1]
        if type_name == "Contact":
            emails = [r["values"][0] for r in hidden_rows if r["values"][0]]
            hunt.search = emails[0] if emails else "a"
    for type_name in ("Company", "Order", "Interaction", "User", "Segment", "Product", "Tag"):
        rows = await graph.read(f"MATCH (n:{type_name}) RETURN n.id AS id ORDER BY id LIMIT 2")
        hunt.ids[type_name] = [global_id.encode(type_name, r["id"]) for r in rows]
    staffed = await graph.read(
        "MATCH (c:Contact)-[:WORKS_AT]->(co:Company) WHERE c.id IN $ids "
        "RETURN co.id AS id ORDER BY id LIMIT 1",
        {"ids": [global_id.decode(i)[1] for i in hunt.ids["Contact"][:3]]},
    )
    if staffed:
        hunt.ids["Company"].insert(0, global_id.encode("Company", staffed[0]["id"]))
    return hunt


#: what an answer carries that no person's value can be, yet whose random digits a hidden
#: six-digit value (a postal code) can be found in by chance: the request id we sent (32 hex
#: digits, in every error) and the microseconds of a timestamp written during the session
_NOT_VALUES = re.compile(
    r'"requestid":\s*"[0-9a-f]{32}"'
    r"|\d{4}-\d{2}-\d{2}t\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:z|[+-]\d{2}:\d{2})?"
)


def _scannable(body: str) -> str:
    """The answer, lower-cased, without the request ids and timestamps (`_NOT_VALUES`). Dates
    alone stay: a birthday is personal."""
    return _NOT_VALUES.sub(" ", body.lower())


# --- the schema, by introspection ---------------------------------------------------------


class Schema:
    def __init__(self, data: dict[str, Any]) -> None:
        raw = data["__schema"]
        self.types = {t["name"]: t for t in raw["types"]}
        self.query = raw["queryType"]["name"]
        self.mutation = raw["mutationType"]["name"]

    @staticmethod
    def named(ref: dict[str, Any]) -> dict[str, Any]:
        while ref.get("ofType"):
            ref = ref["ofType"]
        return ref

    def _parts(self, type_name: str, depth: int, path: tuple[str, ...]) -> list[Part]:
        """Every field of `type_name`: scalars, and objects to `depth` levels (no type twice on
        a path), with inline fragments for every possible type of an interface or union."""
        t = self.types[type_name]
        if t["kind"] in ("INTERFACE", "UNION"):
            return ["__typename"] + [
                (f"... on {p['name']}", p["name"], depth, path) for p in t["possibleTypes"]
            ]
        parts: list[Part] = []
        for f in t["fields"] or []:
            if any(
                a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None for a in f["args"]
            ):
                continue  # a nested field with a required argument: called at the root only
            target = self.named(f["type"])["name"]
            if self.types[target]["kind"] in ("SCALAR", "ENUM"):
                parts.append(f["name"])
            elif depth > 0 and target not in path:
                # a Relay hop (`edges { node }`) counts as one level; nested lists read 1 item
                hop = type_name.endswith(("Connection", "Edge"))
                name = f["name"] + (
                    "(first: 1)" if any(a["name"] == "first" for a in f["args"]) else ""
                )
                parts.append((name, target, depth - (0 if hop else 1), (*path, type_name)))
        return parts

    def selections(
        self, type_name: str, depth: int, path: tuple[str, ...] = (), budget: int = 1400
    ) -> list[str]:
        """The whole selection of `type_name`, cut into pieces of at most `budget` tokens (the
        server's token limit), each a valid selection set."""
        out: list[str] = []
        current: list[str] = []
        for part in self._parts(type_name, depth, path):
            if isinstance(part, str):
                text = part
            else:
                prefix, target, d, p = part
                subs = self.selections(target, d, p, budget - 4)
                subs = [sub for sub in subs if sub]
                if not subs:
                    continue
                if len(subs) > 1:
                    out.extend(f"{prefix} {{ {sub} }}" for sub in subs)
                    continue
                text = f"{prefix} {{ {subs[0]} }}"
            if _tokens(" ".join([*current, text])) > budget and current:
                out.append(" ".join(current))
                current = []
            current.append(text)
        if current:
            out.append(" ".join(current))
        return out


Part = str | tuple[str, str, int, tuple[str, ...]]


def _tokens(text: str) -> int:
    return len(re.findall(r"\.\.\.|[A-Za-z_]\w*|[{}():\[\],!$]|\"[^\"]*\"|-?\d[\d.]*", text))


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    return str(value)


class Enum(str):
    """An enum value (printed bare)."""


def _print(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_print(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_print(v)}" for k, v in value.items()) + "}"
    return _literal(value)


_ID_TYPES = {
    "contactId": "Contact",
    "managerId": "Contact",
    "otherId": "Contact",
    "subjectId": "Contact",
    "companyId": "Company",
    "customerId": "Customer",
    "referredId": "Customer",
    "referrerId": "Customer",
    "fromId": "Contact",
    "toId": "Customer",
    "entityId": "Customer",
    "productId": "Product",
    "loggedById": "User",
    "accountManagerId": "User",
    "participantIds": "Contact",
}


def _entity_of(owner: str) -> str:
    for name in ("Customer", "Contact", "Company", "Product", "User", "Segment", "Order"):
        if name.lower() in owner.lower():
            return name
    return "Customer"


class Filler:
    """Argument and input values from the seeded graph."""

    def __init__(self, schema: Schema, hunt: Hunt) -> None:
        self.schema, self.hunt = schema, hunt

    def value(self, name: str, ref: dict[str, Any], owner: str, variant: int = 0) -> Any:
        if ref["kind"] == "NON_NULL":
            return self.value(name, ref["ofType"], owner, variant)
        if ref["kind"] == "LIST":
            return [self.value(name, ref["ofType"], owner, variant)]
        t = self.schema.types[ref["name"]]
        if t["kind"] == "ENUM":
            return Enum(t["enumValues"][0]["name"])
        if t["kind"] == "INPUT_OBJECT":
            return {
                f["name"]: self.value(f["name"], f["type"], owner, variant)
                for f in t["inputFields"]
                if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None
            }
        scalar = ref["name"]
        if scalar == "ID":
            entity = _ID_TYPES.get(name) or _entity_of(owner)
            ids = self.hunt.ids.get(entity) or self.hunt.ids["Customer"]
            return ids[variant % len(ids)]
        return {
            "String": self.hunt.search if name == "text" else "leak hunt",
            "Int": 3,
            "Float": 0.5,
            "Boolean": False,
            "Decimal": "1",
            "Date": "2020-01-01",
            "DateTime": "2026-01-01T00:00:00Z",
            "JSON": {},
        }.get(scalar, "x")

    def args(self, f: dict[str, Any], owner: str, variant: int) -> str:
        given = {
            a["name"]: self.value(a["name"], a["type"], owner or f["name"], variant)
            for a in f["args"]
            if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None
        }
        if any(a["name"] == "first" for a in f["args"]):
            given.setdefault("first", 2)
        return "(" + ", ".join(f"{k}: {_print(v)}" for k, v in given.items()) + ")" if given else ""


def _operations(schema: Schema, filler: Filler, kind: str) -> Iterator[tuple[str, str]]:
    root = schema.types[schema.query if kind == "query" else schema.mutation]
    for f in root["fields"]:
        target = Schema.named(f["type"])
        scalar = schema.types[target["name"]]["kind"] in ("SCALAR", "ENUM")
        pieces = [""] if scalar else schema.selections(target["name"], DEPTH)
        variants = 1
        for variant in range(variants):
            args = filler.args(f, f["name"], variant)
            for piece in pieces:
                inner = f" {{ {piece} }}" if piece else ""
                yield f["name"], f"{kind} {{ {f['name']}{args}{inner} }}"


# --- the hunt -----------------------------------------------------------------------------


@pytest.fixture
async def seeded(graph: Graph) -> Graph:
    await seed_graph(graph, CUSTOMERS, SEED, progress=False)
    return graph


async def _token(graph: Graph, make_token: MakeToken, role: str) -> tuple[str, str | None]:
    if role != "SALES":
        return await make_token(role), None
    rows = await graph.read(
        "MATCH (u:User {role: 'SALES'})-[:MANAGES]->(c:Customer {kind: 'BUSINESS'}) "
        "RETURN u.id AS id, u.email AS email, count(c) AS n ORDER BY n DESC, id LIMIT 1"
    )
    return await make_token("SALES", email=rows[0]["email"]), str(rows[0]["id"])


@pytest.mark.parametrize("role", ["SALES", "ANALYST"])
async def test_no_answer_carries_a_personal_value_the_role_may_not_see(
    live_server_url: str, seeded: Graph, make_token: MakeToken, role: str
) -> None:
    token, viewer = await _token(seeded, make_token, role)
    hunt = await _hunt(seeded, role, viewer)
    assert len(hunt.hidden) > 100, "the seed should hide plenty from this role"
    headers = {"Authorization": f"Bearer {token}", "X-Rapport-Debug": "1"}
    async with httpx.AsyncClient(base_url=live_server_url, timeout=60, headers=headers) as http:
        schema = Schema((await http.post("/graphql", json={"query": INTROSPECTION})).json()["data"])
        filler = Filler(schema, hunt)
        leaks: list[tuple[str, str, str]] = []
        answered: set[str] = set()
        timings: list[tuple[float, str]] = []

        async def send(name: str, document: str) -> None:
            started = time.monotonic()
            response = await http.post(
                "/graphql", json={"query": document}, headers={"X-Request-Id": uuid.uuid4().hex}
            )
            timings.append((time.monotonic() - started, name))
            text = _scannable(response.text)
            found = sorted(v for v in hunt.hidden if v in text)
            if found:
                at = text.index(found[0])
                leaks.append((name, found[0], text[max(0, at - 120) : at + 40]))
            body = response.json()
            if body.get("data") and body["data"].get(name) is not None:
                answered.add(name)

        # Queries read only, so they go in lanes (their time is Neo4j planning large statements).
        # Mutations go one by one, in order, so what each one finds is what the ones before it
        # left.
        await in_lanes(send(*op) for op in _operations(schema, filler, "query"))
        for name, document in _operations(schema, filler, "mutation"):
            await send(name, document)
    print("slowest:", sorted(timings, reverse=True)[:5], "total", round(sum(t for t, _ in timings)))
    assert leaks == [], leaks
    # the hunt did look: most root fields answered with data for this role
    assert len(answered) > 15, sorted(answered)
