"""Files the way real tools write them (issue 14): Excel CSVs, code pages, locale values,
HubSpot and Salesforce exports, typed XLSX cells; the CLI's errors; exports for spreadsheets.

Every fixture is generated here, byte for byte as the tool writes it.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from openpyxl import Workbook, load_workbook
from rich.console import Console
from typer.testing import CliRunner, Result

from core import global_id
from core.validation import Validator
from graphdb.driver import Graph
from rapport.cli import app
from rapport.seed import seed_graph
from resolvers.io import import_rows, read_file, read_text
from resolvers.io.export import Writer, column_kinds, columns_of, export_rows
from resolvers.io.importing import SHOWN_ERRORS, MissingColumns, plan_columns
from resolvers.io.readers import ReadError
from resolvers.io.report import error_line
from resolvers.io.sniff import guess_delimiter, guess_encoding
from resolvers.io.values import ValueReader
from tests.conftest import wipe

QUIET = Console(file=io.StringIO(), stderr=False)
runner = CliRunner()

#: Names with the letters that break code pages: SK, CZ, PL, HU, DE.
PEOPLE = [
    ("Ľubomír", "Šťastný", "lubo@example.sk", "0905 123 456", "Slovensko", "Žilina"),
    ("Jiří", "Dvořák", "jiri@example.cz", "602 123 456", "Česká republika", "Plzeň"),
    ("Łukasz", "Wójcik", "lukasz@example.pl", "512 345 678", "Polska", "Łódź"),
    ("Árpád", "Kovács", "arpad@example.hu", "20 123 4567", "Magyarország", "Győr"),
    ("Jürgen", "Müller", "juergen@example.de", "030 1234567", "Deutschland", "München"),
]
#: The same five people with their phones in E.164, as read in their address's country.
E164 = ["+421905123456", "+420602123456", "+48512345678", "+36201234567", "+49301234567"]


def excel_csv(rows: list[list[str]], encoding: str = "utf-8-sig", sep: str = ";") -> bytes:
    """A CSV as Excel saves it where the decimal mark is a comma: `;`, CRLF, quoted as needed."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


async def contacts(graph: Graph) -> dict[str, dict[str, Any]]:
    rows = await graph.read(
        "MATCH (c:Contact) RETURN c.email AS email, c {.*, birthday: toString(c.birthday)} AS c"
    )
    return {r["email"]: r["c"] for r in rows}


async def load(graph: Graph | None, type_name: str, source: Any, **kw: Any) -> Any:
    return await import_rows(graph, type_name, source, console=QUIET, progress=False, **kw)


# --- reading files: encoding and delimiter ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1250", "iso8859_2", "utf-8", "utf-8-sig"])
def test_central_european_code_pages_are_told_apart(encoding: str) -> None:
    header = ["firstName", "lastName", "email", "city"]
    body = [[p[0], p[1], p[2], p[5]] for p in PEOPLE if p[0] != "Jürgen" or encoding != "x"]
    data = excel_csv([header, *body], encoding=encoding)
    found = guess_encoding(data, complete=True)
    assert data.decode(found) == data.decode(encoding)


def test_western_code_page_with_german_names_decodes_right() -> None:
    data = excel_csv([["name", "city"], ["Jürgen Weiß", "Köln"], ["Björn Maß", "Düsseldorf"]])
    cp1252 = data.decode("utf-8-sig").encode("cp1252")
    assert cp1252.decode(guess_encoding(cp1252, complete=True)) == data.decode("utf-8-sig")


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_delimiter_is_detected(sep: str) -> None:
    text = excel_csv([["externalId", "name", "price"], ["A-1", "Nováková; a, b", "1,50"]], sep=sep)
    assert guess_delimiter(text.decode("utf-8-sig")) == sep


async def test_excel_semicolon_csv_with_bom_imports_every_row(graph: Graph, tmp_path: Path) -> None:
    header = ["firstName", "lastName", "email", "phone", "country", "city", "birthday"]
    rows = [[*p[:4], p[4], p[5], "24.12.1980"] for p in PEOPLE]
    path = tmp_path / "kontakty.csv"
    path.write_bytes(excel_csv([header, *rows]))
    result = await load(graph, "contacts", read_file(path))
    assert (result.created, result.failed) == (5, 0), result.errors
    assert result.detected["encoding"] == "UTF-8 with BOM"
    assert result.detected["delimiter"] == "semicolon"
    stored = await contacts(graph)
    assert [stored[p[2]]["lastName"] for p in PEOPLE] == [p[1] for p in PEOPLE]
    assert [stored[p[2]]["phone"] for p in PEOPLE] == E164
    assert [stored[p[2]]["country"] for p in PEOPLE] == ["SK", "CZ", "PL", "HU", "DE"]
    assert {stored[p[2]]["birthday"] for p in PEOPLE} == {"1980-12-24"}


