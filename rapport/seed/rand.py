"""Deterministic primitives: keyed hashes, per-entity random streams, ids, dates, money, phones."""

from __future__ import annotations

import functools
import hashlib
import random
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import phonenumbers

Row = dict[str, Any]
T = TypeVar("T")


def keyed_hash(seed: int, *parts: object) -> int:
    """A 128-bit keyed hash of (seed, parts): the counter behind every stream and id."""
    key = "|".join(map(str, (seed, *parts))).encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")


def unit(seed: int, *parts: object) -> float:
    """A uniform float in [0, 1) from the hash, for O(1) decisions about any entity."""
    return keyed_hash(seed, *parts) / 2.0**128


def make_id(seed: int, kind: str, *index: int) -> str:
    """The UUID4 of the entity `kind`/`index` of graph `seed`."""
    return str(uuid.UUID(int=keyed_hash(seed, "id", kind, *index), version=4))


def stream(seed: int, *parts: object) -> random.Random:
    return random.Random(keyed_hash(seed, *parts))  # noqa: S311 - demo data, not secrets


def weighted(rng: random.Random, options: tuple[tuple[T, int], ...]) -> T:
    total = sum(w for _, w in options)
    pick = rng.random() * total
    for value, weight in options:
        pick -= weight
        if pick < 0:
            return value
    return options[-1][0]


_ASCII_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "đ": "d", "ø": "o", "æ": "ae"})


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits of `text` (diacritics dropped), joined by `sep`."""
    plain = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    # NFKD splits "á" into "a" and a combining accent: drop the accent, not the word in two
    # ("Tatárka" → "tatarka", not "tata rka").
    kept = (c for c in plain if not unicodedata.combining(c))
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in kept).lower().split()
    return sep.join(words)


def datetime_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    seconds = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(seconds + 1))


def date_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def money(euros: float) -> int:
    """Euros as integer ten-thousandths, rounded to whole cents (prices end in .x0)."""
    return round(euros * 100) * 100


@functools.cache
def _phone_pattern(country: str, fixed: bool) -> tuple[int, str, int]:
    """(country code, national example number, digits kept) from libphonenumber's metadata."""
    kind = phonenumbers.PhoneNumberType.FIXED_LINE if fixed else phonenumbers.PhoneNumberType.MOBILE
    example = phonenumbers.example_number_for_type(country, kind)
    if example is None or example.country_code is None:  # pragma: no cover - metadata has one
        raise ValueError(f"no example phone number for {country}")
    national = str(example.national_number)
    return int(example.country_code), national, 2 if len(national) <= 9 else 3


def phone_number(rng: random.Random, country: str, fixed: bool = False) -> str:
    """A valid E.164 number for `country`, shaped after libphonenumber's example number.

    The example's leading digits are kept and the rest drawn at random; a draw that
    libphonenumber does not accept is redrawn (up to 8 times) before falling back to the example.
    """
    code, national, keep = _phone_pattern(country, fixed)
    for _ in range(8):
        digits = national[:keep] + str(rng.randrange(10 ** (len(national) - keep))).zfill(
            len(national) - keep
        )
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(digits))
        if phonenumbers.is_valid_number(number):
            return f"+{code}{digits}"
    return f"+{code}{national}"


def meta(created: datetime, updated: datetime | None = None) -> Row:
    return {"createdAt": created, "updatedAt": updated or created, "version": 1}
