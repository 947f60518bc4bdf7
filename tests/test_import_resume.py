"""`rapport import FILE --resume` (issue 14, item 7): an interrupted import goes on after its last
committed batch, from the checkpoint the import keeps; every bad --resume is one line, exit 1."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from graphdb.driver import Graph
from rapport.cli import app
from resolvers.io import import_rows, read_file
from resolvers.io import resume as checkpoints
from resolvers.io.readers import BadRow, RawRow

QUIET = Console(file=io.StringIO(), stderr=False)
runner = CliRunner()
ROWS = 25  # rows 2..26
BATCH = 5
BAD = {4, 20}  # rows with an invalid e-mail


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def customers_file(path: Path) -> Path:
    lines = ["externalId,kind,name,email"]
    for row in range(2, ROWS + 2):
        email = "not-an-email" if row in BAD else f"c{row}@example.sk"
        lines.append(f"C-{row},INDIVIDUAL,Zákazník {row},{email}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class DiskGone(OSError):
    pass


def failing_after(rows: Any, count: int) -> Iterator[tuple[int, RawRow | BadRow]]:
    """The file's rows, until reading fails at the `count`+1-th (a disk or share gone)."""
    for i, row in enumerate(rows):
        if i == count:
            raise DiskGone("Input/output error")
        yield row


OPTIONS: dict[str, Any] = {
    "type": "customers",
    "preset": None,
    "renames": {},
    "locale": None,
    "encoding": None,
    "delimiter": None,
    "fmt": "csv",
}


async def interrupted(graph: Graph, data_dir: Path, path: Path) -> checkpoints.Checkpoint:
    """Import `path` until reading fails at its 13th record (row 14): the batches of the valid
    rows 2-7 (row 4 is refused) and 8-12 are committed, the half-read third is not."""
    checkpoint = checkpoints.start(data_dir, path, OPTIONS)
    with pytest.raises(DiskGone):
        await import_rows(
            graph,
            "customers",
            failing_after(read_file(path), 12),
            batch_size=BATCH,
            console=QUIET,
            progress=False,
            checkpoint=checkpoint,
        )
    return checkpoint


async def stored(graph: Graph) -> dict[str, int]:
    rows = await graph.read("MATCH (c:Customer) RETURN c.externalId AS key, c.version AS v")
    return {r["key"]: r["v"] for r in rows}


async def test_an_interrupted_import_leaves_a_checkpoint_at_its_last_committed_batch(
    graph: Graph, tmp_path: Path
) -> None:
    path = customers_file(tmp_path / "customers.csv")
    checkpoint = await interrupted(graph, tmp_path, path)
    assert checkpoint.path == checkpoints.checkpoint_path(tmp_path, path)
    assert checkpoint.path.stat().st_mode & 0o777 == 0o600
    saved = checkpoints.load(tmp_path, path).committed
    assert saved is not None
    assert (saved.after_row, saved.rows, saved.valid, saved.created) == (12, 11, 10, 10)
    assert [(e.row, e.code) for e in saved.errors] == [(4, "INVALID_EMAIL")]
    assert set(await stored(graph)) == {f"C-{r}" for r in range(2, 13) if r not in BAD}


async def test_resume_skips_the_committed_rows_and_adds_to_their_counts(
    graph: Graph, tmp_path: Path
) -> None:
    path = customers_file(tmp_path / "customers.csv")
    checkpoint = await interrupted(graph, tmp_path, path)
    result = await import_rows(
        graph,
        "customers",
        read_file(path),
        batch_size=BATCH,
        console=QUIET,
        progress=False,
        checkpoint=checkpoints.load(tmp_path, path),
    )
    # rows 2-12 are not read again (none is "unchanged"); the counts are the whole file's
    assert (result.rows, result.created, result.updated, result.unchanged) == (ROWS, 23, 0, 0)
    assert [(e.row, e.code) for e in result.errors] == [(4, "INVALID_EMAIL"), (20, "INVALID_EMAIL")]
    assert result.resumed_after == 12
    assert result.as_json()["resumedAfterRow"] == 12
    assert await stored(graph) == {f"C-{r}": 1 for r in range(2, ROWS + 2) if r not in BAD}
    assert not checkpoint.path.exists()  # a finished import removes its checkpoint


async def test_the_cli_resumes_with_the_interrupted_imports_options(
    graph: Graph, cli_env: Path
) -> None:
    path = customers_file(cli_env / "customers.csv")
    await interrupted(graph, cli_env, path)
    report = cli_env / "report.json"
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--resume", "--report", str(report), "--no-progress"
    )
    assert result.exit_code == 2, result.output  # rows 4 and 20 were refused
    assert "Resuming after row 12 (the last committed batch" in result.output
    data = orjson.loads(report.read_text(encoding="utf-8"))
    assert (data["rows"], data["created"], data["failed"], data["resumedAfterRow"]) == (
        ROWS,
        23,
        2,
        12,
    )
    assert not checkpoints.checkpoint_path(cli_env, path).exists()
    again = await asyncio.to_thread(invoke, "import", str(path), "--resume", "--no-progress")
    assert again.exit_code == 1
    assert "No interrupted import of" in again.output


async def test_a_finished_cli_import_keeps_no_checkpoint(graph: Graph, cli_env: Path) -> None:
    path = customers_file(cli_env / "customers.csv")
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--type", "customers", "--batch-size", "5", "--no-progress"
    )
    assert result.exit_code == 2, result.output
    assert not (cli_env / "import-checkpoints").exists() or not any(
        (cli_env / "import-checkpoints").iterdir()
    )