async def test_excel_sep_line_names_the_delimiter(graph: Graph, tmp_path: Path) -> None:
    path = tmp_path / "sep.csv"
    path.write_bytes(
        b"sep=|\r\n"
        + excel_csv(
            [["externalId", "kind", "name"], ["S-1", "INDIVIDUAL", "Ödön"]], "utf-8", sep="|"
        )
    )
    result = await load(graph, "customers", read_file(path))
    assert (result.created, result.failed, result.detected["delimiter"]) == (1, 0, "pipe")


async def test_cp1250_file_from_the_cli(graph: Graph, cli_env: Path) -> None:
    path = cli_env / "export-cp1250.csv"
    header = ["firstName", "lastName", "email", "phone", "country"]
    path.write_bytes(excel_csv([header, *[list(p[:5]) for p in PEOPLE]], encoding="cp1250"))
    report = cli_env / "report.json"
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--type", "contacts", "--report", str(report), "--no-progress"
    )
    assert result.exit_code == 0, result.output
    assert "Windows-1250 (detected)" in result.output
    data = orjson.loads(report.read_bytes())
    assert data["detected"]["encoding"] == "Windows-1250"
    assert (data["created"], data["failed"]) == (5, 0)
    assert sorted(c["lastName"] for c in (await contacts(graph)).values()) == sorted(
        p[1] for p in PEOPLE
    )


# --- the CLI never shows a traceback --------------------------------------------------------------


async def test_undecodable_file_fails_up_front_and_writes_nothing(
    graph: Graph, cli_env: Path
) -> None:
    path = cli_env / "bad.csv"
    good = "".join(f"X-{i},INDIVIDUAL,Name {i}\n" for i in range(50))
    path.write_bytes(b"externalId,kind,name\n" + good.encode() + b"X-99,INDIVIDUAL,Bad \xff\xfe\n")
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--type", "customers", "--encoding", "utf-8"
    )
    assert result.exit_code == 1
    assert "is not valid UTF-8" in result.output and "--encoding" in result.output
    assert "Traceback" not in result.output
    assert await graph.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 0}]


async def test_missing_file_unknown_locale_and_unwritable_out_are_one_line_errors(
    graph: Graph, cli_env: Path
) -> None:
    missing = await asyncio.to_thread(
        invoke, "import", str(cli_env / "nope.csv"), "--type", "customers"
    )
    assert missing.exit_code == 1 and "does not exist" in missing.output
    path = cli_env / "ok.csv"
    path.write_text("externalId,kind,name\nA,INDIVIDUAL,A\n")
    locale = await asyncio.to_thread(
        invoke, "import", str(path), "--locale", "xx-YY", "--type", "customers"
    )
    assert locale.exit_code == 1 and "Unknown locale" in locale.output
    out = cli_env / "no-such-dir" / "out.csv"
    export = await asyncio.to_thread(
        invoke, "export", "--type", "customers", "--out", str(out), "--no-progress"
    )
    assert export.exit_code == 1 and "cannot write" in export.output
    for result in (missing, locale, export):
        assert "Traceback" not in result.output


