"""Small helpers that turn type and field names into the words generated descriptions use."""

from __future__ import annotations

import re

#: Nouns whose plural the rules below would get wrong.
_IRREGULAR = {"person": "people"}


def words(name: str) -> str:
    """`OrderStatus` or `lifecycleStage` -> "order status", "lifecycle stage"."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def plural(noun: str) -> str:
    """The plural of a lower-case English noun phrase: its last word takes the ending."""
    head, _, last = noun.rpartition(" ")
    if last in _IRREGULAR:
        last = _IRREGULAR[last]
    elif re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


#: Beginnings that are written with a vowel but spoken with a consonant ("a user").
_CONSONANT_SOUNDS = ("us", "uni", "uu", "eu", "one")


def article(noun: str) -> str:
    """The noun with "a" or "an" in front."""
    vowel = noun[:1] in "aeiou" and not noun.startswith(_CONSONANT_SOUNDS)
    return f"{'an' if vowel else 'a'} {noun}"
