"""Import jobs: a file too big for one importRecords request, uploaded in pieces over GraphQL,
imported in the background, followed with importJob(id) (resolvers/io/jobs.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from graphdb.driver import Graph
from tests._gql import ERRORS, gql, missing_id

JOB = (
    "id status type format dryRun chunks bytes lastRow rowReached rowsRead progress "
    "created updated unchanged failed valid message resumedAfterRow "
    "detected { delimiter delimiterDetected preset unmappedColumns } "
    "errors(first: 100) { totalCount pageInfo { hasNextPage endCursor } "
    "edges { cursor node { row field column code message } } }"
)
ENDED = {"SUCCEEDED", "FAILED", "CANCELLED", "INTERRUPTED"}


async def _job_mutation(
    client: httpx.AsyncClient, name: str, input_type: str, input: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(payload, statements run) of one job mutation."""
    query = (
        f"mutation M($input: {input_type}!) "
        f"{{ {name}(input: $input) {{ job {{ {JOB} }} {ERRORS} }} }}"
    )
    response = await client.post("/graphql", json={"query": query, "variables": {"input": input}})
    body = response.json()
    assert not body.get("errors"), body
    # a refusal before any Cypher (a role that may not import) has no `cypher` extension
    ran = body.get("extensions", {}).get("cypher", [])
    return body["data"][name], [s["statement"] for s in ran]


async def start(client: httpx.AsyncClient, **input: Any) -> dict[str, Any]:
    payload, _ = await _job_mutation(client, "startImport", "StartImportInput", input)
    return payload


async def append(
    client: httpx.AsyncClient, job_id: str, index: int, data: str, *, last: bool = False
) -> dict[str, Any]:
    payload, _ = await _job_mutation(
        client,
        "appendImportChunk",
        "AppendImportChunkInput",
        {"jobId": job_id, "index": index, "data": data, "last": last},
    )
    return payload


async def job(client: httpx.AsyncClient, job_id: str, selection: str = JOB) -> Any:
    query = f"query Q($id: ID!) {{ importJob(id: $id) {{ {selection} }} }}"
    return (await gql(client, query, {"id": job_id}))["importJob"]


