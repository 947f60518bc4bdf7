"""duplicateCandidates: customers (and contacts) that are probably the same person or company.

Two steps, two statements (docs/duplicates.md):

1. **Blocking, in Cypher** (graphdb/duplicates.py): one statement groups the records by cheap
   keys (normalised e-mail, the phone's last digits, city + a name token, company + a name
   token, domain + a name token) and returns only groups of 2..MAX_BLOCK records. No pair of
   records is ever formed in the database, so the cost is linear in the number of records.
2. **Scoring, in Python** (this module): the pairs inside each block are compared with
   rapidfuzz (edit-distance similarity of the normalised names) and libphonenumber (E.164
   through the same validator the mutations use). This is the one read path that post-processes
   in Python: Cypher has no string-similarity function (APOC is not installed, and its
   Levenshtein would still be per pair, in an interpreted loop) and no phone-number parser, and
   the comparisons are a few thousand cheap calls on a few thousand small records.

A third statement reads the fields the client selected on the ≤ `first` pairs returned, with
the same projection (and the same personal-data masking) as any other read.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz

from core import global_id
from core.validation import Validator
from graphdb import duplicates as cypher
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.intelligence import Union
from graphdb.compiler.planner import Planner
from graphdb.compiler.records import compile_union_records
from graphdb.compiler.visibility import Visibility
from graphdb.driver import Graph
from resolvers.call import Call

#: Largest block the statement returns; a bigger one (say, 500 customers called "Jan" in one
#: city) is dropped, and its records still meet through their other keys.
MAX_BLOCK = 100

#: Name similarity (0-1, rapidfuzz token-sort ratio of the normalised names) from which a pair
#: has the reason SIMILAR_NAME.
NAME_SIMILAR = 0.85

#: Score weights (docs/duplicates.md). Agreement first: SAME_EMAIL adds W_EMAIL, SAME_PHONE
#: W_PHONE, the name W_NAME * ramp(similarity), where the ramp rises linearly from 0 at
#: NAME_FLOOR to 1 at NAME_FULL; SAME_COMPANY / SAME_CITY / SAME_DOMAIN add W_CONTEXT (plus
#: W_CONTEXT_MORE for each further one) only together with SIMILAR_NAME (SAME_DOMAIN not with
#: SAME_EMAIL, which implies it). The sum is capped at 1. Then disagreement: two different phone
#: numbers take off P_PHONE, two different cities P_CITY (a field empty on either side is no
#: evidence either way). score = max(0, min(1, agreement) - disagreement).
W_EMAIL, W_PHONE, W_NAME, W_CONTEXT, W_CONTEXT_MORE = 0.5, 0.4, 0.6, 0.25, 0.05
NAME_FLOOR, NAME_FULL = 0.7, 0.95
P_PHONE, P_CITY = 0.15, 0.2

KINDS = {"CUSTOMER": "Customer", "CONTACT": "Contact"}
LABELS = ("Customer", "Contact")


class Reason(StrEnum):
    SAME_EMAIL = "SAME_EMAIL"
    SAME_PHONE = "SAME_PHONE"
    SIMILAR_NAME = "SIMILAR_NAME"
    SAME_COMPANY = "SAME_COMPANY"
    SAME_CITY = "SAME_CITY"
    SAME_DOMAIN = "SAME_DOMAIN"


_FREEMAIL = frozenset(cypher.FREEMAIL_DOMAINS)
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_STOP = frozenset(cypher.STOP_TOKENS)
_SEPARATORS = str.maketrans({ch: " " for ch in cypher.SEPARATORS})


# --- normalisation ------------------------------------------------------------------------------


def normalise_email(value: str | None) -> str | None:
    """Trimmed and lower-cased; for Gmail also without dots and `+tag` in the local part."""
    if not value:
        return None
    email = value.strip().lower()
    if "@" not in email:
        return email or None
    local, _, domain = email.rpartition("@")
    if domain in ("gmail.com", "googlemail.com"):
        return local.split("+", 1)[0].replace(".", "") + "@gmail.com"
    return email


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rpartition("@")[2] or None


def normalise_phone(value: str | None, country: str | None, default_region: str) -> str | None:
    """E.164 through the mutations' validator (local numbers read in the record's country);
    the bare digits when the stored number does not parse."""
    if not value:
        return None
    if _E164.fullmatch(value):  # what the mutations store: nothing to parse
        return value
    v = Validator(("phone",), default_region)
    e164 = v.phone("phone", value, region=country if country else None)
    if e164 is not None:
        return e164
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits or None


def normalise_name(value: str | None) -> str:
    """Lower case, no diacritics, separators as spaces, legal forms and titles dropped."""
    decomposed = unicodedata.normalize("NFD", (value or "").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    tokens = [t for t in plain.translate(_SEPARATORS).split() if len(t) >= 2 and t not in _STOP]
    return " ".join(tokens)


def normalise_city(value: str | None) -> str | None:
    return (value or "").strip().lower() or None


@dataclass(frozen=True)
class Record:
    type_name: str
    raw_id: str
    global_id: str
    email: str | None
    domain: str | None
    phone: str | None
    name: str
    city: str | None
    companies: frozenset[str]

    @classmethod
    def of(cls, type_name: str, member: Mapping[str, Any], default_region: str) -> Record:
        email = normalise_email(member.get("email"))
        return cls(
            type_name=type_name,
            raw_id=str(member["id"]),
            global_id=global_id.encode(type_name, str(member["id"])),
            email=email,
            domain=email_domain(email),
            phone=normalise_phone(member.get("phone"), member.get("country"), default_region),
            name=normalise_name(member.get("name")),
            city=normalise_city(member.get("city")),
            companies=frozenset(member.get("companies") or ()),
        )


# --- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    a: Record
    b: Record
    score: float
    reasons: tuple[Reason, ...]


def name_similarity(a: str, b: str) -> float:
    """0-1: rapidfuzz's token-sort ratio (Indel distance after sorting the tokens)."""
    if not a or not b:
        return 0.0
    return float(fuzz.token_sort_ratio(a, b)) / 100.0


