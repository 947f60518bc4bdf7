"""People: names, e-mail local parts, video handles, notes, streets, and a second entry's noise."""

from __future__ import annotations

import random
import unicodedata

import phonenumbers
from faker import Faker

from rapport.seed.rand import Row, ascii_slug
from rapport.seed.vocab import CHILD_AGES, HOBBIES, PET_NAMES, PETS


def person_name(fake: Faker, rng: random.Random, locale: str) -> tuple[str, str, str]:
    """(first, last, ascii "first.last") with matching gender for Slavic surnames."""
    if rng.random() < 0.5:
        first, last = fake.first_name_female(), fake.last_name_female()
    else:
        first, last = fake.first_name_male(), fake.last_name_male()
    if locale == "zh_CN":
        romanized = f"{fake.first_romanized_name()}.{fake.last_romanized_name()}"
    else:
        romanized = f"{first}.{last}"
    return str(first), str(last), ascii_slug(romanized, ".")


def video_handle(rng: random.Random, romanized: str, domain: str) -> str:
    style = rng.random()
    if style < 0.45:
        return f"teams:{romanized}@{domain}"
    if style < 0.75:
        return f"zoom:{romanized.replace('.', '')}{rng.randrange(10, 99)}"
    return f"meet:{romanized}{rng.randrange(1, 9)}"


def personal_notes(rng: random.Random, fake: Faker) -> str:
    parts: list[str] = []
    children = rng.choices((0, 1, 2, 3), weights=(35, 25, 30, 10))[0]
    if children:
        kids = ", ".join(f"{fake.first_name()} ({rng.choice(CHILD_AGES)})" for _ in range(children))
        parts.append(f"Children: {kids}.")
    if rng.random() < 0.45:
        parts.append(f"Has {rng.choice(PETS)} called {rng.choice(PET_NAMES)}.")
    hobbies = rng.sample(HOBBIES, rng.randrange(1, 3))
    parts.append(f"Enjoys {' and '.join(hobbies)}.")
    if rng.random() < 0.2:
        parts.append("Prefers calls before 10:00.")
    return " ".join(parts)


def street(fake: Faker) -> str:
    """A street address on one line: en_GB's Faker writes "Flat 17\nJanet Meadows", and a
    newline is not something the API lets anyone store in addressLine1."""
    return ", ".join(part.strip() for part in fake.street_address().splitlines() if part.strip())


def as_stored(core: Row) -> Row:
    """A duplicate's core as the API would have stored what the second entry typed: the
    e-mail trimmed and lower-cased, the phone in E.164 (export → import changes nothing)."""
    out = dict(core)
    if out.get("email"):
        out["email"] = out["email"].strip().lower()
    if out.get("phone"):
        number = phonenumbers.parse(out["phone"], out.get("country"))
        out["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return out


def typo(rng: random.Random, name: str) -> str:
    """One keyboard slip: swap, drop or double a letter, or lose the diacritics."""
    letters = [k for k, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name + name[-1]
    kind = rng.random()
    plain = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in plain if not unicodedata.combining(c))
    if kind < 0.25 and stripped != name:
        return stripped
    k = rng.choice(letters[1:-1])
    if kind < 0.55 and name[k + 1].isalpha():
        return name[:k] + name[k + 1] + name[k] + name[k + 2 :]
    if kind < 0.8:
        return name[:k] + name[k + 1 :]
    return name[:k] + name[k] + name[k:]


def recase(rng: random.Random, email: str) -> str:
    local, _, domain = email.partition("@")
    if rng.random() < 0.5:
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.capitalize()
    return email.upper()
