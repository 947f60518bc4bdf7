"""Every mutation of the schema against the one ownership rule (graphdb/ownership.py).

The table `RULES` says, for every mutation, what SALES may do with it under the rule: the
mutations are found by introspecting the live schema, so a new mutation without a line here
fails `test_every_mutation_has_an_ownership_rule` until someone decides its rule. Then each
line is checked as SALES against someone else's accounts and against writes that would widen
what SALES sees (bring in a contact or a company's staff it cannot see): FORBIDDEN, nothing
written, and no personal value of the stranger in the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest

from core import global_id
from graphdb.driver import Graph
from tests._gql import codes, gql, mutate, ok
from tests._graph_counts import unchanged
from tests._world import CASES, World, as_role, build_world

STRANGER = {
    "firstName": "Stella",
    "lastName": "Stranger",
    "email": "stella.stranger@private.example",
    "phone": "+421901000222",
    "birthday": "1979-04-05",
    "personalNotes": "Three parrots.",
}
STRANGER_VALUES = ("stella.stranger@private.example", "+421901000222", "1979-04-05", "parrots")

Input = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """What SALES may do with a mutation under the ownership rule.

    - `own`: only on its own accounts; `others` names someone else's (FORBIDDEN), `widen` lists
      inputs that would bring hidden people into its accounts (FORBIDDEN);
    - `creates`: makes a new record nobody owns yet (allowed; `widen` still FORBIDDEN);
    - `closed`: not open to SALES at all (FORBIDDEN by role);
    - `none`: touches no data.
    """

    kind: Literal["own", "creates", "closed", "none"]
    others: Input | None = None
    widen: tuple[Input, ...] = ()


def _closed() -> Rule:
    return Rule("closed")


def _order(customer: str) -> Input:
    return lambda w: {"customerId": w[customer], "lines": [{"productId": w["X"], "quantity": 1}]}


RULES: dict[str, Rule] = {
    "noop": Rule("none"),
    # accounts
    "createCustomer": Rule(
        "creates",
        widen=(
            lambda w: {
                "externalId": "W-1",
                "kind": "BUSINESS",
                "name": "W",
                "companyId": w["STAFFED"],
            },
        ),
    ),
    "updateCustomer": Rule(
        "own",
        others=lambda w: {"id": w["B"], "leadScore": 1},
        widen=(lambda w: {"id": w["A2"], "companyId": w["STAFFED"]},),
    ),
    "upsertCustomer": Rule(
        "own",
        others=lambda w: {"externalId": "B-1", "kind": "INDIVIDUAL", "name": "Mine now"},
        widen=(
            lambda w: {
                "externalId": "W-2",
                "kind": "BUSINESS",
                "name": "W",
                "companyId": w["STAFFED"],
            },
        ),
    ),
    "deleteCustomer": Rule("own", others=lambda w: {"id": w["B"]}),
    "createCompany": Rule("creates"),
    "updateCompany": Rule("own", others=lambda w: {"id": w["D"], "employeeCount": 1}),
    "deleteCompany": Rule("own", others=lambda w: {"id": w["D"]}),
    "createContact": Rule("creates"),
    "updateContact": Rule("own", others=lambda w: {"id": w["STRANGER"], "lastName": "X"}),
    "deleteContact": Rule("own", others=lambda w: {"id": w["Q"]}),
    # people and their links
    "setEmployment": Rule(
        "own",
        others=lambda w: {"contactId": w["P"], "companyId": w["D"]},
        widen=(
            lambda w: {"contactId": w["STRANGER"], "companyId": w["C"]},
            lambda w: {"contactId": w["Q"], "companyId": w["C"]},
        ),
    ),
    "endEmployment": Rule("own", others=lambda w: {"contactId": w["Q"], "companyId": w["D"]}),
    "setReportsTo": Rule("own", others=lambda w: {"contactId": w["P"], "managerId": w["Q"]}),
    "connectContacts": Rule(
        "own", others=lambda w: {"contactId": w["P"], "otherId": w["STRANGER"]}
    ),
    "recordReferral": Rule("own", others=lambda w: {"referrerId": w["A"], "referredId": w["B"]}),
    # activity
    "placeOrder": Rule("own", others=_order("B")),
    "logInteraction": Rule(
        "own", others=lambda w: {"kind": "CALL", "participantIds": [w["A"], w["STRANGER"]]}
    ),
    "tag": Rule("own", others=lambda w: {"entityId": w["E"], "tags": ["mine"]}),
    "untag": Rule("own", others=lambda w: {"entityId": w["Q"], "tags": ["x"]}),
    "recordConsent": Rule(
        "own",
        others=lambda w: {
            "subjectId": w["STRANGER"],
            "channel": "EMAIL",
            "purpose": "newsletter",
            "granted": True,
        },
    ),
    "exportSubjectData": Rule("own", others=lambda w: {"id": w["STRANGER"]}),
    # not open to SALES
    **{
        name: _closed()
        for name in (
            "createProduct",
            "updateProduct",
            "upsertProduct",
            "deleteProduct",
            "createSegment",
            "updateSegment",
            "deleteSegment",
            "createUser",
            "updateUser",
            "deleteUser",
            "mergeCustomers",
            "mergeContacts",
            "importRecords",
            "startImport",
            "appendImportChunk",
            "cancelImport",
            "resumeImport",
            "eraseCustomer",
            "eraseContact",
        )
    },
}

#: inputs for the closed mutations that CASES (tests/_world.py) does not have
_CLOSED_INPUTS: dict[str, Input] = {
    "mergeCustomers": lambda w: {"keepId": w["A"], "mergeId": w["A2"]},
    "mergeContacts": lambda w: {"keepId": w["P"], "mergeId": w["P2"]},
    "importRecords": lambda w: {
        "type": "CUSTOMERS",
        "format": "CSV",
        "data": "externalId,kind,name\nI-1,INDIVIDUAL,Imported\n",
        "dryRun": False,
    },
}

# a job id a stranger to the role cannot have (SALES is refused by role before any look-up)
_NO_JOB = global_id.encode("ImportJob", "00000000-0000-4000-8000-000000000000")

_CLOSED_INPUTS.update(
    {
        "startImport": lambda w: {"type": "CUSTOMERS"},
        "appendImportChunk": lambda w: {"jobId": _NO_JOB, "index": 0, "data": "x", "last": True},
        "cancelImport": lambda w: {"jobId": _NO_JOB},
        "resumeImport": lambda w: {"jobId": _NO_JOB},
    }
)

#: what each payload is asked for: the record, with the stranger's personal fields wherever
#: the payload could carry them
_SELECTIONS = {
    "setEmployment": "contact { email phone birthday personalNotes }",
    "createCustomer": "customer { company { contacts { edges { node { email phone } } } } }",
    "updateCustomer": "customer { company { contacts { edges { node { email phone } } } } }",
    "upsertCustomer": "customer { company { contacts { edges { node { email phone } } } } }",
    "updateContact": "contact { email phone birthday personalNotes }",
    "connectContacts": "contact { knows { edges { node { email phone } } } }",
    "logInteraction": "interaction { id }",
    "recordConsent": "consent { id }",
}


@pytest.fixture
async def world(client: httpx.AsyncClient, graph: Graph, make_token: Any) -> World:
    w = await build_world(client, graph, make_token)
    stranger = ok(await mutate(client, "createContact", STRANGER, "contact { id }"))
    w.ids["STRANGER"] = stranger["contact"]["id"]  # created by ADMIN, no job: nobody's
    staffed = ok(await mutate(client, "createCompany", {"name": "Staffed"}, "company { id }"))
    w.ids["STAFFED"] = staffed["company"]["id"]  # no account, one stranger on its staff
    staff = ok(await mutate(client, "createContact", STRANGER, "contact { id }"))
    ok(
        await mutate(
            client,
            "setEmployment",
            {"contactId": staff["contact"]["id"], "companyId": w["STAFFED"]},
        )
    )
    return w


async def _call(http: httpx.AsyncClient, mutation: str, data: dict[str, Any]) -> dict[str, Any]:
    """The mutation's answer as the client sees it: its payload, or its GraphQL error body."""
    if mutation == "exportSubjectData":
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": "mutation($id: ID!) { exportSubjectData(id: $id) }",
                    "variables": data,
                },
            )
        ).json()
        return {"errors": [{"code": e["extensions"]["code"]} for e in body.get("errors", [])]}
    if mutation == "importRecords":
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": "mutation($i: ImportRecordsInput!) { importRecords(input: $i) "
                    "{ created errors { code message } } }",
                    "variables": {"i": data},
                },
            )
        ).json()
        return body["data"]["importRecords"]  # type: ignore[no-any-return]
    return await mutate(http, mutation, data, _SELECTIONS.get(mutation, ""))