def test_help_and_version_load_no_driver_schema_or_settings() -> None:
    code = (
        "import sys, rapport.cli; "
        "print(sorted(m for m in ('neo4j', 'strawberry', 'core.settings', 'pydantic', "
        "'openpyxl', 'phonenumbers') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
    version = invoke("--version")
    assert version.exit_code == 0 and version.output.startswith("rapport ")


async def test_serve_on_a_taken_port_never_says_it_is_up(graph: Graph, cli_env: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await asyncio.to_thread(
            invoke, "serve", "--no-start-db", "--host", "127.0.0.1", "--port", str(port)
        )
    assert result.exit_code == 1
    assert "cannot listen on" in result.output
    assert "Rapport is up" not in result.output


# --- locale-aware values ------------------------------------------------------------------------


def _read(locale: str | None, row: dict[str, str], **kw: Any) -> tuple[dict[str, Any], list[str]]:
    v = Validator(())
    out = ValueReader(locale, **kw).read(v, row)
    return out, [e.code for e in v.errors]


def test_dates_numbers_and_countries_as_people_write_them() -> None:
    row = {
        "birthday": "24.12.1980",
        "startedOn": "1980. 12. 24.",
        "endedOn": "24/12/1980",
        "price": "1 234,50",
        "unitPrice": "0,0125",
        "annualRevenue": "1\u202f234\u00a0567,5",
        "employeeCount": "1 200",
        "country": "Slovakia",
    }
    out, errors = _read(None, row)
    assert errors == []
    assert out == {
        "birthday": "1980-12-24",
        "startedOn": "1980-12-24",
        "endedOn": "1980-12-24",
        "price": "1234.50",
        "unitPrice": "0.0125",
        "annualRevenue": "1234567.5",
        "employeeCount": "1200",
        "country": "SK",
    }


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Slovensko", "SK"),
        ("Słowacja", "SK"),
        ("Szlovákia", "SK"),
        ("Slowakei", "SK"),
        ("Czechia", "CZ"),
        ("Česko", "CZ"),
        ("Niemcy", "DE"),
        ("Österreich", "AT"),
        ("SVK", "SK"),
        ("sk", "sk"),
        ("Atlantis", "Atlantis"),
    ],
)
def test_country_names_in_english_and_local_languages(name: str, code: str) -> None:
    assert _read(None, {"country": name})[0]["country"] == code


def test_ambiguous_values_are_errors_with_a_hint_never_guesses() -> None:
    out, errors = _read(None, {"birthday": "03/04/2025", "price": "1,234"})
    assert errors == ["AMBIGUOUS_DATE", "AMBIGUOUS_NUMBER"] or sorted(errors) == [
        "AMBIGUOUS_DATE",
        "AMBIGUOUS_NUMBER",
    ]
    assert out["birthday"] == "03/04/2025"
    assert _read("en-US", {"birthday": "03/04/2025", "price": "1,234"})[0] == {
        "birthday": "2025-03-04",
        "price": "1234",
    }
    assert _read("en-GB", {"birthday": "03/04/2025"})[0] == {"birthday": "2025-04-03"}
    assert _read("de-DE", {"price": "1.234", "unitPrice": "1,234"})[0] == {
        "price": "1234",
        "unitPrice": "1.234",
    }
    # the API's own form stays what it is, whatever the locale
    assert _read("de-DE", {"price": "12.5000", "birthday": "1980-12-24"})[0] == {
        "price": "12.5000",
        "birthday": "1980-12-24",
    }


def test_excel_serial_dates_only_in_xlsx() -> None:
    assert _read(None, {"birthday": "29579"}, excel_serials=True)[0] == {"birthday": "1980-12-24"}
    assert _read(None, {"birthday": "29579"})[0] == {"birthday": "29579"}


async def test_ambiguous_date_row_is_refused_and_the_locale_reads_it(graph: Graph) -> None:
    text = "firstName;lastName;email;birthday\nJana;Nováková;jana@example.sk;03/04/1990\n"
    refused = await load(graph, "contacts", read_text(text, "csv"))
    assert [(e.row, e.field, e.code) for e in refused.errors] == [(2, "birthday", "AMBIGUOUS_DATE")]
    assert "--locale" in refused.errors[0].message
    accepted = await load(graph, "contacts", read_text(text, "csv"), locale="sk-SK")
    assert (accepted.created, accepted.failed) == (1, 0)
    assert (await contacts(graph))["jana@example.sk"]["birthday"] == "1990-04-03"


# --- presets ------------------------------------------------------------------------------------

HUBSPOT_CONTACTS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Street Address",
    "City",
    "Postal Code",
    "Country/Region",
    "Date of birth",
    "Job Title",
    "Company Name",
    "Contact owner",
    "Lifecycle Stage",
    "Create Date",
]


