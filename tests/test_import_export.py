"""Bulk import and export against a real Neo4j (issue 7, parts 2 and 3)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import orjson
from email_validator import EmailNotValidError
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from rich.console import Console

from core.validation import Code, Validator
from core.validation._base import _FORBIDDEN_CATEGORIES
from core.validation.contact import _PLAIN_EMAIL_RE, _e164, _plain_email
from graphdb.compiler.visibility import Visibility
from graphdb.driver import Graph
from resolvers.io import import_rows, read_file, read_text
from resolvers.io.export import EXPORT_TYPES, Writer, columns_of, export_rows
from resolvers.io.report import ImportResult
from tests.conftest import wipe

QUIET = Console(file=io.StringIO(), stderr=False)


async def load(graph: Graph | None, type_name: str, text: str, **kw: Any) -> ImportResult:
    return await import_rows(
        graph, type_name, read_text(text, kw.pop("fmt", "csv")), console=QUIET, progress=False, **kw
    )


CUSTOMERS_CSV = """externalId,kind,name,email,phone,lifecycleStage,leadScore,city,country
ERP-1,BUSINESS,Acme s.r.o.,Nakup@Acme.SK,0905 123 456,customer,60,Žilina,SK
ERP-2,individual,Jana Nováková,jana@example.cz,602 123 456,,,Brno,CZ
ERP-3,INDIVIDUAL,,bad@example.com,,,,,
ERP-4,INDIVIDUAL,Bad Mail,not-an-email,,,,,
ERP-5,INDIVIDUAL,Bad Phone,,12,,,,
ERP-6,ALIEN,Bad Kind,,,,,,
ERP-7,INDIVIDUAL,Bad Score,,,,101,,
ERP-8,INDIVIDUAL,Bad Country,,,,,,XX
ERP-9,INDIVIDUAL,Bad Stage,,,WON,,,
 ERP-10,INDIVIDUAL,Bad Id,,,,,,