async def test_resume_without_an_interrupted_import_is_refused(cli_env: Path) -> None:
    path = customers_file(cli_env / "customers.csv")
    result = await asyncio.to_thread(invoke, "import", str(path), "--resume")
    assert result.exit_code == 1
    assert "error: No interrupted import of" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"version": 99}', b'{"version": 1, "committed": {"after_row": "x"}}', b"[]"],
)
async def test_a_damaged_checkpoint_is_refused(cli_env: Path, content: bytes) -> None:
    path = customers_file(cli_env / "customers.csv")
    where = checkpoints.checkpoint_path(cli_env, path)
    where.parent.mkdir(parents=True)
    where.write_bytes(content)
    result = await asyncio.to_thread(invoke, "import", str(path), "--resume")
    assert result.exit_code == 1, result.output
    assert "is damaged" in result.output
    assert "without --resume" in result.output


async def test_resume_of_a_file_changed_since_is_refused(graph: Graph, cli_env: Path) -> None:
    path = customers_file(cli_env / "customers.csv")
    await interrupted(graph, cli_env, path)
    path.write_text(path.read_text(encoding="utf-8").replace("C-2,", "C-X,"), encoding="utf-8")
    result = await asyncio.to_thread(invoke, "import", str(path), "--resume")
    assert result.exit_code == 1
    assert "has changed since the interrupted import" in result.output


async def test_resume_with_other_options_is_refused(graph: Graph, cli_env: Path) -> None:
    path = customers_file(cli_env / "customers.csv")
    await interrupted(graph, cli_env, path)
    result = await asyncio.to_thread(invoke, "import", str(path), "--resume", "--locale", "de-DE")
    assert result.exit_code == 1
    assert "ran with --locale (not given), not 'de-DE'" in result.output
    result = await asyncio.to_thread(invoke, "import", str(path), "--resume", "--type", "contacts")
    assert result.exit_code == 1
    assert "ran with --type 'customers', not 'contacts'" in result.output
    # the same options again are fine: nothing is refused, the import goes on
    result = await asyncio.to_thread(
        invoke, "import", str(path), "--resume", "--type", "customers", "--no-progress"
    )
    assert result.exit_code == 2, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-", "--resume"], "--resume needs a file"),
        (["customers.csv", "--resume", "--dry-run"], "--dry-run writes none"),
    ],
)
async def test_resume_of_stdin_or_a_dry_run_is_refused(
    cli_env: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers_file(cli_env / "customers.csv")
    monkeypatch.chdir(cli_env)
    result = await asyncio.to_thread(invoke, "import", *args)
    assert result.exit_code == 1
    assert message in result.output


def test_the_progress_total_is_the_files_last_row(tmp_path: Path) -> None:
    path = customers_file(tmp_path / "customers.csv")
    assert read_file(path).last_row() == ROWS + 1
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no newline at the end
    assert read_file(path).last_row() == ROWS + 1


def test_an_xlsx_progress_total_is_its_recorded_dimension(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["externalId", "kind", "name"])
    for i in range(3):
        sheet.append([f"X-{i}", "INDIVIDUAL", f"Name {i}"])
    book.save(tmp_path / "c.xlsx")
    assert read_file(tmp_path / "c.xlsx").last_row() == 4


async def test_the_progress_bar_shows_the_row_of_the_total_rows_per_second_and_eta(
    tmp_path: Path,
) -> None:
    path = customers_file(tmp_path / "customers.csv")
    screen = io.StringIO()
    console = Console(file=screen, width=160, force_terminal=True)
    await import_rows(None, "customers", read_file(path), dry_run=True, console=console)
    last = screen.getvalue().rsplit("\r", 1)[-1]
    assert "Validating customers" in last
    assert f"row {ROWS + 1} of ~{ROWS + 1}" in last
    assert "rows/s" in last
    assert "ETA" in last


async def test_a_manager_named_by_a_later_row_is_still_set_after_a_resume(
    graph: Graph, tmp_path: Path
) -> None:
    """Row 2 reports to the contact of row 20: when the import stops before row 20, the
    waiting manager is kept in the checkpoint and set once the resumed import has read it."""
    lines = ["firstName,lastName,email,reportsToEmail", "Ema,Prvá,ema@example.sk,boss@example.sk"]
    lines += [f"Osoba,Číslo{i},p{i}@example.sk," for i in range(3, 20)]
    lines.append("Šéf,Veľký,boss@example.sk,")
    path = tmp_path / "contacts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    checkpoint = checkpoints.start(tmp_path, path, {**OPTIONS, "type": "contacts"})
    with pytest.raises(DiskGone):
        await import_rows(
            graph,
            "contacts",
            failing_after(read_file(path), 12),
            batch_size=BATCH,
            console=QUIET,
            progress=False,
            checkpoint=checkpoint,
        )
    saved = checkpoints.load(tmp_path, path).committed
    assert saved is not None and saved.after_row == 11
    assert [(p["row"], p["value"]) for p in saved.pending] == [(2, "boss@example.sk")]
    result = await import_rows(
        graph,
        "contacts",
        read_file(path),
        batch_size=BATCH,
        console=QUIET,
        progress=False,
        checkpoint=checkpoints.load(tmp_path, path),
    )
    assert (result.rows, result.created, result.failed) == (19, 19, 0), result.errors
    managers = await graph.read(
        "MATCH (p:Contact)-[:REPORTS_TO]->(m:Contact) RETURN p.email AS p, m.email AS m"
    )
    assert managers == [{"p": "ema@example.sk", "m": "boss@example.sk"}]
