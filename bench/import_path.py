"""Import benchmark: N generated customer rows (CSV) into a fresh database, rows per second.

The customers come with their graph (issue 14): every business account (about 30 %) names its
company by registration number (the companies, one per business account, are imported first,
as a phase of their own), every customer an account manager by e-mail (one of 20 users), and
about half of them one to three consents; so a customer row also costs its links' look-ups
and writes (ACCOUNT_OF, MANAGES, Consent nodes).

The rows are deterministic (the same N gives the same file) and realistic where it costs:
every row has a unique e-mail address and a phone number in one of several national formats,
names with diacritics, an address, a lead score; a few rows in a thousand are invalid, so the
error path is exercised too. Timings are reported for validation alone (`--dry-run`), the
first import (everything created) and a re-import (everything unchanged), the imports twice:
into the freshly started database and again, after a wipe, into its warm JVM. Each phase also
records the CPU time per row of this process and of Neo4j, which load on the machine (other
test suites, other databases) does not change the way it changes rows per second.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.harness import PASSWORD, bench_neo4j, cpu_seconds
from graphdb.driver import Graph
from graphdb.local.server import status, stop
from graphdb.migrations import migrate

_FIRST = ["Ján", "Zuzana", "Piotr", "Agnieszka", "Tomáš", "Lucie", "João", "Mariana", "Wei", "Li"]
_LAST = ["Novák", "Kováčová", "Kowalski", "Wiśniewska", "Dvořák", "Procházková", "Silva", "Chen"]
_CITIES = [
    ("Bratislava", "SK", "0905 {a:03d} {b:03d}"),
    ("Košice", "SK", "+421 915 {a:03d} {b:03d}"),
    ("Praha", "CZ", "602 {a:03d} {b:03d}"),
    ("Kraków", "PL", "512 {a:03d} {b:03d}"),
    ("Lisboa", "PT", "912 {a:03d} {b:03d}"),
    ("Shanghai", "CN", "+86 139 {a:04d} {b:04d}"),
]
_STAGES = ["LEAD", "PROSPECT", "CUSTOMER", "CHURNED"]
HEADER = [
    "externalId",
    "kind",
    "name",
    "email",
    "phone",
    "lifecycleStage",
    "leadSource",
    "leadScore",
    "addressLine1",
    "postalCode",
    "city",
    "country",
    "companyRegistrationNumber",
    "accountManagerEmail",
    "consents",
]
COMPANY_HEADER = ["registrationNumber", "name", "industry", "employeeCount", "city", "country"]
OWNERS = [f"owner{i:02d}@rapport.bench" for i in range(20)]
_CONSENTS = [
    "",
    "",
    "EMAIL:newsletter",
    "EMAIL:newsletter;SMS:offers=no",
    "EMAIL:newsletter;PHONE:sales;POST:catalogue=no",
]
#: the account managers the rows name (there is no user import; bench-only statement)
_OWNERS = (
    "UNWIND $emails AS email MERGE (u:User {email: email}) ON CREATE SET u.id = randomUUID(), "
    "u.name = email, u.role = 'SALES', u.createdAt = datetime(), u.updatedAt = datetime(), "
    "u.version = 1"
)


def _registration(i: int) -> str:
    return f"{36000000 + i}"


def customer_rows(n: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, country, phone = rng.choice(_CITIES)
        business = rng.random() < 0.3
        name = (
            f"{last} {rng.choice(['s.r.o.', 'a.s.', 'sp. z o.o.', 'Lda.'])}"
            if business
            else (f"{first} {last}")
        )
        email = f"{first[0].lower()}.{i}@example-{i % 997}.com".replace("ž", "z")
        if i % 500 == 499:
            email = f"broken-{i}@"  # about 0.2 % invalid rows
        owner = OWNERS[i % len(OWNERS)]
        consents = _CONSENTS[i % len(_CONSENTS)]
        rows.append(
            [
                f"BENCH-{i:08d}",
                "BUSINESS" if business else "INDIVIDUAL",
                name,
                email,
                phone.format(a=rng.randrange(100, 1000), b=rng.randrange(1000)),
                rng.choice(_STAGES),
                rng.choice(["web", "fair", "referral", ""]),
                str(rng.randrange(101)),
                f"Hlavná {rng.randrange(1, 200)}",
                f"{rng.randrange(10000, 99999)}",
                city,
                country,
                _registration(i) if business else "",
                owner,
                consents,
            ]
        )
    return rows


def company_rows(customers: list[list[str]]) -> list[list[str]]:
    """One company per business customer, under the registration number it names."""
    return [
        [row[12], f"{row[2]} {row[12][-4:]}", "Retail", "25", row[10], row[11]]
        for row in customers
        if row[12]
    ]


def write_csv(path: Path, n: int) -> tuple[Path, Path]:
    """The customers' file at `path`, and their companies' next to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    customers = customer_rows(n)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(customers)
    companies = path.with_name(path.stem + "-companies.csv")
    with companies.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COMPANY_HEADER)
        writer.writerows(company_rows(customers))
    return path, companies