async def test_hubspot_contacts_export_is_recognised_and_nothing_is_lost_silently(
    graph: Graph, cli_env: Path
) -> None:
    path = cli_env / "hubspot-contacts.csv"
    rows = [
        [
            str(1000 + i),
            p[0],
            p[1],
            p[2],
            p[3],
            "Hlavná 1",
            p[5],
            "010 01",
            country,
            "1980-12-24",
            "CFO",
            "Acme",
            "owner@acme.sk",
            "customer",
            "2024-01-02 10:00",
        ]
        for i, (p, country) in enumerate(
            zip(PEOPLE, ["Slovakia", "Czechia", "Poland", "Hungary", "Germany"], strict=True)
        )
    ]
    path.write_bytes(excel_csv([HUBSPOT_CONTACTS, *rows], encoding="utf-8", sep=","))
    acme = await load(graph, "companies", read_text("name,domain\nAcme,acme.sk\n", "csv"))
    assert acme.created == 1
    report = cli_env / "r.json"
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--report", str(report), "--no-progress"
    )
    assert result.exit_code == 0, result.output
    assert "preset hubspot-contacts (detected)" in result.output
    data = orjson.loads(report.read_bytes())
    assert data["type"] == "contacts" and data["detected"]["preset"] == "hubspot-contacts"
    # Job Title and Company Name are the contact's job (WORKS_AT); Record ID its externalId
    assert "accountManagerEmail" in data["suggestions"]["Contact owner"]
    assert set(data["ignoredColumns"]) == {"Contact owner", "Lifecycle Stage", "Create Date"}
    jobs = await graph.read(
        "MATCH (p:Contact)-[w:WORKS_AT]->(co:Company) "
        "RETURN p.externalId AS id, w.jobTitle AS title, co.domain AS company ORDER BY id"
    )
    assert jobs == [{"id": str(1000 + i), "title": "CFO", "company": "acme.sk"} for i in range(5)]
    stored = await contacts(graph)
    first = stored["lubo@example.sk"]
    assert (first["phone"], first["addressLine1"], first["postalCode"], first["birthday"]) == (
        "+421905123456",
        "Hlavná 1",
        "010 01",
        "1980-12-24",
    )
    assert [stored[p[2]]["country"] for p in PEOPLE] == ["SK", "CZ", "PL", "HU", "DE"]


async def test_salesforce_accounts_become_companies(graph: Graph, tmp_path: Path) -> None:
    header = [
        "Id",
        "Name",
        "Website",
        "Industry",
        "NumberOfEmployees",
        "AnnualRevenue",
        "CurrencyIsoCode",
        "BillingStreet",
        "BillingCity",
        "BillingPostalCode",
        "BillingCountry",
        "OwnerId",
    ]
    path = tmp_path / "Account.csv"
    path.write_bytes(
        excel_csv(
            [
                header,
                [
                    "001A",
                    "Žltý kôň s.r.o.",
                    "https://www.zk.sk/",
                    "Retail",
                    "120",
                    "1250000.50",
                    "EUR",
                    "Mlynská 5",
                    "Košice",
                    "040 01",
                    "Slovakia",
                    "005X",
                ],
            ],
            encoding="utf-8",
            sep=",",
        )
    )
    source = read_file(path)
    plan = plan_columns(None, source.header(), {})
    assert (plan.type_name, plan.preset and plan.preset.name) == (
        "companies",
        "salesforce-accounts",
    )
    result = await load(graph, plan.type_name, source, renames=plan.renames)
    assert (result.created, result.failed) == (1, 0), result.errors
    rows = await graph.read("MATCH (c:Company) RETURN c {.*} AS c")
    company = rows[0]["c"]
    assert (company["domain"], company["employeeCount"], company["country"], company["city"]) == (
        "zk.sk",
        120,
        "SK",
        "Košice",
    )


async def test_a_required_field_without_a_column_fails_before_any_row(
    graph: Graph, cli_env: Path
) -> None:
    path = cli_env / "customers.csv"
    path.write_text("Kundennummer;kind;Name\nK-1;INDIVIDUAL;Anna\n", encoding="utf-8")
    result = await asyncio.to_thread(invoke, "import", str(path), "--type", "customers")
    assert result.exit_code == 1
    assert "externalId" in result.output and "nothing was imported" in result.output
    assert await graph.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 0}]
    with pytest.raises(MissingColumns):
        plan_columns("contacts", ["Vorname", "Nachname", "Kontakt"], {})


# --- XLSX with typed cells ----------------------------------------------------------------------


async def test_xlsx_typed_cells_import(graph: Graph, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["sku", "name", "price", "currency", "active"])
    sheet.append(["SKU-1", "Kávovar Čierny", 1234.5, "EUR", True])
    sheet.append(["SKU-2", "Šálka", 0.0125, "EUR", False])
    sheet.append(["SKU-3", "Hrnček", "1 234,50", "EUR", "yes"])
    path = tmp_path / "products.xlsx"
    book.save(path)
    result = await load(graph, "products", read_file(path))
    assert (result.created, result.failed) == (3, 0), result.errors
    book = Workbook()
    sheet = book.active
    sheet.append(["firstName", "lastName", "email", "birthday"])
    sheet.append(["Ödön", "Szőke", "odon@example.hu", dt.datetime(1980, 12, 24)])
    sheet.append(["Zoë", "Weiß", "zoe@example.de", 29579])  # a date cell that lost its format
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    result = await load(graph, "contacts", read_file(path))
    assert (result.created, result.failed) == (2, 0), result.errors
    assert {c["birthday"] for c in (await contacts(graph)).values()} == {"1980-12-24"}


