"""Exports of other tools with the graph they carry (issue 14): HubSpot deals as orders,
Salesforce Contacts and AccountContactRelation as jobs with roles and an org chart, Pipedrive
people and organizations, a spreadsheet with Slovak/Czech/Polish/Hungarian/German headers, and
customers with consents. Each fixture uses the tool's real header names.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from typer.testing import CliRunner

from graphdb.driver import Graph
from rapport.cli import app
from resolvers.io import import_rows, read_file, read_text
from resolvers.io.importing import MissingColumns, plan_columns
from resolvers.io.readers import Source
from tests._gql import gql

QUIET = Console(file=io.StringIO(), stderr=False)
runner = CliRunner()


def write_csv(path: Path, rows: list[list[str]], sep: str = ",", bom: bool = False) -> Path:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    return path


async def load_file(graph: Graph, path: Path, **kw: Any) -> Any:
    """Import `path` as `rapport import` does: preset detected from the header row."""
    source = read_file(path)
    plan = plan_columns(None, source.header(), {})
    result = await import_rows(
        graph,
        plan.type_name,
        source,
        renames=plan.renames,
        preset=plan.preset,
        console=QUIET,
        progress=False,
        **kw,
    )
    result.detected["preset"] = plan.preset.name if plan.preset else None
    return result


async def load(graph: Graph, type_name: str, source: Source, **kw: Any) -> Any:
    return await import_rows(graph, type_name, source, console=QUIET, progress=False, **kw)


def errors(result: Any) -> list[tuple[int, str | None, str | None, str]]:
    return sorted((e.row, e.field, e.column, e.code) for e in result.errors)


# --- HubSpot deals as orders --------------------------------------------------------------------

HUBSPOT_DEALS = [
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Close Date",
    "Pipeline",
    "Deal owner",
    "Amount",
    "Currency",
    "Associated Company IDs",
    "SKU",
    "Quantity",
]


async def test_hubspot_deals_become_orders(graph: Graph, tmp_path: Path) -> None:
    products = "sku,name,price,currency\nLIC-1,Licencia Účtovník,1200.00,EUR\n"
    assert (await load(graph, "products", read_text(products, "csv"))).created == 1
    customers = "externalId,kind,name\n2001,BUSINESS,Žltý kôň s.r.o.\n2002,BUSINESS,Müller GmbH\n"
    assert (await load(graph, "customers", read_text(customers, "csv"))).created == 2
    path = write_csv(
        tmp_path / "hubspot-crm-exports-all-deals.csv",
        [
            HUBSPOT_DEALS,
            [
                "9001",
                "Účtovník pre Žltý kôň",
                "Closed Won",
                "2025-03-14",
                "Sales Pipeline",
                "Eva Nováková",
                "2400",
                "EUR",
                "2001",
                "LIC-1",
                "2",
            ],
            [
                "9002",
                "Müller renewal",
                "Contract Sent",
                "2025-04-01",
                "Sales Pipeline",
                "Eva Nováková",
                "1200",
                "EUR",
                "2002",
                "LIC-1",
                "",
            ],
            [
                "9003",
                "Łódź pilot",
                "Closed Lost",
                "2025-02-01",
                "Sales Pipeline",
                "",
                "500",
                "EUR",
                "2999",
                "LIC-1",
                "1",
            ],
            [
                "9004",
                "Győr",
                "Closed Won",
                "2025-02-01",
                "Sales Pipeline",
                "",
                "500",
                "EUR",
                "2001",
                "NO-SUCH",
                "1",
            ],
        ],
    )
    result = await load_file(graph, path)
    assert (result.type, result.detected["preset"]) == ("orders", "hubspot-deals")
    assert errors(result) == [
        (4, "customerExternalId", "Associated Company IDs", "NOT_FOUND"),
        (5, "sku", "SKU", "NOT_FOUND"),
    ]
    assert (result.created, result.failed) == (2, 2)
    rows = await graph.read(
        "MATCH (c:Customer)-[:PLACED]->(o:Order)-[x:CONTAINS]->(p:Product) "
        "RETURN o.externalId AS id, c.externalId AS customer, o.status AS status, "
        "toString(o.placedAt) AS placedAt, x.quantity AS quantity, x.unitPrice AS price "
        "ORDER BY id"
    )
    assert rows == [
        # "Amount" is the unit price of the deal's line; Quantity defaults to 1
        {
            "id": "9001",
            "customer": "2001",
            "status": "PAID",
            "placedAt": "2025-03-14T00:00:00Z",
            "quantity": 2,
            "price": 24000000,
        },
        {
            "id": "9002",
            "customer": "2002",
            "status": "PENDING",
            "placedAt": "2025-04-01T00:00:00Z",
            "quantity": 1,
            "price": 12000000,
        },
    ]
    again = await load_file(graph, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_deals_export_without_skus_fails_before_any_row() -> None:
    header = [h for h in HUBSPOT_DEALS if h not in ("SKU", "Quantity")]
    try:
        plan_columns(None, header, {})
    except MissingColumns as exc:
        assert "sku" in str(exc) and "nothing was imported" in str(exc)
    else:
        raise AssertionError("a deals file without SKUs was accepted")


# --- Salesforce: Accounts, Contacts with ReportsToId, AccountContactRelation --------------------


async def test_salesforce_contacts_and_relations_give_jobs_roles_and_the_org_chart(
    client: Any, graph: Graph, tmp_path: Path
) -> None:
    accounts = write_csv(
        tmp_path / "Account.csv",
        [
            ["Id", "Name", "AccountNumber", "Website", "BillingCity", "BillingCountry"],
            ["001A01", "Žltý kôň s.r.o.", "36123456", "https://zk.sk", "Košice", "Slovakia"],
            ["001A02", "Dvořák a syn s.r.o.", "", "dvorak.cz", "Plzeň", "Czech Republic"],
        ],
    )
    assert (await load_file(graph, accounts)).created == 2
    # Ľubomír reports to Jiří, who comes later in the file; Árpád names a contact nobody has.
    contacts = write_csv(
        tmp_path / "Contact.csv",
        [
            [
                "Id",
                "AccountId",
                "FirstName",
                "LastName",
                "Email",
                "Title",
                "Department",
                "ReportsToId",
                "MailingCountry",
            ],
            [
                "003C01",
                "001A01",
                "Ľubomír",
                "Šťastný",
                "lubo@zk.sk",
                "Nákupca",
                "Nákup",
                "003C02",
                "Slovakia",
            ],
            [
                "003C02",
                "001A01",
                "Jiří",
                "Dvořák",
                "jiri@zk.sk",
                "CEO",
                "Vedenie",
                "",
                "Czech Republic",
            ],
            [
                "003C03",
                "001A02",
                "Łukasz",
                "Wójcik",
                "lukasz@dvorak.cz",
                "CTO",
                "",
                "003C09",
                "Poland",
            ],
            ["003C04", "001A99", "Jürgen", "Müller", "juergen@example.de", "", "", "", "Germany"],
            ["003C05", "001A02", "Árpád", "Kovács", "arpad@dvorak.cz", "", "", "003C05", "Hungary"],
        ],
    )
    result = await load_file(graph, contacts, batch_size=1)  # every reference crosses batches
    assert result.detected["preset"] == "salesforce-contacts"
    assert errors(result) == [
        (4, "reportsToExternalId", "ReportsToId", "NOT_FOUND"),
        (5, "companyExternalId", "AccountId", "NOT_FOUND"),
        (6, "reportsToExternalId", "ReportsToId", "SELF_REPORTING"),
    ]
    assert (result.created, result.linked) == (3, 3)
    relations = write_csv(
        tmp_path / "AccountContactRelation.csv",
        [
            [
                "Id",
                "AccountId",
                "ContactId",
                "Roles",
                "IsDirect",
                "IsActive",
                "StartDate",
                "EndDate",
            ],
            [
                "07kA01",
                "001A01",
                "003C02",
                "Decision Maker;Evaluator",
                "true",
                "true",
                "2019-01-01",
                "",
            ],
            ["07kA02", "001A01", "003C01", "Business User", "true", "true", "", ""],
            ["07kA03", "001A02", "003C02", "Economic Buyer", "false", "true", "2024-06-01", ""],
            ["07kA04", "001A02", "003C77", "Influencer", "false", "true", "", ""],
            [
                "07kA05",
                "001A02",
                "003C03",
                "Technical Buyer",
                "true",
                "true",
                "2024-01-01",
                "2023-01-01",
            ],
        ],
    )
    rel = await load_file(graph, relations)
    assert rel.detected["preset"] == "salesforce-account-contact-relations"
    assert errors(rel) == [
        (5, "contactExternalId", "ContactId", "NOT_FOUND"),
        (6, "endedOn", "EndDate", "ENDED_BEFORE_STARTED"),
    ]
    assert (rel.created, rel.updated) == (1, 2)
    jobs = await graph.read(
        "MATCH (p:Contact)-[w:WORKS_AT]->(co:Company) RETURN p.email AS who, co.externalId AS at,"
        " w.jobTitle AS title, w.decisionRole AS role, toString(w.startedOn) AS since "
        "ORDER BY who, at"
    )
    assert jobs == [
        {
            "who": "jiri@zk.sk",
            "at": "001A01",
            "title": "CEO",
            "role": "DECISION_MAKER",
            "since": "2019-01-01",
        },
        {
            "who": "jiri@zk.sk",
            "at": "001A02",
            "title": None,
            "role": "ECONOMIC_BUYER",
            "since": "2024-06-01",
        },
        {"who": "lubo@zk.sk", "at": "001A01", "title": "Nákupca", "role": "USER", "since": None},
        {"who": "lukasz@dvorak.cz", "at": "001A02", "title": "CTO", "role": None, "since": None},
    ]
    chart = await graph.read(
        "MATCH (p:Contact)-[:REPORTS_TO]->(m:Contact) RETURN p.email AS who, m.email AS boss"
    )
    assert chart == [{"who": "lubo@zk.sk", "boss": "jiri@zk.sk"}]
    answer = await gql(
        client,
        "{ companies(orderBy: [{field: NAME, direction: ASC}]) { edges { node { name "
        "keyDecisionMakers { contact { email } reasons } } } } }",
    )
    assert [
        (
            e["node"]["name"],
            [(k["contact"]["email"], k["reasons"]) for k in e["node"]["keyDecisionMakers"]],
        )
        for e in answer["companies"]["edges"]
    ] == [
        ("Dvořák a syn s.r.o.", [("jiri@zk.sk", ["ROLE"])]),
        ("Žltý kôň s.r.o.", [("jiri@zk.sk", ["ROLE"])]),
    ]
    again = await load_file(graph, contacts, batch_size=1)
    assert (again.created, again.updated, again.linked, again.unchanged) == (0, 0, 0, 3)


async def test_reports_to_by_email_in_any_order_and_loops_are_refused(graph: Graph) -> None:
    data = (
        "firstName,lastName,email,reportsToEmail\n"
        "Anna,Nováková,anna@example.sk,boris@example.sk\n"
        "Boris,Horváth,boris@example.sk,cyril@example.sk\n"
        "Cyril,Kráľ,cyril@example.sk,anna@example.sk\n"
        "Dana,Malá,dana@example.sk,dana@example.sk\n"
        "Eva,Veľká,eva@example.sk,nikto@example.sk\n"
    )
    result = await load(graph, "contacts", read_text(data, "csv"), batch_size=2)
    # Boris names Cyril, who is not written yet: his link is made after the file, when it
    # would close the loop Cyril -> Anna -> Boris.
    assert errors(result) == [
        (3, "reportsToEmail", "reportsToEmail", "REPORTING_CYCLE"),
        (5, "reportsToEmail", "reportsToEmail", "SELF_REPORTING"),
        (6, "reportsToEmail", "reportsToEmail", "NOT_FOUND"),
    ]
    chart = await graph.read(
        "MATCH (p:Contact)-[:REPORTS_TO]->(m:Contact) RETURN p.email AS who, m.email AS boss "
        "ORDER BY who"
    )
    assert chart == [
        {"who": "anna@example.sk", "boss": "boris@example.sk"},
        {"who": "cyril@example.sk", "boss": "anna@example.sk"},
    ]
    # Self-reporting is a validation error: that row wrote nothing; the others are contacts.
    assert result.created == 4


# --- Pipedrive ---------------------------------------------------------------------------------


async def test_pipedrive_organizations_and_persons_from_the_cli(
    graph: Graph, cli_env: Path
) -> None:
    orgs = write_csv(
        cli_env / "organizations.csv",
        [
            [
                "Organization - ID",
                "Organization - Name",
                "Organization - Owner",
                "Organization - Website",
                "Organization - Address - Street/road name",
                "Organization - Address - House number",
                "Organization - Address - City/town/village/locality",
                "Organization - Address - ZIP/Postal code",
                "Organization - Address - Country",
                "Organization - Number of employees",
            ],
            [
                "11",
                "Wójcik Sp. z o.o.",
                "Eva",
                "",
                "ul. Piotrkowska",
                "12",
                "Łódź",
                "90-001",
                "Poland",
                "40",
            ],
            [
                "12",
                "Kovács Kft.",
                "Eva",
                "https://kovacs.hu",
                "Fő utca",
                "3",
                "Győr",
                "9021",
                "Hungary",
                "12",
            ],
            ["13", "Kovács Kft.", "Eva", "kovacs-bau.hu", "", "", "Pécs", "", "Hungary", ""],
        ],
    )
    done = await asyncio.to_thread(
        runner.invoke,
        app,
        ["import", str(orgs), "--no-progress", "--report", str(cli_env / "o.json")],
    )
    assert done.exit_code == 0, done.output
    assert "preset pipedrive-organizations (detected)" in done.output
    stored = await graph.read(
        "MATCH (c:Company) RETURN c.externalId AS id, c.addressLine1 AS street, c.city AS city,"
        " c.country AS country, c.domain AS domain ORDER BY id"
    )
    assert stored == [
        {
            "id": "11",
            "street": "ul. Piotrkowska 12",
            "city": "Łódź",
            "country": "PL",
            "domain": None,
        },
        {"id": "12", "street": "Fő utca 3", "city": "Győr", "country": "HU", "domain": "kovacs.hu"},
        {"id": "13", "street": None, "city": "Pécs", "country": "HU", "domain": "kovacs-bau.hu"},
    ]
    persons = write_csv(
        cli_env / "people.csv",
        [
            [
                "Person - ID",
                "Person - Name",
                "Person - First name",
                "Person - Last name",
                "Person - Organization",
                "Person - Email - Work",
                "Person - Phone - Work",
                "Person - Job title",
                "Person - Owner",
            ],
            [
                "101",
                "Łukasz Wójcik",
                "Łukasz",
                "Wójcik",
                "Wójcik Sp. z o.o.",
                "lukasz@wojcik.pl",
                "+48 512 345 678",
                "Prezes",
                "Eva",
            ],
            [
                "102",
                "Árpád Kovács",
                "Árpád",
                "Kovács",
                "Kovács Kft.",
                "arpad@kovacs.hu",
                "",
                "",
                "Eva",
            ],
            [
                "103",
                "Jürgen Müller",
                "Jürgen",
                "Müller",
                "Müller AG",
                "juergen@mueller.de",
                "",
                "",
                "Eva",
            ],
        ],
    )
    report = cli_env / "p.json"
    done = await asyncio.to_thread(
        runner.invoke, app, ["import", str(persons), "--no-progress", "--report", str(report)]
    )
    assert done.exit_code == 2, done.output  # some rows failed
    data = orjson.loads(report.read_bytes())
    assert data["detected"]["preset"] == "pipedrive-persons"
    assert sorted((e["row"], e["column"], e["code"]) for e in data["errors"]) == [
        (3, "Person - Organization", "INVALID_VALUE"),  # two organizations have this name
        (4, "Person - Organization", "NOT_FOUND"),
    ]
    assert "Kovács Kft." in next(e["message"] for e in data["errors"] if e["row"] == 3)
    jobs = await graph.read(
        "MATCH (p:Contact)-[w:WORKS_AT]->(c:Company) RETURN p.externalId AS id, "
        "p.phone AS phone, w.jobTitle AS title, c.externalId AS at"
    )
    assert jobs == [{"id": "101", "phone": "+48512345678", "title": "Prezes", "at": "11"}]


# --- a spreadsheet with local headers ------------------------------------------------------------


async def test_excel_contacts_with_slovak_and_german_headers(graph: Graph, tmp_path: Path) -> None:
    companies = "name;registrationNumber\nŽltý kôň s.r.o.;36123456\n"
    assert (await load(graph, "companies", read_text(companies, "csv"))).created == 1
    path = write_csv(
        tmp_path / "kontakty.csv",
        [
            [
                "Meno",
                "Priezvisko",
                "E-mail",
                "Telefón",
                "Dátum narodenia",
                "Mesto",
                "PSČ",
                "Krajina",
                "IČO",
                "Pozícia",
                "Poznámka",
            ],
            [
                "Ľubomír",
                "Šťastný",
                "lubo@zk.sk",
                "0905 123 456",
                "24.12.1980",
                "Žilina",
                "010 01",
                "Slovensko",
                "36123456",
                "Konateľ",
                "VIP",
            ],
            [
                "Jürgen",
                "Müller",
                "juergen@example.de",
                "030 1234567",
                "1.2.1975",
                "München",
                "80331",
                "Deutschland",
                "",
                "",
                "",
            ],
        ],
        sep=";",
        bom=True,
    )
    result = await load_file(graph, path)
    assert (result.type, result.detected["preset"]) == ("contacts", "excel-contacts")
    assert (result.created, result.failed, result.linked) == (2, 0, 1)
    assert result.ignored_columns == ["Poznámka"]
    rows = await graph.read(
        "MATCH (p:Contact) RETURN p.email AS email, p.phone AS phone, "
        "toString(p.birthday) AS birthday, p.country AS country, "
        "[(p)-[w:WORKS_AT]->(c) | [c.registrationNumber, w.jobTitle]] AS jobs ORDER BY email"
    )
    assert rows == [
        {
            "email": "juergen@example.de",
            "phone": "+49301234567",
            "birthday": "1975-02-01",
            "country": "DE",
            "jobs": [],
        },
        {
            "email": "lubo@zk.sk",
            "phone": "+421905123456",
            "birthday": "1980-12-24",
            "country": "SK",
            "jobs": [["36123456", "Konateľ"]],
        },
    ]


async def test_a_job_without_its_company_is_refused(graph: Graph) -> None:
    data = "firstName,lastName,email,jobTitle\nAnna,Nováková,anna@example.sk,CFO\n"
    result = await load(graph, "contacts", read_text(data, "csv"))
    assert errors(result) == [(2, "jobTitle", "jobTitle", "REQUIRED")]
    assert result.created == 0


# --- customers with consents --------------------------------------------------------------------

CONSENT_SEGMENT = (
    'mutation { createSegment(input: {name: "Newsletter", requireConsent: '
    '{channel: EMAIL, purpose: "newsletter"}}) { segment { customers(first: 50) { edges '
    "{ node { externalId } } } } errors { code } } }"
)


async def test_customers_with_consents_land_in_consent_segments(client: Any, graph: Graph) -> None:
    data = (
        "externalId;kind;name;companyName;consents;consentRecordedAt;consentSource\n"
        "K-1;BUSINESS;Žltý kôň;Žltý kôň s.r.o.;EMAIL:newsletter|PHONE:newsletter=no;"
        "2025-01-10T09:00:00+01:00;webinár\n"
        "K-2;INDIVIDUAL;Łukasz Wójcik;;EMAIL:newsletter=no;;\n"
        "K-3;INDIVIDUAL;Árpád Kovács;;email:newsletter=yes;;\n"
        "K-4;INDIVIDUAL;Jürgen Müller;;FAX:newsletter;;\n"
        "K-5;INDIVIDUAL;Jiří Dvořák;;EMAIL:newsletter=maybe;;\n"
        "K-6;BUSINESS;Nikto;Nikto a.s.;;;\n"
    )
    companies = "name;domain\nŽltý kôň s.r.o.;zk.sk\n"
    assert (await load(graph, "companies", read_text(companies, "csv"))).created == 1
    result = await load(graph, "customers", read_text(data, "csv"))
    assert errors(result) == [
        (5, "consents.0", "consents.0", "INVALID_VALUE"),
        (6, "consents.0", "consents.0", "INVALID_VALUE"),
        (7, "companyName", "companyName", "NOT_FOUND"),
    ]
    assert (result.created, result.linked) == (3, 3)
    consents = await graph.read(
        "MATCH (c:Customer)-[:HAS_CONSENT]->(k:Consent) RETURN c.externalId AS who, "
        "k.channel AS channel, k.granted AS granted, k.source AS source, "
        "toString(k.recordedAt) AS at ORDER BY who, channel"
    )
    assert [(r["who"], r["channel"], r["granted"], r["source"]) for r in consents] == [
        ("K-1", "EMAIL", True, "webinár"),
        ("K-1", "PHONE", False, "webinár"),
        ("K-2", "EMAIL", False, "import"),
        ("K-3", "EMAIL", True, "import"),
    ]
    assert consents[0]["at"] == "2025-01-10T08:00:00Z"
    segment = (await gql(client, CONSENT_SEGMENT))["createSegment"]["segment"]
    assert sorted(e["node"]["externalId"] for e in segment["customers"]["edges"]) == [
        "K-1",
        "K-3",
    ]
    again = await load(graph, "customers", read_text(data, "csv"))
    assert (again.created, again.updated, again.linked, again.unchanged) == (0, 0, 0, 3)
    assert len(await graph.read("MATCH (k:Consent) RETURN k")) == 4
    # A later withdrawal is recorded (history kept); an older one changes nothing.
    withdrawn = (
        "externalId;kind;name;consents;consentRecordedAt\n"
        "K-3;INDIVIDUAL;Árpád Kovács;EMAIL:newsletter=no;2030-01-01T00:00:00Z\n"
        "K-1;BUSINESS;Žltý kôň;EMAIL:newsletter=no;2020-01-01T00:00:00Z\n"
    )
    later = await load(graph, "customers", read_text(withdrawn, "csv"))
    assert (later.linked, later.failed) == (1, 0)
    segment = (await gql(client, CONSENT_SEGMENT.replace("Newsletter", "N2")))["createSegment"]
    assert [e["node"]["externalId"] for e in segment["segment"]["customers"]["edges"]] == ["K-1"]


async def test_import_records_takes_presets_and_consents(client: Any) -> None:
    query = (
        "mutation M($input: ImportRecordsInput!) { importRecords(input: $input) "
        "{ created linked failed detected { preset } errors { row field code } } }"
    )
    orgs = (
        "Organization - ID,Organization - Name,Organization - Website\n21,Žltý kôň s.r.o.,zk.sk\n"
    )
    first = await gql(client, query, {"input": {"type": "COMPANIES", "data": orgs}})
    assert first["importRecords"] == {
        "created": 1,
        "linked": 0,
        "failed": 0,
        "detected": {"preset": "pipedrive-organizations"},
        "errors": [],
    }
    people = (
        "Person - ID,Person - Name,Person - First name,Person - Last name,"
        "Person - Organization,Person - Email - Work\n"
        "201,Ľubo Šťastný,Ľubo,Šťastný,Žltý kôň s.r.o.,lubo@zk.sk\n"
        "202,Jiří Dvořák,Jiří,Dvořák,Dvořák s.r.o.,jiri@dvorak.cz\n"
    )
    second = await gql(client, query, {"input": {"type": "CONTACTS", "data": people}})
    assert second["importRecords"] == {
        "created": 1,
        "linked": 1,
        "failed": 1,
        "detected": {"preset": "pipedrive-persons"},
        "errors": [{"row": 3, "field": "companyName", "code": "NOT_FOUND"}],
    }
    customers = "externalId,kind,name,companyDomain,consents\nK-1,BUSINESS,Žltý,zk.sk,EMAIL:news\n"
    third = await gql(client, query, {"input": {"type": "CUSTOMERS", "data": customers}})
    assert third["importRecords"]["linked"] == 1 and third["importRecords"]["errors"] == []