async def until_ended(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    """The job once it has ended, read the way a client follows it: by asking again."""
    deadline = time.monotonic() + 120
    while True:
        current = await job(client, job_id)
        if current["status"] in ENDED:
            return current  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"the job is still {current['status']}"
        await asyncio.sleep(0.1)


def pieces(text: str, size: int) -> list[str]:
    """The text cut every `size` characters: pieces end mid-line, mid-cell, anywhere."""
    return [text[i : i + size] for i in range(0, len(text), size)]


async def upload(client: httpx.AsyncClient, text: str, size: int, **options: Any) -> str:
    started = await start(client, **options)
    assert started["errors"] == [], started["errors"]
    job_id = started["job"]["id"]
    parts = pieces(text, size)
    for i, part in enumerate(parts):
        sent = await append(client, job_id, i, part, last=i == len(parts) - 1)
        assert sent["errors"] == [], sent["errors"]
    return str(job_id)


def excel_customers(n: int, bad: set[int]) -> str:
    """An Excel-style export (UTF-8 with BOM, semicolons, Slovak/Czech/Polish names): row k+1
    holds customer k; the customers in `bad` have an e-mail that is not one."""
    lines = ["\ufeffexternalId;kind;name;email;country"]
    names = ["Ján Šťastný", "Zdeněk Říha", "Łucja Żółć", "Ödön Gábor", "Jürgen Weiß"]
    for k in range(n):
        email = "not-an-address" if k in bad else f"c{k}@example.sk"
        lines.append(f"JOB-{k};INDIVIDUAL;{names[k % 5]} {k};{email};SK")
    return "\r\n".join(lines) + "\r\n"


async def customer_count(client: httpx.AsyncClient, prefix: str = "JOB-") -> int:
    query = (
        "query Q($p: String!) { customers(filter: {externalId: {startsWith: $p}}) { totalCount } }"
    )
    return int((await gql(client, query, {"p": prefix}))["customers"]["totalCount"])


async def test_a_file_too_big_for_one_request_imports_as_a_job(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    text = excel_customers(2_500, bad={7, 1_999})
    job_id = await upload(client, text, 7_777, type="CUSTOMERS")
    done = await until_ended(client, job_id)
    assert done["status"] == "SUCCEEDED", done["message"]
    assert (done["created"], done["failed"], done["valid"]) == (2_498, 2, 2_498)
    assert done["lastRow"] == 2_501 and done["rowReached"] == 2_501 and done["progress"] == 1.0
    assert done["rowsRead"] == 2_500
    assert done["chunks"] == len(pieces(text, 7_777))
    assert done["bytes"] == len(text.encode())
    assert done["detected"]["delimiter"] == "semicolon" and done["detected"]["delimiterDetected"]
    refused = [
        (e["node"]["row"], e["node"]["field"], e["node"]["code"]) for e in done["errors"]["edges"]
    ]
    assert refused == [(9, "email", "INVALID_EMAIL"), (2_001, "email", "INVALID_EMAIL")]
    # a refused personal value is not kept in the database with the job
    assert all("not-an-address" not in e["node"]["message"] for e in done["errors"]["edges"])
    assert await customer_count(client) == 2_498
    names = await gql(
        client, '{ customers(filter: {externalId: {eq: "JOB-2"}}) { edges { node { name } } } }'
    )
    assert names["customers"]["edges"][0]["node"]["name"] == "Łucja Żółć 2"
    # the pieces are gone once the job has ended; the job stays readable
    left = await graph.read("MATCH (c:ImportChunk) RETURN count(c) AS n")
    assert left[0]["n"] == 0
    again = await upload(client, text, 50_000, type="CUSTOMERS")
    second = await until_ended(client, again)
    assert (second["created"], second["unchanged"], second["failed"]) == (0, 2_498, 2)


async def test_refused_rows_page_by_cursor(client: httpx.AsyncClient) -> None:
    bad = {3, 4, 5, 6, 7}
    job_id = await upload(client, excel_customers(20, bad), 100, type="CUSTOMERS")
    await until_ended(client, job_id)
    page = (
        "errors(first: 2AFTER) { totalCount "
        "pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { row } } }"
    )
    seen: list[int] = []
    after = ""
    while True:
        current = await job(client, job_id, page.replace("AFTER", after))
        errors = current["errors"]
        assert errors["totalCount"] == 5
        seen += [e["node"]["row"] for e in errors["edges"]]
        assert errors["pageInfo"]["hasPreviousPage"] == bool(after)
        if not errors["pageInfo"]["hasNextPage"]:
            break
        after = f', after: "{errors["pageInfo"]["endCursor"]}"'
    assert seen == [k + 2 for k in sorted(bad)]


async def test_a_dry_run_job_writes_nothing(client: httpx.AsyncClient) -> None:
    job_id = await upload(
        client, excel_customers(1_200, bad={0}), 20_000, type="CUSTOMERS", dryRun=True
    )
    done = await until_ended(client, job_id)
    assert (done["status"], done["dryRun"], done["valid"], done["created"], done["failed"]) == (
        "SUCCEEDED",
        True,
        1_199,
        0,
        1,
    )
    assert await customer_count(client) == 0


async def test_a_file_without_a_required_column_fails_before_any_row(
    client: httpx.AsyncClient,
) -> None:
    text = "Kunde;Typ\nA;INDIVIDUAL\n"
    job_id = await upload(client, text, 5, type="CUSTOMERS")
    done = await until_ended(client, job_id)
    assert done["status"] == "FAILED"
    assert "externalId" in done["message"] and done["created"] == 0
    assert await customer_count(client, "") == 0


async def test_pieces_are_numbered_and_a_retry_is_harmless(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    started = await start(client, type="CUSTOMERS")
    job_id = started["job"]["id"]
    assert started["job"]["status"] == "UPLOADING"
    head = "externalId,kind,name\n"
    assert (await append(client, job_id, 0, head))["job"]["chunks"] == 1
    retried = await append(client, job_id, 0, head)  # the response was lost; sent again
    assert retried["errors"] == [] and retried["job"]["chunks"] == 1
    conflict = await append(client, job_id, 0, "other,header\n")
    assert [(e["code"], e["field"]) for e in conflict["errors"]] == [
        ("CHUNK_CONFLICT", ["input", "index"])
    ]
    skipped = await append(client, job_id, 2, "R-1,INDIVIDUAL,Ann\n")
    assert [e["code"] for e in skipped["errors"]] == ["OUT_OF_ORDER"]
    assert "index 1" in skipped["errors"][0]["message"]
    last = await append(client, job_id, 1, "R-1,INDIVIDUAL,Ann\n", last=True)
    assert last["errors"] == [] and last["job"]["status"] in {"QUEUED", "RUNNING", "SUCCEEDED"}
    late = await append(client, job_id, 2, "R-2,INDIVIDUAL,Bob\n")
    assert [e["code"] for e in late["errors"]] == ["NOT_UPLOADING"]
    replayed_last = await append(client, job_id, 1, "R-1,INDIVIDUAL,Ann\n", last=True)
    assert replayed_last["errors"] == []
    done = await until_ended(client, job_id)
    assert (done["status"], done["created"]) == ("SUCCEEDED", 1)


async def test_bad_pieces_are_refused_with_a_field_and_a_code(client: httpx.AsyncClient) -> None:
    job_id = (await start(client, type="CUSTOMERS"))["job"]["id"]
    cases = [
        ({"jobId": "not-an-id", "index": 0, "data": "x"}, "INVALID_ID", "jobId"),
        ({"jobId": missing_id("Customer"), "index": 0, "data": "x"}, "WRONG_TYPE", "jobId"),
        ({"jobId": missing_id("ImportJob"), "index": 0, "data": "x"}, "NOT_FOUND", "jobId"),
        ({"jobId": job_id, "index": -1, "data": "x"}, "OUT_OF_RANGE", "index"),
        ({"jobId": job_id, "index": 0, "data": ""}, "REQUIRED", "data"),
        ({"jobId": job_id, "index": 0, "data": "é" * 300_000}, "TOO_LONG", "data"),
    ]
    for input, code, field in cases:
        payload, statements = await _job_mutation(
            client, "appendImportChunk", "AppendImportChunkInput", input
        )
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, ["input", field])]
        assert len(statements) <= 1
    untouched = await job(client, job_id)
    assert (untouched["chunks"], untouched["bytes"]) == (0, 0)


async def test_bad_options_are_refused_when_the_job_starts(client: httpx.AsyncClient) -> None:
    cases = [
        ({"locale": "xx-XX"}, "locale"),
        ({"delimiter": "::"}, "delimiter"),
        ({"map": ["externalId"]}, "map"),
        ({"preset": "no-such-tool"}, "preset"),
        ({"preset": "hubspot-companies"}, "preset"),  # a preset of another type
    ]
    for options, field in cases:
        payload = await start(client, type="CUSTOMERS", **options)
        assert payload["job"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("INVALID_VALUE", ["input", field])
        ], options


async def test_only_staff_start_jobs_and_each_sees_only_their_own(
    client: httpx.AsyncClient, live_server_url: str, make_token: Any
) -> None:
    headers = {"X-Rapport-Debug": "1"}
    for role in ("SALES", "ANALYST"):
        token = await make_token(role)
        async with httpx.AsyncClient(
            base_url=live_server_url, headers={**headers, "Authorization": f"Bearer {token}"}
        ) as other:
            refused = await start(other, type="CUSTOMERS")
            assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"], role
    manager = await make_token("MANAGER")
    async with httpx.AsyncClient(
        base_url=live_server_url, headers={**headers, "Authorization": f"Bearer {manager}"}
    ) as mine:
        job_id = (await start(mine, type="CUSTOMERS"))["job"]["id"]
        admins = (await start(client, type="CUSTOMERS"))["job"]["id"]
        assert await job(mine, admins, "id") is None  # another's job is not found
        stolen = await append(mine, admins, 0, "externalId,kind,name\n")
        assert [e["code"] for e in stolen["errors"]] == ["NOT_FOUND"]
        assert (await job(client, job_id, "id status"))["status"] == "UPLOADING"  # an ADMIN sees
        for n in range(4):  # five open jobs at most
            assert (await start(mine, type="CUSTOMERS"))["errors"] == [], n
        sixth = await start(mine, type="CUSTOMERS")
        assert [e["code"] for e in sixth["errors"]] == ["TOO_MANY_JOBS"]


async def test_cancelling_an_upload_drops_its_pieces(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    job_id = (await start(client, type="CUSTOMERS"))["job"]["id"]
    await append(client, job_id, 0, "externalId,kind,name\nC-1,INDIVIDUAL,Ann\n")
    cancelled, _ = await _job_mutation(
        client, "cancelImport", "CancelImportInput", {"jobId": job_id}
    )
    assert cancelled["errors"] == [] and cancelled["job"]["status"] == "CANCELLED"
    assert (await graph.read("MATCH (c:ImportChunk) RETURN count(c) AS n"))[0]["n"] == 0
    again, _ = await _job_mutation(client, "cancelImport", "CancelImportInput", {"jobId": job_id})
    assert [e["code"] for e in again["errors"]] == ["ALREADY_ENDED"]
    late = await append(client, job_id, 1, "C-2,INDIVIDUAL,Bob\n", last=True)
    assert [e["code"] for e in late["errors"]] == ["NOT_UPLOADING"]
    resumed, _ = await _job_mutation(client, "resumeImport", "ResumeImportInput", {"jobId": job_id})
    assert [e["code"] for e in resumed["errors"]] == ["NOT_INTERRUPTED"]
    assert await customer_count(client, "C-") == 0


async def test_a_job_whose_server_died_reads_interrupted_and_resumes_after_its_last_batch(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    """A crash leaves the job RUNNING with a heartbeat that stops; a resume skips every row
    the dead run had committed (here rows 2-11, written with other names meanwhile) and
    imports the rest."""
    text = excel_customers(30, bad=set())
    job_id = (await start(client, type="CUSTOMERS"))["job"]["id"]
    for i, part in enumerate(pieces(text, 333)):
        assert (await append(client, job_id, i, part))["errors"] == []
    first_ten = "externalId,kind,name\n" + "".join(
        f"JOB-{k},INDIVIDUAL,Written before {k}\n" for k in range(10)
    )
    imported = await gql(
        client,
        "mutation M($i: ImportRecordsInput!) { importRecords(input: $i) { created } }",
        {"i": {"type": "CUSTOMERS", "data": first_ten}},
    )
    assert imported["importRecords"]["created"] == 10
    await graph.write(  # what a run killed after its first batch leaves behind
        "MATCH (j:ImportJob) SET j.status = 'RUNNING', j.rowReached = 11, j.rowsRead = 10, "
        "j.valid = 10, j.created = 10, j.rowsTotal = 31, "
        "j.heartbeatAt = datetime() - duration({minutes: 5})"
    )
    assert (await job(client, job_id))["status"] == "INTERRUPTED"
    resumed, _ = await _job_mutation(client, "resumeImport", "ResumeImportInput", {"jobId": job_id})
    assert resumed["errors"] == [], resumed["errors"]
    done = await until_ended(client, job_id)
    assert done["status"] == "SUCCEEDED", done["message"]
    assert (done["created"], done["resumedAfterRow"], done["rowsRead"]) == (30, 11, 30)
    assert await customer_count(client) == 30
    kept = await gql(
        client, '{ customers(filter: {externalId: {eq: "JOB-3"}}) { edges { node { name } } } }'
    )
    assert kept["customers"]["edges"][0]["node"]["name"] == "Written before 3"


async def test_each_job_field_is_one_round_trip(client: httpx.AsyncClient) -> None:
    payload, statements = await _job_mutation(
        client, "startImport", "StartImportInput", {"type": "CONTACTS"}
    )
    assert len(statements) == 1
    job_id = payload["job"]["id"]
    _, statements = await _job_mutation(
        client,
        "appendImportChunk",
        "AppendImportChunkInput",
        {"jobId": job_id, "index": 0, "data": "email,firstName\n"},
    )
    assert len(statements) == 1
    response = await client.post(
        "/graphql",
        json={"query": f'{{ importJob(id: "{job_id}") {{ {JOB} }} }}'},
    )
    assert len(response.json()["extensions"]["cypher"]) == 1


async def test_an_unknown_job_is_null_and_a_bad_id_an_error(client: httpx.AsyncClient) -> None:
    assert await job(client, missing_id("ImportJob"), "id") is None
    response = await client.post("/graphql", json={"query": '{ importJob(id: "nope") { id } }'})
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == "INVALID_ID"