def test_a_file_that_is_not_xlsx_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("externalId,name\n")
    with pytest.raises(ReadError, match="not an XLSX workbook"):
        read_file(path)


# --- exports for spreadsheets, and the demo data round trip -------------------------------------


async def _export(graph: Graph, type_name: str, path: Path, **kw: Any) -> Path:
    fmt = path.suffix.lstrip(".")
    writer = Writer(fmt, columns_of(type_name), path, kinds=column_kinds(type_name), **kw)
    async for row in export_rows(graph, type_name):
        writer.write(row)
    writer.close()
    return path


async def test_demo_data_round_trips_with_no_failures_and_no_changes(
    graph: Graph, tmp_path: Path
) -> None:
    await seed_graph(graph, 120, 7, progress=False)
    from resolvers.io.values import conventions

    for type_name in ("customers", "companies", "contacts", "products"):
        for name, kw in (
            ("csv", {}),
            ("xlsx", {}),
            ("excel.csv", {"excel": True, "locale": conventions("sk-SK")}),
        ):
            path = await _export(graph, type_name, tmp_path / f"{type_name}.{name}", **kw)
            locale = "sk-SK" if name == "excel.csv" else None
            result = await load(graph, type_name, read_file(path), locale=locale)
            assert (result.failed, result.updated, result.created) == (0, 0, 0), (
                type_name,
                name,
                result.errors[:5],
            )
            assert result.unchanged == result.rows > 0


