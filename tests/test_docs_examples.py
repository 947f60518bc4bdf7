"""The documented examples are the answers the API gives on the demo data.

Every ```graphql fence in docs/**/*.md that is directly followed by a ```json fence (blank lines
between them allowed) is an example: the query runs through the live API on the demo graph
(`rapport seed --customers 500 --seed 1`, what `make run` loads) and the response must equal the
documented JSON exactly (`{"data": …}`, no errors). A graphql fence without a json answer (a
mutation, an illustration) is not checked.

To update an answer after a deliberate change, run the query on a freshly seeded demo database
and paste the response; never edit an answer by hand.

Every ```graphql fence of docs/ and the README, answered or not, is also one document a reader
can paste into GraphiQL: it parses and validates against the live schema (several operations
only when all are named), and a fence showing SDL matches the schema's types. That needs no
database, so a renamed field or argument fails here even where no answer is checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from graphql import GraphQLError, ObjectTypeDefinitionNode, parse, print_ast, validate
from graphql.language import TypeSystemDefinitionNode

from graphdb.driver import Graph
from rapport.seed import seed_graph
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
DEMO_CUSTOMERS = 500
DEMO_SEED = 1

#: Fewer than this means the extraction broke (or examples were dropped): fail, never pass empty.
MIN_EXAMPLES = 17

#: One page per question, each with at least one checked example.
FEATURE_PAGES = (
    "decision-makers.md",
    "referrals.md",
    "introductions.md",
    "recommendations.md",
    "churn.md",
    "revenue-concentration.md",
    "search.md",
)

_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclass(frozen=True)
class Example:
    path: Path
    line: int  # 1-based line of the ```graphql fence
    query: str
    answer: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"


def _blocks(text: str) -> list[tuple[str, int, int, str]]:
    """Fenced blocks as (language, first line, last line, body); 0-based fence lines."""
    lines = text.splitlines()
    blocks: list[tuple[str, int, int, str]] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        blocks.append((opening.group(1), i, j, "\n".join(lines[i + 1 : j])))
        i = j + 1
    return blocks


def examples_in(path: Path) -> list[Example]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = _blocks(text)
    found = []
    for (lang, start, end, body), (next_lang, next_start, _, next_body) in pairwise(blocks):
        between = lines[end + 1 : next_start]
        if lang == "graphql" and next_lang == "json" and all(not s.strip() for s in between):
            found.append(Example(path, start + 1, body, next_body))
    return found


def all_examples() -> list[Example]:
    return [ex for path in sorted(DOCS.rglob("*.md")) for ex in examples_in(path)]


def test_the_docs_have_examples_with_answers() -> None:
    examples = all_examples()
    assert len(examples) >= MIN_EXAMPLES, [ex.where for ex in examples]
    pages = {ex.path.relative_to(DOCS).as_posix() for ex in examples}
    for page in FEATURE_PAGES:
        assert f"intelligence/{page}" in pages, page
    for ex in examples:
        try:
            answer = json.loads(ex.answer)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{ex.where}: the answer is not JSON ({exc})") from exc
        assert isinstance(answer, dict) and set(answer) == {"data"}, ex.where


def graphql_fences() -> list[tuple[str, str]]:
    """(where, body) of every ```graphql fence in docs/**/*.md and the README."""
    pages = [*sorted(DOCS.rglob("*.md")), REPO_ROOT / "README.md"]
    return [
        (f"{path.relative_to(REPO_ROOT)}:{start + 1}", body)
        for path in pages
        for lang, start, _, body in _blocks(path.read_text(encoding="utf-8"))
        if lang == "graphql"
    ]


def _sdl_drift(document: Any) -> list[str]:
    """How the types a fence declares differ from the live schema's."""
    from schema.root import schema

    problems = []
    for definition in document.definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            problems.append(f"only object types are compared, not {definition.kind}")
            continue
        name = definition.name.value
        live = schema._schema.get_type(name)
        fields = getattr(live, "fields", None)
        if fields is None:
            problems.append(f"the schema has no object type {name}")
            continue
        for field in definition.fields or ():
            shown = f"{name}.{field.name.value}: {print_ast(field.type)}"
            actual = fields.get(field.name.value)
            if actual is None or str(actual.type) != print_ast(field.type):
                problems.append(f"{shown}, but the schema has {actual.type if actual else 'none'}")
    return problems


def test_every_graphql_fence_is_one_valid_document_for_the_live_schema() -> None:
    from schema.root import schema

    fences = graphql_fences()
    assert len(fences) >= 40, [where for where, _ in fences]
    wrong: list[str] = []
    for where, body in fences:
        try:
            document = parse(body)
        except GraphQLError as exc:
            wrong.append(f"{where}: does not parse: {exc.message}")
            continue
        if any(isinstance(d, TypeSystemDefinitionNode) for d in document.definitions):
            wrong.extend(f"{where}: {problem}" for problem in _sdl_drift(document))
            continue
        wrong.extend(f"{where}: {error.message}" for error in validate(schema._schema, document))
    assert not wrong, "\n".join(wrong)


async def _run(client: httpx.AsyncClient, query: str) -> Any:
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    return response.json()


async def test_documented_answers_are_the_answers_on_the_demo_data(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    # The demo graph is seeded once here (`graph` empties the database before each test), and
    # every example runs against it in this one test.
    examples = all_examples()
    assert len(examples) >= MIN_EXAMPLES
    await seed_graph(graph, DEMO_CUSTOMERS, DEMO_SEED, progress=False)

    wrong: list[str] = []
    for ex in examples:
        expected = json.loads(ex.answer)
        body = await _run(client, ex.query)
        if body.get("errors"):
            wrong.append(f"{ex.where}: errors {body['errors']}")
            continue
        actual = {"data": body.get("data")}
        if actual != expected:
            wrong.append(
                f"{ex.where}: documented\n{json.dumps(expected, ensure_ascii=False)}\n"
                f"but the API answers\n{json.dumps(actual, ensure_ascii=False)}"
            )
    assert not wrong, "\n\n".join(wrong)