,INDIVIDUAL,No Id,,,,,,
ERP-12,INDIVIDUAL,Two Bad,x@,,,abc,,
ERP-13,INDIVIDUAL,"Zero\u200bWidth",,,,,,
ERP-14,INDIVIDUAL,Good Too,,,,,,
"""

BAD = {
    4: ("name", "REQUIRED"),
    5: ("email", "INVALID_EMAIL"),
    6: ("phone", "INVALID_PHONE"),
    7: ("kind", "INVALID_ENUM"),
    8: ("leadScore", "OUT_OF_RANGE"),
    9: ("country", "INVALID_COUNTRY"),
    10: ("lifecycleStage", "INVALID_ENUM"),
    11: ("externalId", "INVALID_EXTERNAL_ID"),
    12: ("externalId", "REQUIRED"),
    13: ("email", "INVALID_EMAIL"),
    14: ("name", "CONTROL_CHARACTERS"),
}


async def _customers(graph: Graph) -> dict[str, dict[str, Any]]:
    rows = await graph.read(
        "MATCH (c:Customer) RETURN c.externalId AS key, c {.*, updatedAt: toString(c.updatedAt)} "
        "AS props"
    )
    return {r["key"]: r["props"] for r in rows}


async def test_good_rows_land_and_every_bad_row_is_reported(graph: Graph) -> None:
    result = await load(graph, "customers", CUSTOMERS_CSV)
    assert (result.rows, result.created, result.failed) == (14, 3, 11)
    found = {(e.row, e.field, e.code) for e in result.errors}
    for row, (field, code) in BAD.items():
        assert (row, field, code) in found, (row, field, code, result.errors)
    assert (13, "leadScore", "INVALID_VALUE") in found  # every problem of a row, not the first
    stored = await _customers(graph)
    assert set(stored) == {"ERP-1", "ERP-2", "ERP-14"}  # nothing of a bad row was written
    acme = stored["ERP-1"]
    assert acme["email"] == "nakup@acme.sk"  # normalised exactly as the mutations do
    assert acme["phone"] == "+421905123456"
    assert acme["lifecycleStage"] == "CUSTOMER"
    assert acme["leadScore"] == 60
    assert acme["version"] == 1
    assert acme["orderCount"] == 0 and acme["totalSpent"] == 0
    assert stored["ERP-2"]["phone"] == "+420602123456"  # read as Czech: the address is in CZ
    assert stored["ERP-2"]["lifecycleStage"] == "LEAD"


async def test_reimport_is_a_no_op(graph: Graph) -> None:
    await load(graph, "customers", CUSTOMERS_CSV)
    before = await _customers(graph)
    again = await load(graph, "customers", CUSTOMERS_CSV)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 3, 11)
    assert await _customers(graph) == before


async def test_changed_row_updates_and_bumps_version_once(graph: Graph) -> None:
    await load(graph, "customers", CUSTOMERS_CSV)
    changed = "externalId,kind,name,leadScore\nERP-1,BUSINESS,Acme a.s.,60\n"
    result = await load(graph, "customers", changed)
    assert (result.updated, result.unchanged) == (1, 0)
    acme = (await _customers(graph))["ERP-1"]
    assert (acme["name"], acme["version"], acme["email"]) == ("Acme a.s.", 2, "nakup@acme.sk")


def _xlsx(path: Path, text: str) -> Path:
    """The CSV `text` as a workbook, numbers typed as numbers (as a person would have it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for i, record in enumerate(csv.reader(io.StringIO(text))):
        values: list[Any] = []
        for value in record:
            if i and value.isdigit() and not value.startswith("0"):
                values.append(int(value))
            else:
                values.append(value or None)
        sheet.append(values)
    book.save(path)
    return path


async def test_xlsx_and_csv_give_the_same_result(graph: Graph, tmp_path: Path) -> None:
    from_csv = await load(graph, "customers", CUSTOMERS_CSV)
    stored_csv = {k: _stable(v) for k, v in (await _customers(graph)).items()}
    await wipe(graph)
    path = _xlsx(tmp_path / "customers.xlsx", CUSTOMERS_CSV)
    from_xlsx = await import_rows(
        graph, "customers", read_file(path), console=QUIET, progress=False
    )
    assert [(e.row, e.field, e.code) for e in from_xlsx.errors] == [
        (e.row, e.field, e.code) for e in from_csv.errors
    ]
    assert from_xlsx.created == from_csv.created
    assert {k: _stable(v) for k, v in (await _customers(graph)).items()} == stored_csv


def _stable(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k not in ("id", "createdAt", "updatedAt")}


async def test_jsonl_map_and_dry_run(graph: Graph) -> None:
    lines = [
        {"Kundennummer": "J-1", "kind": "INDIVIDUAL", "Name": "Petra", "leadScore": 5},
        {"Kundennummer": "J-2", "kind": "INDIVIDUAL", "Name": "Pavol", "Notes": "ignored"},
        {"Kundennummer": "J-3", "kind": "INDIVIDUAL", "Name": "Float", "leadScore": 2.5},
    ]
    text = "\n".join(orjson.dumps(x).decode() for x in lines) + "\nnot json\n"
    renames = {"Kundennummer": "externalId"}
    dry = await load(graph, "customers", text, fmt="jsonl", renames=renames, dry_run=True)
    assert (dry.valid, dry.failed, dry.created) == (2, 2, 0)
    assert {(e.row, e.code) for e in dry.errors} == {(3, "INVALID_VALUE"), (4, "INVALID_VALUE")}
    assert await _customers(graph) == {}  # a dry run writes nothing
    result = await load(graph, "customers", text, fmt="jsonl", renames=renames)
    assert (result.created, result.failed) == (2, 2)
    assert result.ignored_columns == ["Notes"]
    stored = await _customers(graph)
    assert stored["J-1"]["name"] == "Petra" and stored["J-1"]["leadScore"] == 5


COMPANIES_CSV = """name,domain,registrationNumber,annualRevenue,currency,employeeCount,country
Acme s.r.o.,https://www.acme.sk/,12345678,1250000.50,EUR,42,SK
Beta a.s.,beta.cz,,,,,CZ
No Key,,,,,,
Bad Money,bad.example,,12.5.1,EUR,,
Revenue Only,rev.example,,100,,,
"""

CONTACTS_CSV = """firstName,lastName,email,phone,birthday,personalNotes,city,country
Zuzana,Kováčová,Zuzana@Firma.CZ,602 123 456,1985-04-12,Two kids.,Brno,CZ
Ján,Novák,jan@acme.sk,0905 111 222,,,Žilina,SK
Future,Born,future@acme.sk,,2199-01-01,,,
No,Mail,,,,,,
"""

PRODUCTS_CSV = """sku,name,price,currency,category,active
ab-100,Anchor bolt,0.0125,EUR,Fasteners,true
NUT-8,Nut M8,0.08,EUR,Fasteners,yes
OLD-1,Old thing,5,EUR,,false
bad sku,Bad,1,EUR,,
CHEAP,Cheap,1.00001,EUR,,
NEG,Neg,-1,EUR,,
FLAG,Flag,1,EUR,,maybe
"""


async def _seed_all(graph: Graph) -> None:
    for type_name, text, created in (
        ("customers", CUSTOMERS_CSV, 3),
        ("companies", COMPANIES_CSV, 2),
        ("contacts", CONTACTS_CSV, 2),
        ("products", PRODUCTS_CSV, 3),
    ):
        result = await load(graph, type_name, text)
        assert result.created == created, (type_name, result.errors)


async def test_companies_contacts_products_validate_like_the_mutations(graph: Graph) -> None:
    companies = await load(graph, "companies", COMPANIES_CSV)
    assert {(e.row, e.field, e.code) for e in companies.errors} == {
        (4, "registrationNumber", "REQUIRED"),
        (5, "annualRevenue", "INVALID_MONEY"),
        (6, "currency", "REQUIRED"),
    }
    contacts = await load(graph, "contacts", CONTACTS_CSV)
    assert {(e.row, e.field, e.code) for e in contacts.errors} == {
        (4, "birthday", "DATE_IN_FUTURE"),
        (5, "email", "REQUIRED"),
    }
    products = await load(graph, "products", PRODUCTS_CSV)
    assert {(e.row, e.field, e.code) for e in products.errors} == {
        (5, "sku", "INVALID_SKU"),
        (6, "price", "INVALID_MONEY"),
        (7, "price", "NEGATIVE_AMOUNT"),
        (8, "active", "INVALID_VALUE"),
    }
    rows = await graph.read(
        "MATCH (co:Company {registrationNumber: '12345678'}) RETURN co.domain AS domain, "
        "co.annualRevenue AS revenue"
    )
    assert rows == [{"domain": "acme.sk", "revenue": 12500005000}]
    rows = await graph.read(
        "MATCH (p:Contact {email: 'zuzana@firma.cz'}) RETURN p.fullName AS name, "
        "p.phone AS phone, toString(p.birthday) AS birthday"
    )
    assert rows == [{"name": "Zuzana Kováčová", "phone": "+420602123456", "birthday": "1985-04-12"}]
    rows = await graph.read(
        "MATCH (p:Product) RETURN p.sku AS sku, p.active AS active ORDER BY sku"
    )
    assert rows == [
        {"sku": "AB-100", "active": True},
        {"sku": "NUT-8", "active": True},
        {"sku": "OLD-1", "active": False},
    ]
    versions = await graph.read("MATCH (n) WHERE n.version IS NOT NULL RETURN sum(n.version) AS v")
    for type_name, text in (
        ("companies", COMPANIES_CSV),
        ("contacts", CONTACTS_CSV),
        ("products", PRODUCTS_CSV),
    ):
        again = await load(graph, type_name, text)
        assert again.created == again.updated == 0, type_name
    assert (
        await graph.read("MATCH (n) WHERE n.version IS NOT NULL RETURN sum(n.version) AS v")
        == versions
    )


ORDERS_CSV = """externalId,customerExternalId,placedAt,status,sku,quantity,unitPrice
O-1,ERP-1,2025-03-01T10:00:00+01:00,PAID,AB-100,100,
O-1,ERP-1,2025-03-01T10:00:00+01:00,PAID,NUT-8,10,0.07
O-2,ERP-1,2025-04-01T10:00:00Z,,NUT-8,1,
O-3,ERP-2,2025-05-01T10:00:00Z,,NUT-8,0,
O-3,ERP-2,2025-05-01T10:00:00Z,,AB-100,1,
O-4,NOBODY,2025-05-01T10:00:00Z,,NUT-8,1,
O-5,ERP-2,2025-05-01T10:00:00,,NUT-8,1,
O-6,ERP-2,2025-05-02T10:00:00Z,,OLD-1,1,
"""


async def _aggregates(graph: Graph, key: str) -> dict[str, Any]:
    rows = await graph.read(
        "MATCH (c:Customer {externalId: $key}) RETURN c.orderCount AS n, c.totalSpent AS total, "
        "toString(c.firstOrderAt) AS first, toString(c.lastOrderAt) AS last, c.version AS version",
        {"key": key},
    )
    return rows[0]  # type: ignore[no-any-return]


async def test_orders_keep_customer_aggregates_and_reimport_is_a_no_op(graph: Graph) -> None:
    await _seed_all(graph)
    result = await load(graph, "orders", ORDERS_CSV)
    assert result.created == 2
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (5, "quantity", "OUT_OF_RANGE"),
        (6, "externalId", "INVALID_VALUE"),  # the other line of the sunk order O-3
        (7, "customerExternalId", "NOT_FOUND"),
        (8, "placedAt", "MISSING_TIMEZONE"),
        (9, "sku", "PRODUCT_INACTIVE"),
    }
    acme = await _aggregates(graph, "ERP-1")
    # O-1: 100 * 0.0125 + 10 * 0.07 = 1.95; O-2: 1 * 0.08
    assert (acme["n"], acme["total"]) == (2, 19500 + 800)
    assert acme["first"] == "2025-03-01T09:00:00Z" and acme["last"] == "2025-04-01T10:00:00Z"
    assert acme["version"] == 1  # aggregates never bump the version
    assert (await _aggregates(graph, "ERP-2"))["n"] == 0
    again = await load(graph, "orders", ORDERS_CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert await _aggregates(graph, "ERP-1") == acme
    moved = "externalId,customerExternalId,placedAt,sku,quantity\n"
    moved += "O-2,ERP-2,2025-04-01T10:00:00Z,NUT-8,2\n"
    changed = await load(graph, "orders", moved)
    assert changed.updated == 1
    assert (await _aggregates(graph, "ERP-1"))["n"] == 1
    assert (
        (await _aggregates(graph, "ERP-2"))["n"],
        (await _aggregates(graph, "ERP-2"))["total"],
    ) == (1, 1600)


async def test_interactions_referrals_and_employments(graph: Graph) -> None:
    await _seed_all(graph)
    interactions = (
        "externalId,kind,occurredAt,subject,sentiment,customerExternalIds,contactEmails\n"
        "I-1,MEETING,2025-04-02T09:30:00+02:00,Renewal,0.5,ERP-1,zuzana@firma.cz\n"
        ",CALL,2025-04-03T09:30:00Z,Call,,ERP-2,\n"
        "I-3,DANCE,2025-04-03T09:30:00Z,,,ERP-2,\n"
        "I-4,CALL,2025-04-03T09:30:00Z,,2,ERP-2,\n"
        "I-5,CALL,2025-04-03T09:30:00Z,,,,\n"
        "I-6,CALL,2025-04-03T09:30:00Z,,,NOBODY,\n"
    )
    result = await load(graph, "interactions", interactions)
    assert result.created == 2
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (4, "kind", "INVALID_ENUM"),
        (5, "sentiment", "OUT_OF_RANGE"),
        (6, "customerExternalIds", "REQUIRED"),
        (7, "customerExternalIds", "NOT_FOUND"),
    }
    again = await load(graph, "interactions", interactions)
    assert (again.created, again.unchanged) == (1, 1)  # without externalId: always a new one
    rows = await graph.read(
        "MATCH (c:Customer {externalId: 'ERP-1'}) RETURN toString(c.lastInteractionAt) AS at"
    )
    assert rows == [{"at": "2025-04-02T07:30:00Z"}]

    referrals = (
        "referrerExternalId,referrerEmail,referredExternalId,referredAt,channel\n"
        "ERP-1,,ERP-2,2025-02-01T12:00:00Z,fair\n"
        "ERP-2,,ERP-1,2025-02-01T12:00:00Z,\n"
        ",jan@acme.sk,ERP-14,2025-02-01T12:00:00Z,\n"
        "ERP-14,,ERP-2,2025-02-01T12:00:00Z,\n"
        "ERP-14,,ERP-14,2025-02-01T12:00:00Z,\n"
    )
    result = await load(graph, "referrals", referrals)
    assert result.created == 2
    assert {(e.row, e.code) for e in result.errors} == {
        (3, "REFERRAL_CYCLE"),
        (5, "ALREADY_REFERRED"),
        (6, "SELF_REFERRAL"),
    }
    again = await load(graph, "referrals", referrals)
    assert (again.created, again.unchanged) == (0, 2)

    jobs = (
        "contactEmail,companyDomain,companyRegistrationNumber,jobTitle,seniority,startedOn,endedOn\n"
        "zuzana@firma.cz,,12345678,Buyer,DIRECTOR,2021-09-01,\n"
        "jan@acme.sk,beta.cz,,CEO,c_level,,\n"
        "jan@acme.sk,acme.sk,,Intern,STAFF,2020-01-01,2019-01-01\n"
        "nobody@acme.sk,acme.sk,,X,,,\n"
    )
    result = await load(graph, "employments", jobs)
    assert result.created == 2
    assert {(e.row, e.field, e.code) for e in result.errors} == {
        (4, "endedOn", "ENDED_BEFORE_STARTED"),
        (5, "contactEmail", "NOT_FOUND"),
    }
    again = await load(graph, "employments", jobs)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows = await graph.read(
        "MATCH (:Contact {email: 'jan@acme.sk'})-[w:WORKS_AT]->(c:Company) "
        "RETURN c.name AS company, w.seniority AS seniority"
    )
    assert rows == [{"company": "Beta a.s.", "seniority": "C_LEVEL"}]