async def test_every_mutation_has_an_ownership_rule(client: httpx.AsyncClient) -> None:
    data = await gql(client, "{ __schema { mutationType { fields { name } } } }")
    names = {f["name"] for f in data["__schema"]["mutationType"]["fields"]}
    assert names - set(RULES) == set(), "mutations without an ownership rule"
    assert set(RULES) - names == set(), "rules for mutations that no longer exist"
    for name, rule in RULES.items():
        if rule.kind == "own":
            assert rule.others is not None, name
        if rule.kind == "closed":
            assert name in CASES or name in _CLOSED_INPUTS, name


def _attempts(name: str, rule: Rule) -> list[Input]:
    if rule.kind == "closed":
        return [CASES.get(name) or _CLOSED_INPUTS[name]]
    return [*([rule.others] if rule.others else []), *rule.widen]


async def test_sales_gets_nothing_the_ownership_rule_does_not_give_it(
    live_server_url: str, graph: Graph, world: World
) -> None:
    """One world for the whole table (each refusal leaves it unchanged); every failure is
    reported, not only the first."""
    failures: list[tuple[str, Any]] = []
    async with as_role(live_server_url, world.tokens["SALES"]) as http:
        for mutation in sorted(RULES):
            rule = RULES[mutation]
            if rule.kind == "none":
                assert (await gql(http, "mutation { noop }")) == {"noop": True}
                continue
            if rule.kind == "creates":
                ok(await mutate(http, mutation, CASES[mutation](world)))
            for attempt in _attempts(mutation, rule):
                async with unchanged(graph):
                    answer = await _call(http, mutation, attempt(world))
                refused = "FORBIDDEN" in codes(answer)
                if not refused or any(v in str(answer) for v in STRANGER_VALUES):
                    failures.append((mutation, answer))
    assert failures == []