def score_pair(a: Record, b: Record) -> Candidate:
    """The pair's score and reasons; `a` and `b` are ordered by global id."""
    if b.global_id < a.global_id:
        a, b = b, a
    reasons: list[Reason] = []
    score = 0.0
    if a.email and a.email == b.email:
        reasons.append(Reason.SAME_EMAIL)
        score += W_EMAIL
    if a.phone and a.phone == b.phone:
        reasons.append(Reason.SAME_PHONE)
        score += W_PHONE
    similarity = name_similarity(a.name, b.name)
    similar = similarity >= NAME_SIMILAR
    if similar:
        reasons.append(Reason.SIMILAR_NAME)
    score += W_NAME * min(1.0, max(0.0, (similarity - NAME_FLOOR) / (NAME_FULL - NAME_FLOOR)))
    context = [
        reason
        for reason, holds in (
            (Reason.SAME_COMPANY, bool(a.companies & b.companies)),
            (Reason.SAME_CITY, a.city is not None and a.city == b.city),
            (
                Reason.SAME_DOMAIN,
                a.domain is not None and a.domain == b.domain and a.domain not in _FREEMAIL,
            ),
        )
        if holds
    ]
    reasons += context
    counted = [r for r in context if not (r is Reason.SAME_DOMAIN and a.email == b.email)]
    if similar and counted:
        score += W_CONTEXT + W_CONTEXT_MORE * (len(counted) - 1)
    score = min(1.0, score)
    if a.phone and b.phone and a.phone != b.phone:
        score -= P_PHONE
    if a.city and b.city and a.city != b.city:
        score -= P_CITY
    return Candidate(a, b, round(max(0.0, score), 4), tuple(reasons))


def candidates(
    blocks: Iterable[Mapping[str, Any]], default_region: str, min_score: float
) -> list[Candidate]:
    """Every pair inside a block, once, scored; those reaching `min_score`, best first.

    Ties are ordered by a's global id, then b's.
    """
    records: dict[str, Record] = {}
    pairs: set[tuple[str, str]] = set()
    for block in blocks:
        type_name = str(block["key"]).split("|", 1)[0]
        ids: list[str] = []
        for member in block["members"]:
            raw = str(member["id"])
            if raw not in records:
                records[raw] = Record.of(type_name, member, default_region)
            ids.append(raw)
        for x, y in itertools.combinations(sorted(set(ids)), 2):
            pairs.add((x, y))
    found = [score_pair(records[x], records[y]) for x, y in pairs]
    kept = [c for c in found if c.score >= min_score]
    kept.sort(key=lambda c: (-c.score, c.a.global_id, c.b.global_id))
    return kept


