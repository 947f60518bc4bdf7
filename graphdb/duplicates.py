"""Blocking for duplicateCandidates: one statement that groups records sharing a cheap key.

Comparing every customer with every other one is quadratic (5·10⁹ pairs at 100k customers), so
the statement never pairs records: it computes a handful of *blocking keys* per record, groups
records by key, and returns only the groups ("blocks") with at least two and at most
`$maxBlock` members. The pairs are formed and scored in Python (resolvers/duplicates.py), where
rapidfuzz is. A true duplicate is found when it shares at least one key with its original:

| key | value |
|---|---|
| `e` | the e-mail, trimmed and lower-cased (Gmail: dots and `+tag` dropped from the local part) |
| `p` | the last 8 digits of the phone number, whatever its formatting (E.164, national, spaced) |
| `n` | normalised city + the first / last name token (contacts only without a job: see `c`) |
| `c` | a company the record is linked to (`WORKS_AT` / `ACCOUNT_OF`) + one name token |
| `d` | a non-free-mail e-mail domain + one name token (records without a company link) |

Names are lower-cased, stripped of diacritics (NFD, then the combining marks Latin scripts use
are dropped) and split into tokens on spaces and punctuation; tokens shorter than two characters and
legal forms (`$stopTokens`: s.r.o. becomes the tokens s, r, o) are ignored. Keys are prefixed
with the record's label so customers and contacts never share a block.
"""

from __future__ import annotations

#: Labels duplicateCandidates compares, with the stored name and the companies a record is
#: linked to.
SOURCES: dict[str, tuple[str, str]] = {
    "Customer": ("coalesce(n.name, '')", "[(n)-[:ACCOUNT_OF]->(co:Company) | co.id]"),
    "Contact": (
        "coalesce(n.fullName, trim(coalesce(n.firstName, '') + ' ' + coalesce(n.lastName, '')))",
        "[(n)-[:WORKS_AT]->(co:Company) | co.id]",
    ),
}

#: Free-mail domains: a shared one says nothing about two records (SAME_DOMAIN ignores them).
FREEMAIL_DOMAINS: tuple[str, ...] = (
    "126.com",
    "163.com",
    "aol.com",
    "azet.sk",
    "btinternet.com",
    "centrum.cz",
    "centrum.sk",
    "email.cz",
    "gmail.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hotmail.com",
    "icloud.com",
    "interia.pl",
    "live.com",
    "mail.ru",
    "o2.pl",
    "onet.pl",
    "outlook.com",
    "outlook.pt",
    "post.sk",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "sapo.pt",
    "seznam.cz",
    "t-online.de",
    "web.de",
    "wp.pl",
    "yahoo.co.uk",
    "yahoo.com",
)

#: Name tokens that say nothing about identity: legal forms (after punctuation is removed)
#: and titles.
STOP_TOKENS: tuple[str, ...] = (
    "ag",
    "bsc",
    "co",
    "dipl",
    "dr",
    "gmbh",
    "inc",
    "ing",
    "kg",
    "lda",
    "llc",
    "ltd",
    "mgr",
    "mr",
    "mrs",
    "ms",
    "phd",
    "plc",
    "sa",
    "sp",
    "spol",
    "sro",
    "und",
)

#: Characters that separate name tokens (replaced by a space before splitting).
SEPARATORS: tuple[str, ...] = (".", ",", "-", "'", "&", "/", "(", ")", '"', "+", "_", ";", ":")


#: Combining marks left by NFD on Latin letters (acute, grave, circumflex, tilde, macron, breve,
#: dot above, diaeresis, ring, double acute, caron, cedilla, ogonek): dropping them turns
#: "Šťastná" into "stastna". A chain of replace() calls runs natively; a per-character reduce()
#: was ~5x slower.
_MARKS = (0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x30A, 0x30B, 0x30C, 0x327, 0x328)
COMBINING_MARKS: tuple[str, ...] = tuple(chr(c) for c in _MARKS)

#: Characters removed from phone numbers before their last 8 digits are taken.
PHONE_NOISE: tuple[str, ...] = (" ", "-", "(", ")", ".", "/", "+", "\u00a0")