async def test_xlsx_export_has_typed_cells_frozen_header_filter_and_global_ids(
    graph: Graph, tmp_path: Path
) -> None:
    await seed_graph(graph, 20, 3, progress=False)
    path = await _export(graph, "products", tmp_path / "products.xlsx")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert isinstance(first["price"].value, float) and first["price"].number_format != "General"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert sheet.column_dimensions["A"].width >= 40
    assert global_id.decode(first["id"].value)[0] == "Product"
    path = await _export(graph, "contacts", tmp_path / "contacts.xlsx")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    birthdays = [r[header.index("birthday")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(b, dt.datetime) for b in birthdays)


async def test_excel_csv_has_bom_semicolons_and_decimal_commas(
    graph: Graph, tmp_path: Path
) -> None:
    await seed_graph(graph, 20, 3, progress=False)
    path = await _export(graph, "products", tmp_path / "p.csv", excel=True)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert all("," in r["price"] and "." not in r["price"] for r in rows)


async def test_import_records_detects_the_delimiter_and_reports_it(client: Any) -> None:
    from tests._gql import gql

    query = (
        "mutation M($input: ImportRecordsInput!) { importRecords(input: $input) "
        "{ created failed linked detected { delimiter delimiterDetected preset unmappedColumns } "
        "errors { row field code } } }"
    )
    data = "\ufeffexternalId;kind;name;country\nG-1;INDIVIDUAL;Ľudmila;Slovensko\n"
    got = (await gql(client, query, {"input": {"type": "CUSTOMERS", "data": data}}))[
        "importRecords"
    ]
    assert (got["created"], got["failed"], got["linked"]) == (1, 0, 0), got
    assert got["detected"] == {
        "delimiter": "semicolon",
        "delimiterDetected": True,
        "preset": None,
        "unmappedColumns": [],
    }
    missing = "Kundennummer;kind;name\nK;INDIVIDUAL;N\n"
    refused = (await gql(client, query, {"input": {"type": "CUSTOMERS", "data": missing}}))[
        "importRecords"
    ]
    assert [(e["row"], e["field"], e["code"]) for e in refused["errors"]] == [
        (0, "data", "REQUIRED")
    ]
    ambiguous = "externalId,kind,name,leadScore\nA,INDIVIDUAL,N,1\n"
    locale = {"type": "CUSTOMERS", "data": ambiguous, "locale": "en-US", "delimiter": "comma"}
    assert (await gql(client, query, {"input": locale}))["importRecords"]["created"] == 1


async def test_seed_wipe_force_after_a_key_for_a_seeded_user(graph: Graph, cli_env: Path) -> None:
    await wipe(graph)
    seeded = await asyncio.to_thread(
        invoke, "seed", "--customers", "30", "--seed", "2", "--wipe", "--force"
    )
    assert seeded.exit_code == 0, seeded.output
    rows = await graph.read(
        "MATCH (u:User) WHERE u.email ENDS WITH '@rapport.example' RETURN u.email AS e LIMIT 1"
    )
    email = rows[0]["e"]
    token = await asyncio.to_thread(invoke, "token", "create", "--email", email, "--name", "ci")
    assert token.exit_code == 0, token.output
    refused = await asyncio.to_thread(invoke, "seed", "--customers", "30", "--seed", "2", "--wipe")
    assert refused.exit_code == 1 and "--force" in refused.output
    assert (await graph.read("MATCH (c:Customer) RETURN count(c) AS n"))[0]["n"] == 30
    again = await asyncio.to_thread(
        invoke, "seed", "--customers", "30", "--seed", "2", "--wipe", "--force"
    )
    assert again.exit_code == 0, again.output
    assert (await graph.read("MATCH (c:Customer) RETURN count(c) AS n"))[0]["n"] == 30
    kept = await graph.read(
        "MATCH (u:User {email: $e})-[:HAS_KEY]->(k) RETURN count(k) AS n", {"e": email}
    )
    assert kept == [{"n": 1}]


# --- the graph comes along: company, account manager, tags ----------------------------------


async def test_customers_carry_company_account_manager_and_tags(graph: Graph) -> None:
    companies = (
        "name;registrationNumber;domain;country\n"
        "Žltý kôň s.r.o.;36123456;zk.sk;Slovensko\n"
        "Müller GmbH;HRB 1234;mueller.de;Deutschland\n"
    )
    assert (await load(graph, "companies", read_text(companies, "csv"))).created == 2
    await graph.write(
        "CREATE (:User {id: randomUUID(), email: 'eva@rapport.example', name: 'Eva', "
        "role: 'SALES'})"
    )
    customers = (
        "externalId;kind;name;companyRegistrationNumber;companyDomain;accountManagerEmail;tags\n"
        "A-1;BUSINESS;Žltý kôň;36123456;;eva@rapport.example;VIP|Retail\n"
        "A-2;BUSINESS;Müller;;mueller.de;;vip\n"
        "A-3;BUSINESS;Nobody;;nobody.example;;\n"
        "A-4;INDIVIDUAL;Jana;;zk.sk;;\n"
        "A-5;BUSINESS;Again Žltý;36123456;;;\n"
        "A-6;BUSINESS;No Manager;;;ghost@rapport.example;\n"
    )
    result = await load(graph, "customers", read_text(customers, "csv"))
    assert sorted((e.row, e.field, e.code) for e in result.errors) == [
        (4, "companyDomain", "NOT_FOUND"),
        (5, "companyDomain", "INVALID_FOR_KIND"),
        (6, "companyRegistrationNumber", "COMPANY_ALREADY_A_CUSTOMER"),
        (7, "accountManagerEmail", "NOT_FOUND"),
    ]
    assert (result.created, result.linked) == (2, 2)
    rows = await graph.read(
        "MATCH (c:Customer) WITH c ORDER BY c.externalId RETURN c.externalId AS key, "
        "[(c)-[:ACCOUNT_OF]->(co) | co.domain] AS company, "
        "[(c)<-[:MANAGES]-(u) | u.email] AS manager, "
        "[(c)-[:TAGGED]->(g) | g.name] AS tags"
    )
    got = {r["key"]: (r["company"], r["manager"], sorted(r["tags"])) for r in rows}
    assert got == {
        "A-1": (["zk.sk"], ["eva@rapport.example"], ["retail", "vip"]),
        "A-2": (["mueller.de"], [], ["vip"]),
    }
    assert (await graph.read("MATCH (g:Tag) RETURN count(g) AS n")) == [{"n": 2}]
    again = await load(graph, "customers", read_text(customers, "csv"))
    assert (again.created, again.updated, again.linked, again.unchanged) == (0, 0, 0, 2)


def test_stdin_is_decoded_and_split_like_a_file(cli_env: Path) -> None:
    data = excel_csv(
        [["externalId", "kind", "name"], ["S-1", "INDIVIDUAL", "Šťastný"]], encoding="cp1250"
    )
    report = cli_env / "stdin.json"
    result = runner.invoke(
        app,
        [
            "import",
            "-",
            "--type",
            "customers",
            "--dry-run",
            "--no-progress",
            "--report",
            str(report),
        ],
        input=data,
    )
    assert result.exit_code == 0, result.output
    found = orjson.loads(report.read_bytes())
    assert (found["valid"], found["detected"]["encoding"], found["detected"]["delimiter"]) == (
        1,
        "Windows-1250",
        "semicolon",
    )


async def test_a_merged_away_customer_stays_merged_on_reimport(client: Any, graph: Graph) -> None:
    from tests._gql import mutate, ok

    text = (
        "externalId,kind,name,email\n"
        "ERP-1,INDIVIDUAL,Jana Nováková,jana@example.sk\n"
        "CRM-9,INDIVIDUAL,Jana Novakova,jana@example.sk\n"
    )
    assert (await load(graph, "customers", read_text(text, "csv"))).created == 2
    ids = {
        r["key"]: global_id.encode("Customer", r["id"])
        for r in await graph.read("MATCH (c:Customer) RETURN c.externalId AS key, c.id AS id")
    }
    ok(await mutate(client, "mergeCustomers", {"keepId": ids["ERP-1"], "mergeId": ids["CRM-9"]}))
    again = await load(graph, "customers", read_text(text, "csv"))
    assert (again.created, again.failed) == (0, 0), again.errors
    rows = await graph.read(
        "MATCH (c:Customer) RETURN c.externalId AS key, c.externalIdAliases AS aliases"
    )
    assert rows == [{"key": "ERP-1", "aliases": ["CRM-9"]}]


async def test_a_merged_away_contact_email_updates_the_kept_contact_on_reimport(
    client: Any, graph: Graph
) -> None:
    from tests._gql import mutate, ok

    text = (
        "firstName,lastName,email,phone\n"
        "Jana,Nováková,jana@example.sk,0905 123 456\n"
        "Jana,Novakova,jana.old@example.sk,\n"
    )
    assert (await load(graph, "contacts", read_text(text, "csv"))).created == 2
    ids = {
        r["email"]: global_id.encode("Contact", r["id"])
        for r in await graph.read("MATCH (c:Contact) RETURN c.email AS email, c.id AS id")
    }
    keep, dup = ids["jana@example.sk"], ids["jana.old@example.sk"]
    ok(await mutate(client, "mergeContacts", {"keepId": keep, "mergeId": dup}))
    # the old file again, the merged-away row with a new phone number
    again = text.replace(
        "Novakova,jana.old@example.sk,", "Novakova,jana.old@example.sk,0905 999 888"
    )
    result = await load(graph, "contacts", read_text(again, "csv"))
    assert (result.created, result.updated, result.failed) == (0, 1, 0), result.errors
    rows = await graph.read(
        "MATCH (c:Contact) RETURN c.email AS email, c.emailAliases AS aliases, c.phone AS phone, "
        "c.lastName AS lastName"
    )
    # the file's later row wins (as two upserts in file order would), on the kept contact
    assert rows == [
        {
            "email": "jana@example.sk",
            "aliases": ["jana.old@example.sk"],
            "phone": "+421905999888",
            "lastName": "Novakova",
        }
    ]


async def test_an_alias_is_found_by_its_exact_value_only(client: Any, graph: Graph) -> None:
    """The alias look-up is a full-text query: characters of Lucene's query syntax in a key
    are the key's own, case counts, and a prefix or a longer key is another key."""
    from tests._gql import mutate, ok

    def jsonl(*rows: tuple[str, str]) -> Any:
        text = "\n".join(
            orjson.dumps({"externalId": k, "kind": "INDIVIDUAL", "name": n}).decode()
            for k, n in rows
        )
        return read_text(text, "jsonl")

    odd = 'CRM-9 "x" \\ *:(OR)'
    assert (await load(graph, "customers", jsonl(("ERP-1", "Jana"), (odd, "Jana N")))).created == 2
    ids = {
        r["key"]: global_id.encode("Customer", r["id"])
        for r in await graph.read("MATCH (c:Customer) RETURN c.externalId AS key, c.id AS id")
    }
    ok(await mutate(client, "mergeCustomers", {"keepId": ids["ERP-1"], "mergeId": ids[odd]}))
    near = ["CRM-9", odd.lower(), "CRM*", "CRM-9*", odd + "x", "ERP-1 OR " + odd]
    result = await load(graph, "customers", jsonl(*((k, "Other") for k in near)))
    assert (result.created, result.updated, result.failed) == (len(near), 0, 0), result.errors
    result = await load(graph, "customers", jsonl((odd, "Jana K")))
    assert (result.created, result.updated, result.failed) == (0, 1, 0), result.errors
    kept = await graph.read(
        "MATCH (c:Customer {externalId: 'ERP-1'}) RETURN c.name AS name, c.externalIdAliases AS a"
    )
    assert kept == [{"name": "Jana K", "a": [odd]}]


async def test_the_alias_lists_have_keyword_full_text_indexes(graph: Graph) -> None:
    rows = await graph.read(
        "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, state, options "
        "WHERE name IN ['customer_externalid_aliases', 'contact_email_aliases'] "
        "RETURN name, labelsOrTypes AS labels, properties, state, "
        "options.indexConfig.`fulltext.analyzer` AS analyzer ORDER BY name"
    )
    assert rows == [
        {
            "name": "contact_email_aliases",
            "labels": ["Contact"],
            "properties": ["emailAliases"],
            "state": "ONLINE",
            "analyzer": "keyword",
        },
        {
            "name": "customer_externalid_aliases",
            "labels": ["Customer"],
            "properties": ["externalIdAliases"],
            "state": "ONLINE",
            "analyzer": "keyword",
        },
    ]


async def test_the_report_is_private_and_does_not_repeat_refused_personal_values(
    graph: Graph, cli_env: Path
) -> None:
    path = cli_env / "contacts.csv"
    path.write_text(
        "firstName,lastName,email,phone\nJana,Nová,jana.nova@,0905 123 456\n"
        "Eva,Malá,eva@example.sk,12\n",
        encoding="utf-8",
    )
    report = cli_env / "report.json"
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--type", "contacts", "--report", str(report), "--no-progress"
    )
    assert result.exit_code == 2, result.output  # some rows were refused
    assert report.stat().st_mode & 0o777 == 0o600
    text = report.read_text(encoding="utf-8")
    data = orjson.loads(text)
    assert {(e["row"], e["field"]) for e in data["errors"]} == {(2, "email"), (3, "phone")}
    assert "jana.nova@" not in text and "'12'" not in text
    assert all("[redacted]" in e["message"] for e in data["errors"])


