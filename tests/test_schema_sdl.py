"""The public schema is a contract: its SDL changes only on purpose.

`tests/schema.graphql` is the checked-in SDL. A refactor must leave it byte for byte the same;
a deliberate schema change regenerates it (`rapport schema print > tests/schema.graphql`) in the
same commit, so the diff is reviewed with the code.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from typer.testing import CliRunner

from rapport.cli import app

SDL = Path(__file__).with_name("schema.graphql")


def test_rapport_schema_print_matches_the_checked_in_sdl() -> None:
    result = CliRunner().invoke(app, ["schema", "print"])
    assert result.exit_code == 0, result.output
    printed, expected = result.output, SDL.read_text()
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            printed.splitlines(keepends=True),
            "tests/schema.graphql",
            "rapport schema print",
        )
    )
    assert printed == expected, f"The schema changed:\n{diff}"
