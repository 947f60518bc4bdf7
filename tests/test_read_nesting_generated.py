"""Every field that reads related data nests under every other, and Neo4j accepts the result.

Each plan node kind (connections, to-one relations, plain lists, key decision-makers,
referrals, referral chains and networks, recommendations, churn risk, …) declares Cypher
variables of its own. When two kinds nest, a name one declares must never be one the other
already has in scope (Neo4j 42N07), and an aggregation must never land inside a list
comprehension. The paths below are generated from the schema by introspection, not written by
hand: a new object-valued field is nested automatically, two and three levels deep, under and
over every other, and each query runs against a real Neo4j on a seeded graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
    GraphQLUnionType,
)

from graphdb.driver import Graph
from rapport.seed import seed_graph
from schema.root import schema as rapport_schema
from tests._gql import in_lanes
from tests.graphql_client import gql

GQL = rapport_schema._schema

#: Root fields that list entities, and the entity type under `edges { node }`.
ROOTS = {"customers": "Customer", "companies": "Company", "contacts": "Contact"}

#: Types that are plumbing rather than data: their object fields are walked through, not hops.
PLUMBING_SUFFIXES = ("Connection", "Edge")
SKIPPED_TYPES = {"PageInfo"}


def _unwrap(t: GraphQLType) -> GraphQLNamedType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    assert isinstance(t, GraphQLNamedType)
    return t


def _callable_without_arguments(f: GraphQLField) -> bool:
    return all(
        not isinstance(a.type, GraphQLNonNull) or a.default_value is not None
        for a in f.args.values()
    )


def _leaves(t: GraphQLObjectType) -> list[str]:
    """The scalar fields that may declare a Cypher variable of their own.

    A stored property of an entity (a name, an e-mail) is a plain property read; the computed
    fields of result types (a span, a depth, a score, a network's size) are where plan nodes
    name things. Entities contribute their id, so every level still projects something.
    """
    if t.fields.get("id") is not None and "createdAt" in t.fields:
        return ["id"]
    return [
        name
        for name, f in t.fields.items()
        if isinstance(_unwrap(f.type), GraphQLScalarType | GraphQLEnumType)
        and _callable_without_arguments(f)
    ]


def _args(f: GraphQLField) -> str:
    return "(first: 2)" if "first" in f.args else ""


@dataclass(frozen=True)
class Hop:
    """One object-valued field of an entity type, and the entity types it leads to."""

    owner: str
    field: str
    targets: tuple[str, ...]


def _entity_of(t: GraphQLNamedType) -> tuple[str, ...]:
    """The data types a field's type leads to, looking through connections and edges."""
    if isinstance(t, GraphQLUnionType):
        return tuple(m.name for m in t.types)
    if isinstance(t, GraphQLInterfaceType):
        return tuple(o.name for o in GQL.get_possible_types(t))
    if not isinstance(t, GraphQLObjectType) or t.name in SKIPPED_TYPES:
        return ()
    if t.name.endswith(PLUMBING_SUFFIXES):
        edges = t.fields.get("edges")
        node = _unwrap(edges.type) if edges else t.fields.get("node")
        if isinstance(node, GraphQLObjectType) and "node" in node.fields:
            return _entity_of(_unwrap(node.fields["node"].type))
        return ()
    return (t.name,)


def _hops(type_name: str) -> list[Hop]:
    t = GQL.get_type(type_name)
    assert isinstance(t, GraphQLObjectType)
    out = []
    for name, f in t.fields.items():
        if name.startswith("__") or not _callable_without_arguments(f):
            continue
        targets = _entity_of(_unwrap(f.type))
        if targets:
            out.append(Hop(type_name, name, targets))
    return out


def _selection(type_name: str, rest: list[str]) -> str:
    """All leaves of `type_name` plus, when `rest` is not empty, the next hop `rest[0]`."""
    t = GQL.get_type(type_name)
    assert isinstance(t, GraphQLObjectType)
    parts = ["__typename", *_leaves(t)]
    if rest:
        f = t.fields[rest[0]]
        inner = _field_body(_unwrap(f.type), rest[1:])
        parts.append(f"{rest[0]}{_args(f)} {inner}")
    return "{ " + " ".join(parts) + " }"


def _field_body(t: GraphQLNamedType, rest: list[str]) -> str:
    """The selection set of a field of type `t`, reaching through connections and unions."""
    if isinstance(t, GraphQLUnionType | GraphQLInterfaceType):
        members = t.types if isinstance(t, GraphQLUnionType) else GQL.get_possible_types(t)
        fragments = []
        for m in members:
            has_next = not rest or rest[0] in m.fields
            fragments.append(f"... on {m.name} {_selection(m.name, rest if has_next else [])}")
        return "{ __typename " + " ".join(fragments) + " }"
    assert isinstance(t, GraphQLObjectType)
    if t.name.endswith(PLUMBING_SUFFIXES) and "edges" in t.fields:
        edge = _unwrap(t.fields["edges"].type)
        assert isinstance(edge, GraphQLObjectType)
        leaves = " ".join(_leaves(edge))  # the cursor and any edge properties
        node = _field_body(_unwrap(edge.fields["node"].type), rest)
        return f"{{ totalCount edges {{ {leaves} node {node} }} }}"
    # A plain data type (or a result type such as KeyDecisionMaker): every leaf, then on.
    if rest and rest[0] not in t.fields:
        rest = []
    return _selection(t.name, rest)


def _paths(depth: int) -> Iterator[tuple[str, list[str]]]:
    """(root entity type, [field, field, …]) for every chain of `depth` hops."""

    def walk(type_name: str, chain: list[str], left: int) -> Iterator[list[str]]:
        if left == 0:
            yield chain
            return
        for hop in _hops(type_name):
            for target in hop.targets:
                yield from walk(target, [*chain, hop.field], left - 1)

    seen: set[tuple[str, ...]] = set()
    for root_type in sorted(set(ROOTS.values())):
        for chain in walk(root_type, [], depth):
            key = (root_type, *chain)
            if key not in seen:
                seen.add(key)
                yield root_type, chain


def _query(root_type: str, chain: list[str]) -> str:
    root = next(r for r, t in ROOTS.items() if t == root_type)
    return f"{{ {root}(first: 2) {{ edges {{ node {_selection(root_type, chain)} }} }} }}"


def _three_level_sample() -> list[tuple[str, list[str]]]:
    """Three-hop chains, one per distinct (hop 2, hop 3) pair: every kind under every kind
    under something, without running the full cross product."""
    chosen: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for root_type, chain in _paths(3):
        chosen.setdefault((chain[1], chain[2]), (root_type, chain))
    return list(chosen.values())


TWO_LEVELS = list(_paths(2))
THREE_LEVELS = _three_level_sample()


def test_the_generated_paths_cover_every_intelligence_field() -> None:
    """The generator reaches the fields the conformance issue found broken, at depth two."""
    fields = {f for _, chain in TWO_LEVELS for f in chain}
    for name in (
        "keyDecisionMakers",
        "referrals",
        "referralChain",
        "referralNetwork",
        "recommendations",
        "churnRisk",
        "currentCompany",
        "orders",
    ):
        assert name in fields, name
    assert len(TWO_LEVELS) > 50 and len(THREE_LEVELS) > 50


@pytest.fixture(scope="module")
async def seeded(session_graph: Graph) -> Graph:
    from tests.conftest import wipe

    await wipe(session_graph)
    await seed_graph(session_graph, 60, 11, progress=False)
    return session_graph


async def _run_all(
    client: httpx.AsyncClient, paths: list[tuple[str, list[str]]]
) -> list[tuple[str, object]]:
    bodies = await in_lanes(gql(client, _query(root_type, chain)) for root_type, chain in paths)
    return [
        (f"{root_type}.{'.'.join(chain)}", body["errors"][0])
        for (root_type, chain), body in zip(paths, bodies, strict=True)
        if body.get("errors")
    ]


@pytest.fixture
async def seeded_client(live_server_url: str, seeded: Graph) -> httpx.AsyncClient:
    from tests.conftest import ADMIN_TOKEN

    return httpx.AsyncClient(
        base_url=live_server_url, timeout=60, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
    )


async def test_every_field_nests_two_levels_deep(seeded_client: httpx.AsyncClient) -> None:
    async with seeded_client as client:
        failures = await _run_all(client, TWO_LEVELS)
    assert not failures, f"{len(failures)} of {len(TWO_LEVELS)} failed: {failures[:5]}"


async def test_every_field_nests_three_levels_deep(seeded_client: httpx.AsyncClient) -> None:
    async with seeded_client as client:
        failures = await _run_all(client, THREE_LEVELS)
    assert not failures, f"{len(failures)} of {len(THREE_LEVELS)} failed: {failures[:5]}"


ISSUE_QUERIES = [
    "{ customers(first: 2) { edges { node { name referrals { edges { node { referred { name "
    "referrals { edges { node { depth } } } } } } } } } } }",
    "{ customers(first: 2) { edges { node { referrals { edges { node { depth referred { "
    "referralNetwork { size } } } } } } } } }",
    "{ companies(first: 2) { edges { node { keyDecisionMakers { contact { currentCompany { "
    "keyDecisionMakers { span } } } } } } } }",
    "{ topReferrers(first: 2) { referrer { ... on Customer { referralNetwork { size } } } } }",
    "{ customers(first: 2) { edges { node { referralChain { ... on Customer { "
    "referralNetwork { size } } } } } } }",
    "{ revenueConcentration { customers(first: 3) { edges { node { name "
    "referralNetwork { size depth } "
    "referralChain { ... on Customer { referralNetwork { revenue } } } } } } } }",
    '{ introductionPath(toId: "VXNlcjowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDE=") '
    "{ relationships { type direction strength } nodes { ... on Customer { referrals "
    "{ totalCount edges { node { referred { referralNetwork { size } } } } } } } } }",
    "{ atRiskCustomers(first: 3) { customer { name churnRisk { riskScore } "
    "referralNetwork { size } } } }",
]


@pytest.mark.parametrize("query", ISSUE_QUERIES)
async def test_the_reported_nestings_answer(seeded_client: httpx.AsyncClient, query: str) -> None:
    async with seeded_client as client:
        body = await gql(client, query)
    assert not body.get("errors"), body["errors"]
    assert body["data"]
