"""Every line of Cypher lives in graphdb/ (docs/architecture.md, issue 18).

The layers above it (rapport/, schema/, resolvers/) and core/ name statements that graphdb/
defines; they never write one. This reads every string literal of those packages, f-string
pieces included, and looks for the shapes only Cypher has: a clause followed by a pattern, a
parameter or a subquery (`MATCH (`, `UNWIND $`, `CALL {`, `SET n.x =`, `RETURN x AS`). English
that happens to use the words (`CREATED`, "relationships match their endpoints", "rows per
UNWIND statement") is not Cypher and does not count; docstrings are skipped. bench/ writes raw
Cypher on purpose (it measures the API against it) and is not scanned.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("rapport", "schema", "resolvers", "core")

CYPHER = re.compile(
    r"\b(?:MATCH|MERGE|CREATE)\s*\("
    r"|\bUNWIND\s+\$"
    r"|\bDETACH\s+DELETE\b"
    r"|\bCALL\s*[({]"
    r"|\bRETURN\s+[\w.()*]+\s+AS\s"
    r"|\bSET\s+\w+(?:\.\w+)?\s*\+?=\s"
)


def _docstrings(tree: ast.Module) -> set[int]:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def cypher_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each string literal in `path` that reads as Cypher."""
    tree = ast.parse(path.read_text(), str(path))
    skipped = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and CYPHER.search(node.value)
    ]


def offenders() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            hits = cypher_literals(path)
            if hits:
                found[path.relative_to(ROOT).as_posix()] = hits
    return found


def test_no_cypher_is_written_outside_graphdb() -> None:
    found = offenders()
    assert found == {}, "Cypher belongs in graphdb/: " + "; ".join(
        f"{name}:{line} {text[:60]!r}" for name, hits in found.items() for line, text in hits
    )


def test_the_scan_recognises_cypher_and_passes_english_by(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Relationships MATCH their endpoints; the key is MERGEd."""\n'
        'ACTIONS = ("CREATED", "MERGED")\n'
        'HELP = "Most rows per UNWIND statement and transaction."\n'
        "label = 'Customer'\n"
        'READ = f"MATCH (n:{label}) RETURN n.id AS id"\n'
        'WRITE = "UNWIND $rows AS r CREATE (n:Tag) SET n = r"\n'
        'WIPE = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n"\n'
    )
    assert sorted({line for line, _ in cypher_literals(sample)}) == [5, 6, 7]
