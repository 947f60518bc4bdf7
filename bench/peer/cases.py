"""The query mix of issue 16, each written once for Rapport and once for the peer, with the
normalisation that makes the two answers comparable.

Each side gets the query a user of that API would write: Rapport has only connections, the peer
also plain lists (`limit`/`sort`), which it answers more cheaply, so the peer uses a list where
no cursor or edge is needed (orders of a customer, the top 20) and a connection where the issue
asks for a page, edge properties or a count. Deep pages are keyset (`after` a cursor) on Rapport
and offset on the peer (`offset`: its connection cursors are offsets too, but see case 4).

Normalised forms: raw uuids (Rapport's global ids decoded), money as Decimal (Rapport's string,
the peer's stored ten-thousandths), datetimes parsed, a to-one relation as the object or None
(the peer's relationships are lists), order lines sorted (their order is not part of the mix).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from neo4j import Driver

from bench.read_path import cursor_at, enum_order
from core import global_id

#: Position of the deep page's first item (0-based), clamped on datasets too small for it.
DEEP_POSITION = 9_980
#: Customers the harness creates carry this externalId prefix, so it can delete them again.
CREATED_PREFIX = "zz-bench-peer-"

Json = dict[str, Any]
Canon = Callable[[Json], Any]


@dataclass
class Side:
    """One API's request: the document, and the variables of the next request."""

    query: str
    variables: Callable[[], Json]
    canon: Canon


@dataclass
class Case:
    key: str
    name: str
    rapport: Side
    peer: Side
    writes: bool = False
    notes: list[str] = field(default_factory=list)


def _raw(gid: str) -> str:
    return global_id.decode(gid)[1]


