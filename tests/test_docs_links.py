"""Every relative link in the README, CHANGELOG and docs/ leads somewhere in a clone.

A link is followed as GitHub renders it: the file relative to the page, and a `#fragment` must
be one of that page's headings turned into GitHub's anchor (lower case, punctuation dropped,
spaces as dashes). Links into code fences are not links and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO_ROOT

PAGES = [
    REPO_ROOT / "README.md",
    REPO_ROOT / "CHANGELOG.md",
    *sorted((REPO_ROOT / "docs").rglob("*.md")),
]

_FENCED = re.compile(r"^```.*?^```", re.S | re.M)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _prose(page: Path) -> str:
    return _FENCED.sub("", page.read_text(encoding="utf-8"))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, no punctuation, spaces as dashes."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor(h) for h in _HEADING.findall(_prose(page))}


def test_the_readme_links_the_contract_shipped_in_docs() -> None:
    contract = REPO_ROOT / "docs" / "api.md"
    assert "(docs/api.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "# Rapport — public GraphQL contract" in contract.read_text(encoding="utf-8")


def test_every_relative_link_resolves_in_a_clone() -> None:
    broken: list[str] = []
    checked = 0
    for page in PAGES:
        for target in _LINK.findall(_prose(page)):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # https:, mailto:
            path, _, fragment = target.partition("#")
            destination = (page.parent / path).resolve() if path else page
            checked += 1
            where = f"{page.relative_to(REPO_ROOT)} -> {target}"
            if REPO_ROOT not in destination.parents and destination != REPO_ROOT:
                broken.append(f"{where}: outside the repository")
            elif not destination.exists():
                broken.append(f"{where}: no such file")
            elif fragment and destination.suffix == ".md" and fragment not in anchors(destination):
                broken.append(f"{where}: no such heading")
    assert checked >= 20
    assert not broken, "\n".join(broken)