async def _export(
    graph: Graph, type_name: str, fmt: str, path: Path, vis: Visibility | None = None
) -> Path:
    writer = Writer(fmt, columns_of(type_name), path)
    try:
        async for row in export_rows(graph, type_name, vis or Visibility(), page_size=2):
            writer.write(row)
    finally:
        writer.close()
    return path


_ENTITY_SNAPSHOT = (
    "MATCH (n) WHERE n:Customer OR n:Company OR n:Contact OR n:Product "
    "RETURN labels(n)[0] AS label, n {.*, id: null, createdAt: null, updatedAt: null, "
    "birthday: toString(n.birthday)} AS props ORDER BY label, coalesce(n.externalId, n.email, "
    "n.sku, n.registrationNumber, n.domain)"
)


async def test_export_then_import_into_an_empty_database_loses_nothing(
    graph: Graph, tmp_path: Path
) -> None:
    await _seed_all(graph)
    before = await graph.read(_ENTITY_SNAPSHOT)
    files = {}
    for type_name, fmt in (
        ("customers", "csv"),
        ("companies", "xlsx"),
        ("contacts", "jsonl"),
        ("products", "csv"),
    ):
        files[type_name] = await _export(graph, type_name, fmt, tmp_path / f"{type_name}.{fmt}")
    await wipe(graph)
    for type_name, path in files.items():
        result = await import_rows(graph, type_name, read_file(path), console=QUIET, progress=False)
        assert result.failed == 0 and result.ignored_columns == [], (type_name, result.errors)
    assert await graph.read(_ENTITY_SNAPSHOT) == before