#: (phase, dry run?). The database is started for the run, so the first import also pays for
#: the JVM's warm-up (JIT): the database is then wiped and the file imported again, warm, as
#: into a server that has been running.
PHASES = (
    ("companies", False),
    ("validate_only", True),
    ("first_import", False),
    ("reimport", False),
    ("companies_warm", False),
    ("first_import_warm", False),
    ("reimport_warm", False),
)


def _per_row_us(before: float | None, after: float | None, rows: int) -> int | None:
    return None if before is None or after is None else round((after - before) / rows * 1e6)


async def _run(
    uri: str, path: Path, companies: Path, batch_size: int, neo4j_pid: int | None
) -> dict[str, Any]:
    from rapport.seed import wipe_graph
    from resolvers.io import import_rows, read_file

    quiet = Console(file=io.StringIO())
    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=600)
    try:
        await migrate(graph)
        out: dict[str, Any] = {}
        for label, dry in PHASES:
            if label.startswith("companies"):
                await wipe_graph(graph)
                await graph.write(_OWNERS, {"emails": OWNERS})
            load = os.getloadavg()[0]
            started, cpu, db_cpu = time.perf_counter(), time.process_time(), cpu_seconds(neo4j_pid)
            result = await import_rows(
                None if dry else graph,
                "companies" if label.startswith("companies") else "customers",
                read_file(companies if label.startswith("companies") else path),
                dry_run=dry,
                batch_size=batch_size,
                console=quiet,
                progress=False,
            )
            seconds = time.perf_counter() - started
            python_us = round((time.process_time() - cpu) / result.rows * 1e6)
            out[label] = {
                "rows": result.rows,
                "seconds": round(seconds, 2),
                "rows_per_second": round(result.rows / seconds),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "linked": result.linked,
                "failed": result.failed,
                # CPU per row: what the phase costs whatever else the machine is running
                "python_cpu_us_per_row": python_us,
                "neo4j_cpu_us_per_row": (
                    None if dry else _per_row_us(db_cpu, cpu_seconds(neo4j_pid), result.rows)
                ),
                "load_average_at_start": round(load, 2),
            }
        return out
    finally:
        await graph.close()


def run_import_path(rows: int, batch_size: int = 5000) -> dict[str, Any]:
    path, companies = write_csv(Path(".rapport") / "bench" / f"import-customers-{rows}.csv", rows)
    neo4j = bench_neo4j("import-path")
    try:
        timings = asyncio.run(_run(neo4j.uri, path, companies, batch_size, status(neo4j).pid))
    finally:
        stop(neo4j)
    return {"rows": rows, "batch_size": batch_size, "target_rows_per_second": 30000, **timings}


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Import benchmark — {report['rows']:,} customer rows (CSV) with companies, owners "
        "and consents",
        "",
        f"Run {report['generated_at']} on this machine (2 cores, Neo4j on the same host), batch "
        f"size {report['batch_size']:,}; target ≥ {report['target_rows_per_second']:,} rows/s.",
        "",
        "| phase | rows | seconds | rows/s | created | updated | unchanged | linked | failed "
        "| Python CPU µs/row | Neo4j CPU µs/row | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "companies": "companies (fresh JVM)",
        "companies_warm": "companies (warm JVM)",
        "first_import": "first import (fresh JVM)",
        "reimport": "reimport",
        "first_import_warm": "first import (warm JVM)",
        "reimport_warm": "reimport (warm JVM)",
    }
    for phase, _ in PHASES:
        if phase not in report:
            continue
        r = report[phase]
        db_us = r.get("neo4j_cpu_us_per_row")
        lines.append(
            f"| {names.get(phase, phase.replace('_', ' '))} | {r['rows']:,} | {r['seconds']} | "
            f"{r['rows_per_second']:,} | {r['created']:,} | {r['updated']:,} | "
            f"{r['unchanged']:,} | {r.get('linked', 0):,} | {r['failed']:,} | "
            f"{r.get('python_cpu_us_per_row', '')} | "
            f"{'' if db_us is None else db_us} | {r.get('load_average_at_start', '')} |"
        )
    lines += [
        "",
        "CPU µs/row is CPU time of the importing Python process (validation thread included) and "
        "of the Neo4j JVM, divided by the rows: unlike rows/s it does not depend on what else "
        "the machine runs. The load average is the 1-minute one when the phase started. The "
        "database is started for the run; the companies are imported first (one per business "
        "customer), then the customers, each linked to its company, its account manager (one "
        "of 20 users) and its consents (`linked` counts the customers whose links changed); "
        "after the reimport the database is wiped and both files are imported again into the "
        "now warm JVM.",
    ]
    return "\n".join(lines) + "\n"