async def test_the_console_shows_the_first_refused_rows_and_the_report_has_them_all(
    graph: Graph,
) -> None:
    bad = SHOWN_ERRORS + 5
    text = "firstName;lastName;email\n" + "".join(f"Jana;Nová {i};jana{i}@\n" for i in range(bad))
    out = io.StringIO()
    console = Console(file=out, stderr=False, width=200)
    result = await import_rows(
        graph, "contacts", read_text(text, "csv"), console=console, progress=False
    )
    lines = out.getvalue().splitlines()
    assert result.failed == bad and len(result.errors) == bad
    shown = [line for line in lines if line.startswith("row ")]
    assert shown == [error_line(e) for e in result.errors[:SHOWN_ERRORS]]
    assert sum("the report lists every one" in line for line in lines) == 1


async def _operators(graph: Graph, statement: str, params: dict[str, Any]) -> list[str]:
    """Every operator of the plan of `statement`, as "Operator details"."""
    async with graph.driver.session(database=graph.database) as session:
        summary = await (await session.run("EXPLAIN " + statement, params)).consume()
    found: list[str] = []

    def walk(plan: dict[str, Any]) -> None:
        found.append(f"{plan['operatorType']} {plan.get('args', {}).get('Details', '')}")
        for child in plan.get("children", []):
            walk(child)

    assert summary.plan is not None
    walk(summary.plan)
    return found


async def test_companies_are_found_by_registration_number_with_an_index_seek(
    graph: Graph,
) -> None:
    """A company import's upsert and a customer's or contact's company reference look a
    registration number up in its index (migration 16), never by reading every company."""
    from graphdb.io import links as link_cypher
    from graphdb.io import nodes as node_cypher

    for statement in (
        node_cypher.upsert_statement("Company", "registrationNumber"),
        link_cypher.FIND_COMPANIES,
    ):
        ops = await _operators(graph, statement, {"rows": [], "defaults": {}, "now": "x"})
        by_number = [op for op in ops if "registrationNumber" in op and "Company" in op]
        assert any(op.startswith("NodeIndexSeek") for op in by_number), ops
        assert not any(op.startswith(("NodeByLabelScan", "AllNodesScan")) for op in ops), ops
