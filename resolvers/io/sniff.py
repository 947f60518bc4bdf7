"""What a text file is written in: its encoding and, for CSV, its delimiter.

Files reach a CRM from Excel, old CRMs and ERPs, so they come as UTF-8 with or without a BOM,
as UTF-16 ("Unicode text" from Excel), or in a Windows or ISO code page (cp1250 and ISO-8859-2
in Central Europe, cp1252 in the West), separated by commas, semicolons (Excel wherever the
decimal mark is a comma), tabs or pipes.

Encoding, in order: a byte-order mark decides; else a file that decodes as UTF-8 from start to end
is UTF-8 (random code-page text almost never does); else each Central/Western European code
page decodes a sample and the one whose text looks most like words wins (accented letters
score, symbols and control characters that only a wrong code page would produce cost), ties
going to cp1250; if none is plausible, charset-normalizer is asked. The chosen encoding must
then decode the whole file, checked in chunks before any row is read, so a file with a bad byte
in its last line fails up front, not half-way through an import.

Delimiter: the candidate that splits the first records into the most columns, the same number
in every record, wins; a first line `sep=;` (which Excel writes and reads) decides outright.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How much of a file the guesses look at (the whole file is still checked to decode).
SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
_CODE_PAGES = ("cp1250", "iso8859_2", "cp1252")

#: Names people pass to --encoding, folded, → the codec Python knows them by.
_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8bom": "utf-8-sig",
    "utf-8-bom": "utf-8-sig",
    "windows-1250": "cp1250",
    "windows-1252": "cp1252",
    "latin2": "iso8859_2",
    "iso-8859-2": "iso8859_2",
    "latin1": "iso8859_1",
    "iso-8859-1": "iso8859_1",
}
#: How a codec is shown in reports.
_SHOWN = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16",
    "cp1250": "Windows-1250",
    "cp1252": "Windows-1252",
    "iso8859_2": "ISO-8859-2",
    "iso8859_1": "ISO-8859-1",
}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

#: Accented letters of the languages whose files we expect (SK, CZ, PL, HU, DE and the West).
_EXPECTED_LETTERS = frozenset(
    "áäčďéěíĺľňóôŕřšťúůýžąćęłńśźżöőüűßàâçèêëîïùûÿñãõåæøœ"
    "ÁÄČĎÉĚÍĹĽŇÓÔŔŘŠŤÚŮÝŽĄĆĘŁŃŚŹŻÖŐÜŰÀÂÇÈÊËÎÏÙÛŸÑÃÕÅÆØŒ"
)


#: Non-letters that real text has (spaces, euro, dashes, quotes, degree, section): no score.
_NEUTRAL = frozenset(
    "\u00a0\u2009\u202f\u20ac\u2013\u2014\u201e\u201c\u201d\u201a\u2018\u2019\u00ab\u00bb"
    "\u00b0\u00a7"
)


class SniffError(ValueError):
    """The file's encoding is unknown, or the file does not decode in the one given."""


@dataclass(frozen=True)
class Detected:
    """How a file was read, and whether each answer was detected or given by the caller."""

    format: str
    encoding: str | None = None
    encoding_given: bool = False
    delimiter: str | None = None
    delimiter_given: bool = False

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        if self.encoding is not None:
            out["encoding"] = _SHOWN.get(self.encoding, self.encoding)
            out["encodingSource"] = "given" if self.encoding_given else "detected"
        if self.delimiter is not None:
            out["delimiter"] = _DELIMITER_NAMES.get(self.delimiter, self.delimiter)
            out["delimiterSource"] = "given" if self.delimiter_given else "detected"
        return out

    def summary(self) -> str:
        """One line for the terminal: 'CSV, UTF-8 with BOM (detected), semicolon (detected)'."""
        data = self.as_json()
        parts = [self.format.upper()]
        if "encoding" in data:
            parts.append(f"{data['encoding']} ({data['encodingSource']})")
        if "delimiter" in data:
            parts.append(f"{data['delimiter']}-separated ({data['delimiterSource']})")
        return ", ".join(parts)


def codec_name(name: str) -> str:
    """The Python codec for an --encoding value ("windows-1250" → "cp1250")."""
    folded = name.strip().lower().replace("_", "-")
    if folded in _ALIASES:
        return _ALIASES[folded]
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise SniffError(
            f"Unknown encoding {name!r}; use e.g. utf-8, cp1250, cp1252 or iso-8859-2."
        ) from exc