def _literal(text: str) -> str:
    """A Cypher string literal of a constant from this module (never of user input)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _replace_all(expr: str, chars: tuple[str, ...], by: str) -> str:
    for ch in chars:
        expr = f"replace({expr}, {_literal(ch)}, {_literal(by)})"
    return expr


def _tokens(name: str) -> str:
    """The tokens of a normalised name."""
    plain = _replace_all(
        _replace_all(f"normalize(toLower({name}), NFD)", COMBINING_MARKS, ""), SEPARATORS, " "
    )
    return f"[t IN split({plain}, ' ') WHERE size(t) >= 2 AND NOT t IN $stopTokens]"


#: the first and the last of the name `tokens` (one token: that one)
_NAME_KEYS = "CASE size(tokens) WHEN 0 THEN [] WHEN 1 THEN tokens ELSE [tokens[0], tokens[-1]] END"


_EMAIL = "toLower(trim(coalesce(n.email, '')))"
_DOMAIN = f"CASE WHEN {_EMAIL} CONTAINS '@' THEN split({_EMAIL}, '@')[-1] ELSE '' END"


def _family_keys(family: str, label: str) -> str:
    """`WITH n, <keys> AS keys` for one key family of `label` records (see the module doc)."""
    name, companies = SOURCES[label]
    if family == "e":
        return (
            f"WITH n, {_EMAIL} AS email, {_DOMAIN} AS domain "
            "WITH n, CASE WHEN NOT email CONTAINS '@' THEN [] "
            "WHEN domain IN ['gmail.com', 'googlemail.com'] "
            "THEN [replace(split(split(email, '@')[0], '+')[0], '.', '') + '@gmail.com'] "
            "ELSE [email] END AS keys"
        )
    if family == "p":
        digits = _replace_all("coalesce(n.phone, '')", PHONE_NOISE, "")
        return (
            f"WITH n, {digits} AS digits "
            "WITH n, CASE WHEN size(digits) >= 8 THEN [right(digits, 8)] ELSE [] END AS keys"
        )
    if family == "n":
        return (
            "WITH n, toLower(trim(coalesce(n.city, ''))) AS city WHERE city <> '' "
            f"WITH n, city, {_tokens(name)} AS tokens "
            f"WITH n, [t IN {_NAME_KEYS} | city + '|' + t] AS keys"
        )
    if family == "c":
        return (
            f"WITH n, {companies} AS companies WHERE size(companies) > 0 "
            f"WITH n, companies, {_tokens(name)} AS tokens "
            f"WITH n, companies, {_NAME_KEYS} AS tokens "
            "WITH n, reduce(acc = [], co IN companies | acc + [t IN tokens | co + '|' + t]) AS keys"
        )
    if family == "d":
        # records linked to a company already meet their colleagues through family c
        return (
            f"WITH n, {_DOMAIN} AS domain WHERE domain <> '' AND NOT domain IN $freemail "
            f"WITH n, domain, {_tokens(name)} AS tokens "
            f"WITH n, [t IN {_NAME_KEYS} | domain + '|' + t] AS keys"
        )
    raise ValueError(family)


_LINK = {"Customer": "(n)-[:ACCOUNT_OF]->(:Company)", "Contact": "(n)-[:WORKS_AT]->(:Company)"}
FAMILIES = ("e", "p", "n", "c", "d")


#: (label, family) pairs that skip records linked to a company: they meet their colleagues (and
#: duplicates) through family c. Business customers keep family n: two accounts of one firm may
#: point to two Company nodes.
_UNLINKED_ONLY = {("Customer", "d"), ("Contact", "d"), ("Contact", "n")}


def _branch(label: str, family: str) -> str:
    where = f"WHERE NOT EXISTS {{ {_LINK[label]} }} " if (label, family) in _UNLINKED_ONLY else ""
    return (
        f"MATCH (n:{label}) {where}{_family_keys(family, label)} "
        "UNWIND keys AS key WITH key, collect(n) AS ns "
        "WHERE size(ns) >= 2 AND size(ns) <= $maxBlock "
        f"RETURN '{label}|{family}|' + key AS key, ns"
    )


def blocks(labels: tuple[str, ...]) -> str:
    """Blocks of `labels` records sharing a key: rows `{key, members}`, 2..$maxBlock members.

    One UNION ALL branch per label and key family, each grouping only its own keys, so the
    statement never holds every key of every record at once (that overflowed the transaction
    memory limit at 100k customers / 330k contacts). Parameters: `$maxBlock`, `$freemail`
    (FREEMAIL_DOMAINS), `$stopTokens` (STOP_TOKENS). The key starts with the members' label;
    each member is `{id, name, email, phone, city, country, companies}` as stored, and
    resolvers/duplicates.py normalises and compares them.
    """
    if not labels or any(label not in SOURCES for label in labels):
        raise ValueError(f"unknown labels {labels!r}")
    union = " UNION ALL ".join(_branch(label, f) for label in labels for f in FAMILIES)
    return (
        f"CALL () {{ {union} }} "
        "RETURN key, [m IN ns | m {.id, .email, .phone, .city, .country, "
        "name: coalesce(m.name, m.fullName, trim(coalesce(m.firstName, '') + ' ' + "
        "coalesce(m.lastName, ''))), "
        "companies: [(m)-[:ACCOUNT_OF|WORKS_AT]->(co:Company) | co.id]}] AS members"
    )