def block_params(labels: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    return cypher.blocks(labels), {
        "maxBlock": MAX_BLOCK,
        "freemail": list(cypher.FREEMAIL_DOMAINS),
        "stopTokens": list(cypher.STOP_TOKENS),
    }


async def find(
    graph: Graph,
    labels: tuple[str, ...],
    min_score: float,
    default_region: str,
    timeout_s: float | None = None,
) -> list[Candidate]:
    """Detection without GraphQL (the benchmark uses it): one statement, then scoring."""
    statement, params = block_params(labels)
    rows = await graph.read(statement, params, timeout_s=timeout_s)
    return candidates(rows, default_region, min_score)


# --- the GraphQL field --------------------------------------------------------------------------


def _check_arguments(call: Call, first: int, min_score: float) -> None:
    maximum = call.settings.max_page_size
    if not 0 <= first <= maximum:
        raise QueryArgumentError(
            f"`first` must be between 0 and {maximum}.",
            code="PAGE_TOO_LARGE" if first > maximum else "INVALID_PAGINATION",
            argument="first",
        )
    if not 0 <= min_score <= 1:
        raise QueryArgumentError(
            "`minScore` must be between 0 and 1.", code="OUT_OF_RANGE", argument="minScore"
        )


async def duplicate_candidates(
    call: Call, first: int, kind: str | None, min_score: float
) -> list[dict[str, Any]]:
    # The reasons ("same e-mail", "same phone") speak about personal data, so only the roles
    # that see personal data everywhere, and that may merge, can ask.
    principal = call.principal
    if principal is not None and principal.role not in ("ADMIN", "MANAGER"):
        raise QueryArgumentError(
            "duplicateCandidates is for ADMIN and MANAGER users, who can merge records.",
            code="FORBIDDEN",
            argument="duplicateCandidates",
        )
    _check_arguments(call, first, min_score)
    labels = (KINDS[kind],) if kind is not None else LABELS
    settings = call.settings
    # The blocking scan reads every record of the kinds asked for, so it gets the analysis
    # timeout rather than the interactive one (38 s for both kinds at 100k customers).
    found = await find(
        call.graph,
        labels,
        min_score,
        settings.default_phone_region,
        settings.analysis_tx_timeout_s,
    )
    top = found[:first]
    if not top:
        return []
    field = call.selection.top
    visibility = Visibility.of(call)
    planner = Planner(settings.max_page_size, visibility)
    entities = {
        child.key: planner.union(child, f"{field.key}.{child.key}", LABELS)
        for child in field.children
        if child.name in ("a", "b")
    }
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    if entities:
        rows = await _project(call, entities, top)
    out: list[dict[str, Any]] = []
    for c in top:
        row: dict[str, Any] = {}
        missing = False
        for child in field.children:
            if child.name == "score":
                row[child.key] = c.score
            elif child.name == "reasons":
                row[child.key] = [str(r) for r in c.reasons]
            elif child.name in ("a", "b"):
                record = c.a if child.name == "a" else c.b
                projected = rows.get((record.type_name, record.raw_id))
                if projected is None:  # deleted between the two statements
                    missing = True
                    break
                row[child.key] = entities[child.key].post(projected[child.key])
        if not missing:
            out.append(row)
    return out


async def _project(
    call: Call, entities: dict[str, Union], top: list[Candidate]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The selected fields of every record in `top`, one statement."""
    ids: dict[str, set[str]] = {label: set() for label in LABELS}
    for c in top:
        ids[c.a.type_name].add(c.a.raw_id)
        ids[c.b.type_name].add(c.b.raw_id)
    compiled = compile_union_records(entities, ids, Visibility.of(call))
    found: dict[tuple[str, str], dict[str, Any]] = compiled.shape(
        await call.graph.read(compiled.cypher, compiled.params)
    )
    return found