async def test_orders_and_interactions_export_and_reimport_unchanged(
    graph: Graph, tmp_path: Path
) -> None:
    await _seed_all(graph)
    await load(graph, "orders", ORDERS_CSV)
    interactions = (
        "externalId,kind,occurredAt,subject,customerExternalIds,contactEmails,loggedByEmail\n"
        "I-1,MEETING,2025-04-02T09:30:00+02:00,Renewal,ERP-1;ERP-2,zuzana@firma.cz,"
        "eva@rapport.example\n"
    )
    await graph.write(
        "CREATE (:User {id: 'u-eva', email: 'eva@rapport.example', name: 'Eva', role: 'SALES', "
        "version: 1})"
    )
    assert (await load(graph, "interactions", interactions)).created == 1
    for type_name in EXPORT_TYPES:
        path = await _export(graph, type_name, "csv", tmp_path / f"{type_name}.csv")
        assert len(path.read_text().splitlines()) > 1, type_name
    orders = list(csv.DictReader((tmp_path / "orders.csv").open(encoding="utf-8")))
    assert [(o["externalId"], o["sku"], o["quantity"], o["unitPrice"]) for o in orders] == [
        ("O-1", "AB-100", "100", "0.0125"),
        ("O-1", "NUT-8", "10", "0.07"),
        ("O-2", "NUT-8", "1", "0.08"),
    ] or sorted(o["externalId"] for o in orders) == ["O-1", "O-1", "O-2"]
    for type_name, unchanged in (("orders", 2), ("interactions", 1)):
        again = await import_rows(
            graph,
            type_name,
            read_file(tmp_path / f"{type_name}.csv"),
            console=QUIET,
            progress=False,
        )
        assert (again.failed, again.created, again.updated, again.unchanged) == (
            0,
            0,
            0,
            unchanged,
        ), (type_name, again.errors)