def delimiter_char(name: str) -> str:
    """The character for a --delimiter value: ',', ';', tab ('\\t' or 'tab'), '|'…"""
    by_name = {v: k for k, v in _DELIMITER_NAMES.items()}
    text = {"\\t": "\t", "tab": "\t"}.get(name.lower(), name)
    text = by_name.get(text.lower(), text)
    if len(text) != 1 or text in '"\r\n':
        raise SniffError(
            f"--delimiter {name!r} must be one character: comma, semicolon, tab or pipe."
        )
    return text


def _plausibility(text: str) -> int:
    """How much `text` looks like names and words rather than a wrong code page's noise."""
    score = 0
    previous = ""
    for char in text:
        if char.isascii():
            previous = char
            continue
        if char in _EXPECTED_LETTERS:
            score += 2
            # An upper-case accented letter inside a lower-case word ("WĂłjcik") is noise.
            if char.isupper() and previous.islower():
                score -= 3
        elif unicodedata.category(char).startswith("L"):
            score += 1
        elif char in _NEUTRAL:
            pass
        else:
            score -= 4  # control characters, ¤ ¦ ¨ ± ¹ ³ and other symbols
        previous = char
    return score


def _decodes_fully(path: Path, encoding: str) -> int | None:
    """None when the whole file decodes in `encoding`, else the byte offset where it fails."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def _decodes_sample(sample: bytes, encoding: str, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return str(decoder.decode(sample, final=complete))
    except UnicodeDecodeError:
        return None


def guess_encoding(sample: bytes, complete: bool, *, utf8: bool = True) -> str:
    """The encoding of a file that starts with `sample` (the whole file when `complete`);
    `utf8=False` when the whole file is known not to be UTF-8."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf8 and _decodes_sample(sample, "utf-8", complete) is not None:
        return "utf-8"
    scored = []
    for rank, encoding in enumerate(_CODE_PAGES):
        text = _decodes_sample(sample, encoding, complete)
        if text is not None:
            scored.append((_plausibility(text), -rank, encoding))
    if scored:
        best = max(scored)
        if best[0] >= 0:
            return best[2]
    from charset_normalizer import from_bytes

    match = from_bytes(sample).best()
    if match is not None:
        return str(match.encoding)
    if scored:
        return max(scored)[2]
    raise SniffError("Cannot tell the file's encoding; pass --encoding (e.g. utf-8 or cp1250).")


def file_encoding(path: Path, given: str | None = None) -> tuple[str, bool]:
    """(codec, given?) for `path`: `given` if any, else guessed; checked to decode fully."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES + 1)
    complete = len(sample) <= SAMPLE_BYTES
    sample = sample[:SAMPLE_BYTES]
    if given is not None:
        encoding = codec_name(given)
        if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
    else:
        # A sample that decodes as UTF-8 proves nothing about the rest of a large file.
        whole_utf8 = complete or _decodes_fully(path, "utf-8") is None
        encoding = guess_encoding(sample, complete, utf8=whole_utf8)
    failed_at = _decodes_fully(path, encoding)
    if failed_at is not None:
        shown = _SHOWN.get(encoding, encoding)
        how = "was given" if given is not None else "was detected from the start of the file"
        raise SniffError(
            f"{path.name} is not valid {shown} (which {how}): byte {failed_at:,} cannot be "
            "decoded. Pass the right --encoding (e.g. utf-8, cp1250, cp1252 or iso-8859-2)."
        )
    return encoding, given is not None


def guess_delimiter(text: str) -> str:
    """The delimiter of CSV `text` (a sample): the candidate giving the most, consistent,
    columns; a comma when nothing splits the header."""
    best: tuple[float, int, int] | None = None
    chosen = ","
    for rank, delimiter in enumerate(DELIMITERS):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        counts: list[int] = []
        try:
            for record in reader:
                counts.append(len(record))
                if len(counts) >= 50:
                    break
        except csv.Error:
            continue
        if len(counts) > 2:
            counts = counts[:-1]  # the sample may cut the last record short
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for c in counts if c == counts[0]) / len(counts)
        key = (consistent, counts[0], -rank)
        if best is None or key > best:
            best, chosen = key, delimiter
    return chosen


def sep_line(first_line: str) -> str | None:
    """The delimiter an Excel `sep=;` first line names, else None."""
    line = first_line.strip().strip('"')
    if line.lower().startswith("sep=") and len(line) == 5:
        return line[4]
    return None