def _money_r(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _money_p(value: str | int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-4)


def _when(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _one(items: list[Json]) -> Json | None:
    return items[0] if items else None


# --- 1. a page of 20, filtered, with two to-one relations -------------------------------------

PAGE_R = """query Page($stage: LifecycleStage!) {
  customers(first: 20, filter: {lifecycleStage: {eq: $stage}},
            orderBy: [{field: NAME, direction: ASC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name email lifecycleStage totalSpent
      company { id name } accountManager { id name } } }
  }
}"""
PAGE_P = """query Page($stage: LifecycleStage!) {
  customersConnection(first: 20, where: {lifecycleStage: {eq: $stage}},
                      sort: [{name: ASC}, {id: ASC}]) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name email lifecycleStage totalSpent
      company { id name } accountManager { id name } } }
  }
}"""


def _related_r(node: Json | None) -> tuple[str, str] | None:
    return None if node is None else (_raw(node["id"]), node["name"])


def _related_p(nodes: list[Json]) -> tuple[str, str] | None:
    node = _one(nodes)
    return None if node is None else (node["id"], node["name"])


def _page_r(data: Json) -> Any:
    c = data["customers"]
    return c["pageInfo"]["hasNextPage"], [
        (
            _raw(n["id"]),
            n["name"],
            n["email"],
            n["lifecycleStage"],
            _money_r(n["totalSpent"]),
            _related_r(n["company"]),
            _related_r(n["accountManager"]),
        )
        for n in (e["node"] for e in c["edges"])
    ]


def _page_p(data: Json) -> Any:
    c = data["customersConnection"]
    return c["pageInfo"]["hasNextPage"], [
        (
            n["id"],
            n["name"],
            n["email"],
            n["lifecycleStage"],
            _money_p(n["totalSpent"]),
            _related_p(n["company"]),
            _related_p(n["accountManager"]),
        )
        for n in (e["node"] for e in c["edges"])
    ]


# --- 2. a customer with 10 orders, their lines and products -----------------------------------

ORDERS_R = """query Orders($id: ID!) {
  node(id: $id) { ... on Customer { id name orderCount totalSpent
    orders(first: 10, orderBy: [{field: PLACED_AT, direction: DESC}]) { edges { node {
      id externalId placedAt status total
      lines { quantity unitPrice product { id sku name price } } } } } } }
}"""
ORDERS_P = """query Orders($id: ID!) {
  customers(where: {id: {eq: $id}}) { id name orderCount totalSpent
    orders(limit: 10, sort: [{placedAt: DESC}, {id: DESC}]) {
      id externalId placedAt status total
      productsConnection { edges { properties { quantity unitPrice }
        node { id sku name price } } } } }
}"""


def _orders_r(data: Json) -> Any:
    c = data["node"]
    orders = [
        (
            _raw(o["id"]),
            o["externalId"],
            _when(o["placedAt"]),
            o["status"],
            _money_r(o["total"]),
            sorted(
                (
                    _raw(line["product"]["id"]),
                    line["product"]["sku"],
                    line["product"]["name"],
                    _money_r(line["product"]["price"]),
                    line["quantity"],
                    _money_r(line["unitPrice"]),
                )
                for line in o["lines"]
            ),
        )
        for o in (e["node"] for e in c["orders"]["edges"])
    ]
    return _raw(c["id"]), c["name"], c["orderCount"], _money_r(c["totalSpent"]), orders


def _orders_p(data: Json) -> Any:
    (c,) = data["customers"]
    orders = [
        (
            o["id"],
            o["externalId"],
            _when(o["placedAt"]),
            o["status"],
            _money_p(o["total"]),
            sorted(
                (
                    e["node"]["id"],
                    e["node"]["sku"],
                    e["node"]["name"],
                    _money_p(e["node"]["price"]),
                    e["properties"]["quantity"],
                    _money_p(e["properties"]["unitPrice"]),
                )
                for e in o["productsConnection"]["edges"]
            ),
        )
        for o in c["orders"]
    ]
    return c["id"], c["name"], c["orderCount"], _money_p(c["totalSpent"]), orders


# --- 3. a company and its current contacts, with the employment's properties ------------------

CONTACTS_R = """query Contacts($id: ID!) {
  node(id: $id) { ... on Company { id name
    contacts(first: 500, orderBy: [{field: ID, direction: ASC}]) { totalCount edges {
      jobTitle department seniority decisionRole startedOn endedOn
      node { id fullName email phone } } } } }
}"""
CONTACTS_P = """query Contacts($id: ID!, $today: Date!) {
  companies(where: {id: {eq: $id}}) { id name
    contactsConnection(first: 500, sort: [{node: {id: ASC}}],
        where: {edge: {OR: [{endedOn: {eq: null}}, {endedOn: {gt: $today}}]}}) {
      totalCount edges {
        properties { jobTitle department seniority decisionRole startedOn endedOn }
        node { id fullName email phone } } } }
}"""
_JOB = ("jobTitle", "department", "seniority", "decisionRole", "startedOn", "endedOn")


def _person(node: Json) -> tuple[Any, ...]:
    return node["fullName"], node["email"], node["phone"]


def _contacts_r(data: Json) -> Any:
    c = data["node"]
    rows = [
        (_raw(e["node"]["id"]), *_person(e["node"]), *(e[k] for k in _JOB))
        for e in c["contacts"]["edges"]
    ]
    return _raw(c["id"]), c["name"], c["contacts"]["totalCount"], rows


def _contacts_p(data: Json) -> Any:
    (c,) = data["companies"]
    conn = c["contactsConnection"]
    rows = [
        (e["node"]["id"], *_person(e["node"]), *(e["properties"][k] for k in _JOB))
        for e in conn["edges"]
    ]
    return c["id"], c["name"], conn["totalCount"], rows


# --- 4. a deep page: position ~9,980 of all customers by name ---------------------------------
# The peer's connection cannot serve this page: `customersConnection(after:)` collects every
# customer into one list before it sorts and skips, which at 10k customers exceeds Neo4j's
# transaction memory limit (70% of the 1 GB heap); so the peer pages with `offset` (SKIP).

DEEP_R = """query Deep($after: String!) {
  customers(first: 20, after: $after, orderBy: [{field: NAME, direction: ASC}]) {
    edges { node { id name email lifecycleStage totalSpent } }
  }
}"""
DEEP_P = """query Deep($offset: Int!) {
  customers(limit: 20, offset: $offset, sort: [{name: ASC}, {id: ASC}]) {
    id name email lifecycleStage totalSpent }
}"""


def _deep_r(data: Json) -> Any:
    return [
        (_raw(n["id"]), n["name"], n["email"], n["lifecycleStage"], _money_r(n["totalSpent"]))
        for n in (e["node"] for e in data["customers"]["edges"])
    ]


def _deep_p(data: Json) -> Any:
    return [
        (n["id"], n["name"], n["email"], n["lifecycleStage"], _money_p(n["totalSpent"]))
        for n in data["customers"]
    ]


# --- 5. the totalCount of a filter ------------------------------------------------------------

COUNT_R = """query Count {
  customers(filter: {lifecycleStage: {in: [CUSTOMER, PROSPECT]}, leadScore: {gte: 50}}) {
    totalCount }
}"""
COUNT_P = """query Count {
  customersConnection(where: {lifecycleStage: {in: [CUSTOMER, PROSPECT]},
                              leadScore: {gte: 50}}) { totalCount }
}"""


# --- 6. the top 20 by totalSpent --------------------------------------------------------------

TOP_R = """query Top {
  customers(first: 20, orderBy: [{field: TOTAL_SPENT, direction: DESC}]) {
    edges { node { id name totalSpent orderCount lastOrderAt } }
  }
}"""
# Rapport breaks ties by id in the direction of the first key (tests/schema.graphql).
TOP_P = """query Top {
  customers(limit: 20, sort: [{totalSpent: DESC}, {id: DESC}]) {
    id name totalSpent orderCount lastOrderAt }
}"""


def _top_r(data: Json) -> Any:
    return [
        (
            _raw(n["id"]),
            n["name"],
            _money_r(n["totalSpent"]),
            n["orderCount"],
            _when(n["lastOrderAt"]),
        )
        for n in (e["node"] for e in data["customers"]["edges"])
    ]


def _top_p(data: Json) -> Any:
    return [
        (n["id"], n["name"], _money_p(n["totalSpent"]), n["orderCount"], _when(n["lastOrderAt"]))
        for n in data["customers"]
    ]


# --- 7. createCustomer ------------------------------------------------------------------------

CREATE_R = """mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id externalId kind name email lifecycleStage orderCount totalSpent version }
    errors { field code message } }
}"""
# The peer stores what Rapport's createCustomer stores on the node: the same properties, with
# the same defaults (lifecycleStage LEAD, orderCount 0, totalSpent 0, version 1); @id and
# @timestamp give id, createdAt and updatedAt.
CREATE_P = """mutation Create($input: [CustomerCreateInput!]!) {
  createCustomers(input: $input) {
    customers { id externalId kind name email lifecycleStage orderCount totalSpent version } }
}"""


def _created(c: Json, prefix: str, money: Callable[[Any], Decimal | None]) -> Any:
    return (
        c["externalId"].startswith(prefix),
        c["kind"],
        c["name"].split(" #", 1)[0],
        c["email"] is None,
        c["lifecycleStage"],
        c["orderCount"],
        money(c["totalSpent"]),
        c["version"],
    )


def _create_r(data: Json) -> Any:
    payload = data["createCustomer"]
    return payload["errors"], _created(payload["customer"], CREATED_PREFIX, _money_r)


def _create_p(data: Json) -> Any:
    (c,) = data["createCustomers"]["customers"]
    return [], _created(c, CREATED_PREFIX, _money_p)


def _new_customer(side: str) -> Callable[[], Json]:
    counter = itertools.count(1)

    def variables() -> Json:
        n = next(counter)
        customer: Json = {
            "externalId": f"{CREATED_PREFIX}{side}-{n:07d}",
            "kind": "INDIVIDUAL",
            "name": f"Bench Peer #{side}{n}",
        }
        if side == "P":
            # BigInt variables are strings (the peer's scalar refuses JSON numbers).
            customer |= {"lifecycleStage": "LEAD", "orderCount": 0, "totalSpent": "0"}
            return {"input": [customer]}
        return {"input": customer}

    return variables


def _fixed(variables: Json) -> Callable[[], Json]:
    return lambda: variables


def build_cases(driver: Driver) -> list[Case]:
    """The mix on the seeded data: which customer, company and page each case reads."""
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer) WHERE c.orderCount >= 10 "
        "RETURN c.id AS id, c.orderCount AS n ORDER BY c.id LIMIT 1"
    )
    customer = records[0]["id"]
    records, _, _ = driver.execute_query(
        "MATCH (co:Company)<-[w:WORKS_AT]-(:Contact) "
        "WHERE w.endedOn IS NULL OR w.endedOn > date() "
        "WITH co, count(*) AS staff ORDER BY staff DESC, co.id LIMIT 1 "
        "RETURN co.id AS id, staff"
    )
    company, staff = records[0]["id"], records[0]["staff"]
    total, _, _ = driver.execute_query("MATCH (c:Customer) RETURN count(c) AS n")
    # The cursor of the item just before the deep page (what a client holds there); its
    # position is clamped to leave a full page on small datasets.
    before = max(0, min(DEEP_POSITION, total[0]["n"] - 20) - 1)
    keyset = cursor_at(
        driver, "Customer", enum_order([{"field": "name", "direction": "ASC"}]), "", {}, before
    )
    today = dt.date.today().isoformat()
    return [
        Case(
            "page",
            "page of 20 filtered + 2 to-one relations",
            Side(PAGE_R, _fixed({"stage": "CUSTOMER"}), _page_r),
            Side(PAGE_P, _fixed({"stage": "CUSTOMER"}), _page_p),
        ),
        Case(
            "orders",
            "customer + 10 orders + lines + products",
            Side(ORDERS_R, _fixed({"id": global_id.encode("Customer", customer)}), _orders_r),
            Side(ORDERS_P, _fixed({"id": customer}), _orders_p),
        ),
        Case(
            "contacts",
            f"company + its {staff} current contacts with edge properties",
            Side(CONTACTS_R, _fixed({"id": global_id.encode("Company", company)}), _contacts_r),
            Side(CONTACTS_P, _fixed({"id": company, "today": today}), _contacts_p),
        ),
        Case(
            "deep",
            f"deep page (position {before + 1:,})",
            Side(DEEP_R, _fixed({"after": keyset}), _deep_r),
            Side(DEEP_P, _fixed({"offset": before + 1}), _deep_p),
            notes=[
                "keyset (`after`) on Rapport, `offset` on the peer: the peer's "
                "`customersConnection(after:)` at this depth exceeded Neo4j's transaction memory "
                "limit (it collects every customer before it skips)"
            ],
        ),
        Case(
            "count",
            "totalCount of a filter",
            Side(COUNT_R, _fixed({}), lambda d: d["customers"]["totalCount"]),
            Side(COUNT_P, _fixed({}), lambda d: d["customersConnection"]["totalCount"]),
        ),
        Case(
            "top",
            "top 20 by totalSpent",
            Side(TOP_R, _fixed({}), _top_r),
            Side(TOP_P, _fixed({}), _top_p),
        ),
        Case(
            "create",
            "createCustomer",
            Side(CREATE_R, _new_customer("R"), _create_r),
            Side(CREATE_P, _new_customer("P"), _create_p),
            writes=True,
        ),
    ]