async def test_export_with_an_analyst_token_blanks_personal_fields(
    graph: Graph, tmp_path: Path, make_token: Any, settings: Any
) -> None:
    from rapport.io.cli import _visibility

    await _seed_all(graph)
    analyst = await _visibility(graph, settings, await make_token("ANALYST"))
    path = await _export(graph, "contacts", "csv", tmp_path / "contacts.csv", analyst)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 2
    for row in rows:
        assert row["firstName"] and row["city"]  # not personal
        for field in ("email", "phone", "birthday", "personalNotes", "addressLine1"):
            assert row[field] == "", (field, row)
    path = await _export(graph, "customers", "csv", tmp_path / "customers.csv", analyst)
    assert all(r["email"] == "" and r["phone"] == "" for r in csv.DictReader(path.open()))
    admin = await _visibility(graph, settings, await make_token("ADMIN"))
    path = await _export(graph, "contacts", "csv", tmp_path / "all.csv", admin)
    assert sorted(r["email"] for r in csv.DictReader(path.open())) == [
        "jan@acme.sk",
        "zuzana@firma.cz",
    ]


async def test_export_with_a_sales_token_shows_only_its_own_accounts(
    graph: Graph, tmp_path: Path, make_token: Any, settings: Any
) -> None:
    from rapport.io.cli import _visibility

    await _seed_all(graph)
    token = await make_token("SALES", email="eva@rapport.example")
    await graph.write(
        "MATCH (u:User {email: 'eva@rapport.example'}), (c:Customer {externalId: 'ERP-1'}) "
        "CREATE (u)-[:MANAGES]->(c)"
    )
    sales = await _visibility(graph, settings, token)
    path = await _export(graph, "customers", "csv", tmp_path / "customers.csv", sales)
    emails = {r["externalId"]: r["email"] for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert emails == {"ERP-1": "nakup@acme.sk", "ERP-2": "", "ERP-14": ""}


async def test_import_records_mutation(client: Any, make_token: Any) -> None:
    from tests._gql import gql

    query = (
        "mutation M($input: ImportRecordsInput!) { importRecords(input: $input) "
        "{ created updated unchanged failed errors { row field code message } } }"
    )
    data = {"type": "CUSTOMERS", "data": CUSTOMERS_CSV}
    first = (await gql(client, query, {"input": data}))["importRecords"]
    assert (first["created"], first["failed"]) == (3, 11)
    assert {"row": 5, "field": "email", "code": "INVALID_EMAIL"}.items() <= first["errors"][
        1
    ].items()
    again = (await gql(client, query, {"input": data}))["importRecords"]
    assert (again["created"], again["unchanged"]) == (0, 3)
    jsonl = '{"Id": "G-1", "kind": "INDIVIDUAL", "name": "Via JSONL"}\n'
    mapped = {"type": "CUSTOMERS", "data": jsonl, "format": "JSONL", "map": {"Id": "externalId"}}
    assert (await gql(client, query, {"input": mapped}))["importRecords"]["created"] == 1
    big = "externalId,kind,name\n" + "".join(f"B-{i},INDIVIDUAL,N{i}\n" for i in range(1001))
    refused = (await gql(client, query, {"input": {"type": "CUSTOMERS", "data": big}}))[
        "importRecords"
    ]
    assert refused["created"] == 0
    assert [(e["row"], e["code"]) for e in refused["errors"]] == [(0, "OUT_OF_RANGE")]
    exactly = "externalId,kind,name\n" + "".join(f"B-{i},INDIVIDUAL,N{i}\n" for i in range(1000))
    ok = await gql(client, query, {"input": {"type": "CUSTOMERS", "data": exactly}})
    assert ok["importRecords"]["created"] == 1000
    analyst = await make_token("ANALYST")
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": {"input": data}},
        headers={"Authorization": f"Bearer {analyst}"},
    )
    errors = response.json()["data"]["importRecords"]["errors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]


@settings(max_examples=400, deadline=None)
@given(st.from_regex(_PLAIN_EMAIL_RE, fullmatch=True))
def test_fast_email_path_agrees_with_email_validator(address: str) -> None:
    fast = _plain_email(address)
    try:
        slow: str | None = Validator._validate_email(address).lower()
        slow = Validator._validate_email(slow).lower()
    except EmailNotValidError:
        slow = None
    if fast is not None:
        assert fast == slow, address


def test_fast_email_path_answers_for_plain_addresses() -> None:
    assert _plain_email("Jan.Novak+crm@Firma-1.SK") == "jan.novak+crm@firma-1.sk"
    for deferred in ("jan@localhost", "jan@xn--bcher-kva.de", "ján@firma.sk", "a@b.test"):
        assert _plain_email(deferred) is None


def _text_by_the_rule(value: str, allow_newlines: bool) -> tuple[str | None, list[str]]:
    """Validator.text spelled out without its fast paths: scan every character, then NFC."""
    if allow_newlines:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    stripped = value.strip()
    if not stripped:
        return None, [Code.BLANK]
    allowed = ("\n", "\t") if allow_newlines else ()
    if any(
        c == "\x00" or (c not in allowed and unicodedata.category(c) in _FORBIDDEN_CATEGORIES)
        for c in stripped
    ):
        return None, [Code.CONTROL_CHARACTERS]
    normalised = unicodedata.normalize("NFC", stripped).strip()
    if not normalised:
        return None, [Code.BLANK]
    if len(normalised) > 20:
        return None, [Code.TOO_LONG]
    return normalised, []


@settings(max_examples=600, deadline=None)
@given(
    st.text(
        st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Co")),
        max_size=24,
    )
    | st.sampled_from(["Ján", "Ja\u0301n", "a\u200bb", "x\ty", "l1\r\nl2", " \u2028 ", "é"]),
    st.booleans(),
)
def test_text_fast_paths_agree_with_the_character_scan(value: str, newlines: bool) -> None:
    v = Validator()
    got = v.text("f", value, max_length=20, allow_newlines=newlines)
    assert (got, [e.code for e in v.errors]) == _text_by_the_rule(value, newlines), repr(value)


def test_phone_cache_gives_the_same_answers_and_messages() -> None:
    _e164.cache_clear()
    cases = [
        ("0905 123 456", "SK"),
        ("+421 905 123 456", None),
        ("602 123 456", "CZ"),
        ("12", "SK"),
        ("+421 905 123 456 ext. 12", None),
    ]
    first, second = [], []
    for answers in (first, second):
        for text, region in cases:
            v = Validator()
            answers.append((v.phone("phone", text, region=region), v.errors))
    assert first == second
    assert _e164.cache_info().hits == len(cases)
    assert [a for a, _ in first] == ["+421905123456", "+421905123456", "+420602123456", None, None]
    assert [e[0].code for _, e in first[3:]] == [Code.INVALID_PHONE, Code.INVALID_PHONE]
    assert "extension" in first[4][1][0].message


async def test_reimport_of_a_larger_file_counts_every_row_unchanged(graph: Graph) -> None:
    """Several batches (a repeated key cuts one early), shared phones and cached columns."""
    await wipe(graph)
    lines = ["externalId,kind,name,phone,city,country"]
    lines += [f"BIG-{i},INDIVIDUAL,Zákazník {i},0905 000 {i % 7:03d},Žilina,SK" for i in range(250)]
    lines.append("BIG-3,INDIVIDUAL,Zákazník 3,,,")  # a repeated key starts a new batch
    text = "\n".join(lines) + "\n"
    first = await load(graph, "customers", text, batch_size=100)
    assert (first.created, first.updated, first.unchanged, first.failed) == (250, 0, 1, 0)
    again = await load(graph, "customers", text, batch_size=100)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 251, 0)
    ids = await graph.read("MATCH (c:Customer) RETURN collect(c.id) AS ids")
    assert len(set(ids[0]["ids"])) == 250
    uuid4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(uuid4.fullmatch(i) for i in ids[0]["ids"])  # ids like global_id.new_raw_id's
    changed = await load(graph, "customers", "externalId,kind,name\nBIG-9,INDIVIDUAL,Nové\n")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    rows = await graph.read(
        "MATCH (c:Customer) WHERE c.externalId IN ['BIG-3', 'BIG-9'] RETURN c.externalId AS key, "
        "c.name AS name, c.phone AS phone, c.city AS city, c.version AS version ORDER BY key"
    )
    assert rows == [
        {
            "key": "BIG-3",
            "name": "Zákazník 3",
            "phone": "+421905000003",
            "city": "Žilina",
            "version": 1,
        },
        {"key": "BIG-9", "name": "Nové", "phone": "+421905000002", "city": "Žilina", "version": 2},
    ]
