"""Random graphs for the relationship-intelligence oracle tests, written with plain Cypher.

Each builder returns the plain-Python description it wrote, so a test can compute the expected
answer independently of the database.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from graphdb.driver import Graph

TODAY = dt.date(2026, 11, 22)


def rid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


NODE_DEFAULTS = "n.createdAt = datetime(), n.updatedAt = datetime(), n.version = 1"


@dataclass
class OrgChart:
    company: str
    contacts: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)  # contact, company, seniority, …
    reports: list[tuple[str, str]] = field(default_factory=list)  # (from, to)


async def write_org_chart(graph: Graph, seed: int, size: int) -> OrgChart:
    rng = random.Random(seed)
    company, other = rid(rng), rid(rng)
    chart = OrgChart(company)
    for _ in range(size):
        chart.contacts.append({"id": rid(rng), "firstName": "F", "lastName": "L"})
    for c in chart.contacts:
        where = company if rng.random() < 0.85 else other
        ended = rng.random() < 0.2
        chart.jobs.append(
            {
                "contact": c["id"],
                "company": where,
                "seniority": rng.choice(["OWNER", "C_LEVEL", "VP", "DIRECTOR", "MANAGER", "STAFF"]),
                "decisionRole": rng.choice(
                    [None, None, "DECISION_MAKER", "ECONOMIC_BUYER", "USER"]
                ),
                "startedOn": dt.date(2015, 1, 1),
                "endedOn": (TODAY - dt.timedelta(days=30)) if ended else None,
            }
        )
        if rng.random() < 0.15:  # also formerly employed at the same company
            chart.jobs.append(
                {
                    "contact": c["id"],
                    "company": company,
                    "seniority": "STAFF",
                    "decisionRole": None,
                    "startedOn": dt.date(2005, 1, 1),
                    "endedOn": dt.date(2010, 1, 1),
                }
            )
    ids = [c["id"] for c in chart.contacts]
    for i, c in enumerate(ids[1:], start=1):  # a forest: everyone may report to an earlier one
        if rng.random() < 0.85:
            chart.reports.append((c, ids[rng.randrange(i)]))
    await graph.write(
        f"CREATE (n:Company {{id: $a, name: 'Target'}}) SET {NODE_DEFAULTS} "
        f"CREATE (m:Company {{id: $b, name: 'Other'}}) SET m.createdAt = datetime(), "
        "m.updatedAt = datetime(), m.version = 1 "
        f"WITH 1 AS x UNWIND $contacts AS c CREATE (n:Contact) SET n = c, "
        f"n.fullName = c.firstName + ' ' + c.lastName, {NODE_DEFAULTS}",
        {"a": company, "b": other, "contacts": chart.contacts},
    )
    await graph.write(
        "UNWIND $jobs AS j MATCH (p:Contact {id: j.contact}), (c:Company {id: j.company}) "
        "CREATE (p)-[w:WORKS_AT]->(c) SET w.seniority = j.seniority, "
        "w.decisionRole = j.decisionRole, w.startedOn = j.startedOn, w.endedOn = j.endedOn",
        {"jobs": chart.jobs},
    )
    await graph.write(
        "UNWIND $reports AS r MATCH (a:Contact {id: r[0]}), (b:Contact {id: r[1]}) "
        "CREATE (a)-[:REPORTS_TO]->(b)",
        {"reports": [list(r) for r in chart.reports]},
    )
    return chart


def expected_decision_makers(chart: OrgChart) -> list[dict[str, Any]]:
    """The contract's definition, computed in plain Python."""
    current = [
        j
        for j in chart.jobs
        if j["company"] == chart.company and (j["endedOn"] is None or j["endedOn"] > TODAY)
    ]
    staff = {j["contact"] for j in current}
    manager = dict(chart.reports)
    result = []
    for k in staff:
        span = 0
        for x in staff - {k}:
            node = x
            while node in manager and manager[node] in staff:
                node = manager[node]
                if node == k:
                    span += 1
                    break
        jobs = [j for j in current if j["contact"] == k]
        role = any(j["decisionRole"] in ("DECISION_MAKER", "ECONOMIC_BUYER") for j in jobs)
        senior = any(j["seniority"] in ("OWNER", "C_LEVEL") for j in jobs)
        span_reason = span >= 2 and span * 3 >= len(staff)
        if not (role or senior or span_reason):
            continue
        influence = round(
            0.4 * role + 0.3 * senior + 0.3 * span_reason + 0.3 * span / len(staff), 6
        )
        reasons = [
            r for r, ok in (("ROLE", role), ("SENIORITY", senior), ("SPAN", span_reason)) if ok
        ]
        result.append({"id": k, "reasons": reasons, "span": span, "influence": influence})
    result.sort(key=lambda r: r["id"])
    result.sort(key=lambda r: r["influence"], reverse=True)
    return result
