"""`rapport import FILE --resume`: where an interrupted import of a file got to.

While a file is imported, a checkpoint is written after every committed batch to
`<data dir>/import-checkpoints/<hash of the file's absolute path>.json` (owner-only, replaced
atomically, so it is never half a checkpoint): the file's fingerprint (size, modification time,
SHA-256 of its first 64 KiB), the options that decide how its rows read (type, preset, renames,
locale, encoding, delimiter, format), `after_row` (the number of the last row of the last
committed batch: every row up to it is in the database or was reported), the counts and row
errors up to it, and the contacts' managers that named a contact of a later row (set once the
file is read). A finished import removes its checkpoint; an interrupted one (Ctrl-C, the
database gone for longer than the retries, a failing disk) leaves it, and `--resume` skips the
rows up to `after_row` and goes on, adding to the counts. Batches are written idempotently, so
rows of the batch that was in flight when the import stopped are simply compared again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from resolvers.io.report import ImportResult, RowError, private_error

VERSION = 1
_HEAD_BYTES = 64 * 1024


class ResumeError(Exception):
    """`--resume` cannot continue: no checkpoint, a damaged one, or another file or options."""


def checkpoint_path(data_dir: Path, file: Path) -> Path:
    digest = hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:24]
    return data_dir / "import-checkpoints" / f"{digest}.json"


def fingerprint(file: Path) -> dict[str, Any]:
    """What tells that `file` is still the file that was being imported."""
    stat = file.stat()
    with file.open("rb") as handle:
        head = hashlib.sha256(handle.read(_HEAD_BYTES)).hexdigest()
    return {"size": stat.st_size, "mtimeNs": stat.st_mtime_ns, "headSha256": head}


@dataclass
class Committed:
    """How far an import has got: everything up to row `after_row` is written or reported."""

    after_row: int
    rows: int
    valid: int
    created: int
    updated: int
    unchanged: int
    linked: int
    errors: list[RowError]
    pending: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Checkpoint:
    path: Path
    file: str
    fingerprint: dict[str, Any]
    #: the options that decide which row is which and how it reads
    options: dict[str, Any]
    committed: Committed | None = None

    def save(self, committed: Committed) -> None:
        """Write the checkpoint (owner-only, atomically: a crash leaves the old one)."""
        self.committed = committed
        data = {
            "version": VERSION,
            "file": self.file,
            "fingerprint": self.fingerprint,
            "options": self.options,
            "committed": {
                **{k: v for k, v in dataclasses.asdict(committed).items() if k != "errors"},
                # as in the report: refused personal values are not repeated on disk
                "errors": [private_error(dataclasses.asdict(e)) for e in committed.errors],
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(orjson.dumps(data))
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def start(data_dir: Path, file: Path, options: Mapping[str, Any]) -> Checkpoint:
    """A new checkpoint for an import of `file` from its first row (an older one is removed:
    the new import starts again from the top)."""
    path = checkpoint_path(data_dir, file)
    path.unlink(missing_ok=True)
    return Checkpoint(path, str(file.resolve()), fingerprint(file), dict(options))


def load(data_dir: Path, file: Path) -> Checkpoint:
    """The checkpoint of an interrupted import of `file`; ResumeError when there is none, it is
    damaged, or the file has changed since."""
    path = checkpoint_path(data_dir, file)
    again = "run the import again without --resume (it is idempotent: rows already written are "
    again += "counted unchanged)"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResumeError(
            f"No interrupted import of {file} to resume (no checkpoint at {path}); it finished, "
            f"or never started. To import it, {again.removeprefix('run the import again ')}."
        ) from None
    except OSError as exc:
        raise ResumeError(f"cannot read the checkpoint {path}: {exc.strerror or exc}") from exc
    try:
        data = orjson.loads(raw)
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, not {VERSION}")
        c = data["committed"]
        committed = Committed(
            after_row=int(c["after_row"]),
            rows=int(c["rows"]),
            valid=int(c["valid"]),
            created=int(c["created"]),
            updated=int(c["updated"]),
            unchanged=int(c["unchanged"]),
            linked=int(c["linked"]),
            errors=[RowError(**e) for e in c["errors"]],
            pending=list(c["pending"]),
        )
        checkpoint = Checkpoint(
            path, str(data["file"]), dict(data["fingerprint"]), dict(data["options"]), committed
        )
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ResumeError(f"The checkpoint {path} is damaged ({exc}); {again}.") from exc
    if fingerprint(file) != checkpoint.fingerprint:
        raise ResumeError(
            f"{file} has changed since the interrupted import (its size, modification time or "
            f"first bytes differ), so its rows may not be where they were; {again}."
        )
    return checkpoint


def merged_options(checkpoint: Checkpoint, given: Mapping[str, Any]) -> dict[str, Any]:
    """The interrupted import's options, with those given again checked against them: an
    option left out is taken over, one that differs is a ResumeError."""
    out = dict(checkpoint.options)
    for name, value in given.items():
        if value is None or value == {}:
            continue
        stored = checkpoint.options.get(name)
        if stored != value:
            flag = {"renames": "--map", "type": "--type", "fmt": "--format"}.get(name, f"--{name}")
            raise ResumeError(
                f"The interrupted import ran with {flag} {_shown(stored)}, not {_shown(value)}; "
                f"resume it with the same options (or leave {flag} out)."
            )
    return out


def _shown(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, dict):
        return repr(",".join(f"{k}={v}" for k, v in value.items()))
    return repr(value)


def restore(result: ImportResult, committed: Committed) -> None:
    """Start `result` from the counts and errors of the interrupted import."""
    result.rows = committed.rows
    result.valid = committed.valid
    result.created = committed.created
    result.updated = committed.updated
    result.unchanged = committed.unchanged
    result.linked = committed.linked
    result.errors = list(committed.errors)
    result.resumed_after = committed.after_row
    result.resumed_rows = committed.rows
