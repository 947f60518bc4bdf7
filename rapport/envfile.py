"""Reading and rewriting one setting of a `.env` file, keeping every other line as it is."""

from __future__ import annotations

import os
import re
from pathlib import Path


def _line_key(line: str) -> str | None:
    match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
    return match.group(1) if match else None


def has_value(path: Path, key: str) -> bool:
    if not path.is_file():
        return False
    return any(_line_key(line) == key for line in path.read_text("utf-8").splitlines())


def set_value(path: Path, key: str, value: str) -> None:
    """Set `key=value` in the file (replacing the line, or appending one), mode 600 when new."""
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    entry = f"{key}={value}"
    replaced = False
    for index, line in enumerate(lines):
        if _line_key(line) == key:
            lines[index] = entry
            replaced = True
    if not replaced:
        lines.append(entry)
    new = not path.exists()
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", "utf-8")
    if new:
        temporary.chmod(0o600)
    else:
        temporary.chmod(path.stat().st_mode & 0o777)
    os.replace(temporary, path)
