"""GET /export/segments/{id}: a saved segment's members as CSV or XLSX, over HTTP.

The explorer's Export buttons use it; what it writes is `rapport export --type customers
--segment` (same columns, members and masking), so these tests check the HTTP side: the file
matches `Segment.customers`, personal values are masked for the caller's role, and every bad
request is a clear JSON refusal, never a 500 or half a file.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl

from core import global_id
from resolvers.io.export import columns_of
from tests._factories import new_customer
from tests._gql import mutate, ok
from tests.conftest import MakeToken


async def _segment(client: httpx.AsyncClient, name: str, flt: dict[str, Any]) -> str:
    created = ok(
        await mutate(client, "createSegment", {"name": name, "filter": flt}, "segment { id }")
    )
    return str(created["segment"]["id"])


async def _seed(client: httpx.AsyncClient) -> str:
    for i, city in enumerate(("Bratislava", "Bratislava", "Košice")):
        await new_customer(
            client,
            f"SEG-{i}",
            email=f"person{i}@firma.sk",
            address={"line1": f"Hlavná {i}", "city": city, "country": "SK"},
        )
    return await _segment(client, "Bratislava", {"city": {"eq": "Bratislava"}})


async def test_a_segment_exports_its_members_as_csv_and_xlsx(
    client: httpx.AsyncClient,
) -> None:
    segment = await _seed(client)
    response = await client.get(f"/export/segments/{segment}", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(columns_of("customers"))
    by_column = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert sorted(r["externalId"] for r in by_column) == ["SEG-0", "SEG-1"]
    assert {r["email"] for r in by_column} == {"person0@firma.sk", "person1@firma.sk"}

    response = await client.get(f"/export/segments/{segment}", params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(cells[0]) == list(columns_of("customers"))
    assert len(cells) == 3


async def test_an_analyst_gets_the_members_with_personal_values_blank(
    client: httpx.AsyncClient, make_token: MakeToken
) -> None:
    segment = await _seed(client)
    token = await make_token("ANALYST")
    response = await client.get(
        f"/export/segments/{segment}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    assert {r["email"] for r in rows} == {""} and {r["addressLine1"] for r in rows} == {""}
    assert "firma.sk" not in response.text


async def test_bad_export_requests_are_refused_clearly(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, make_token: MakeToken
) -> None:
    segment = await _seed(client)
    by_email = await _segment(client, "By e-mail", {"email": {"eq": "person0@firma.sk"}})
    analyst = {"Authorization": f"Bearer {await make_token('ANALYST')}"}
    missing = global_id.encode("Segment", "aaaaaaaa-0000-4000-8000-000000000000")
    customer = global_id.encode("Customer", "aaaaaaaa-0000-4000-8000-000000000000")
    cases: list[tuple[httpx.AsyncClient, str, dict[str, str], int, str]] = [
        (client, f"/export/segments/{segment}?format=pdf", {}, 400, "BAD_USER_INPUT"),
        (client, f"/export/segments/{customer}", {}, 400, "BAD_USER_INPUT"),
        (client, "/export/segments/not-an-id", {}, 400, "BAD_USER_INPUT"),
        (client, f"/export/segments/{missing}", {}, 404, "NOT_FOUND"),
        (client, f"/export/segments/{by_email}", analyst, 403, "FORBIDDEN"),
    ]
    for http, path, headers, status, code in cases:
        response = await http.get(path, headers=headers)
        assert response.status_code == status, (path, response.text)
        assert response.json()["code"] == code, (path, response.text)
        assert response.json()["error"]
    response = await anonymous_client.get(f"/export/segments/{segment}")
    assert response.status_code == 401
