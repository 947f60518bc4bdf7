"""A row's place in the graph: a customer's company, account manager, tags and consents; a
contact's company (its job there) and manager.

Columns of `--type customers` (the first four are also written by `rapport export`):

- `companyRegistrationNumber`, `companyDomain` or `companyName`: the company the BUSINESS
  account is the account of (ACCOUNT_OF), found by that key (a name must name one company);
- `accountManagerEmail`: the user who MANAGES the account;
- `tags`: `;`- or `|`-separated tag names, added (TAGGED; a tag is created on first use);
- `consents`: `;`- or `|`-separated `CHANNEL:purpose` (granted) or `CHANNEL:purpose=no`
  (withdrawn), recorded at `consentRecordedAt` (default: the import) from `consentSource`
  (default "import").

Columns of `--type contacts`: the company (`companyRegistrationNumber`, `companyDomain`,
`companyExternalId` or `companyName`) with `jobTitle`, `department`, `seniority`,
`decisionRole` (one WORKS_AT, as setEmployment), and the manager (`reportsToEmail` or
`reportsToExternalId`, as setReportsTo).

The rules are the mutations' (upsertCustomer, tag, recordConsent, setEmployment, setReportsTo):
only BUSINESS accounts have a company (INVALID_FOR_KIND), a company is the account of one
customer at most (COMPANY_ALREADY_A_CUSTOMER), a company or user that does not exist is
NOT_FOUND naming the column and value. A refused row writes nothing. A link already in place is
not written again and a consent already in force is not recorded again, so a re-import changes
nothing; links are counted in the report's `linked`, apart from `updated` (they do not bump the
record's version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncManagedTransaction as Tx

from core.codes import WriteCode
from core.model import CONSENT_CHANNELS
from core.validation import Code, Validator
from graphdb.driver import run_in
from graphdb.io import links as cypher
from resolvers.io.report import RowError
from resolvers.writes.companies import domain
from resolvers.writes.tags import MAX_TAG_LENGTH, MAX_TAGS

#: the customer columns `rapport export --type customers` writes too
EXPORTED_LINK_COLUMNS = (
    "companyRegistrationNumber",
    "companyDomain",
    "accountManagerEmail",
    "tags",
)
LINK_COLUMNS = (
    *EXPORTED_LINK_COLUMNS,
    "companyName",
    "consents",
    "consentRecordedAt",
    "consentSource",
)
#: a contact's employer, by the key the file has
CONTACT_COMPANY_COLUMNS = (
    "companyRegistrationNumber",
    "companyDomain",
    "companyExternalId",
    "companyName",
)
REPORTS_TO_COLUMNS = ("reportsToEmail", "reportsToExternalId")

#: company column → the Company property it names
COMPANY_KEYS = {
    "companyRegistrationNumber": "registrationNumber",
    "companyDomain": "domain",
    "companyExternalId": "externalId",
    "companyName": "name",
}
_KEY_WORDS = {
    "registrationNumber": "registration number",
    "domain": "domain",
    "externalId": "externalId",
    "name": "name",
}
MAX_CONSENTS = 20
_SPLIT = re.compile(r"[;|]")
_CONSENT = re.compile(r"\s*([A-Za-z]+)\s*:\s*([^=]+?)\s*(?:=\s*(\S+)\s*)?")


@dataclass(frozen=True)
class CompanyRef:
    """A company named in a row: the column, the Company property and the value."""

    column: str
    key_prop: str
    value: str


def read_company(v: Validator, row: dict[str, Any], columns: tuple[str, ...]) -> CompanyRef | None:
    """The first company column of `columns` the row fills in, validated."""
    for column in columns:
        if column not in row:
            continue
        if column == "companyDomain":
            value = domain(v, column, row.get(column))
        elif column == "companyName":
            value = v.text(column, row.get(column), max_length=200)
        else:
            value = v.text(column, row.get(column), max_length=50)
        return CompanyRef(column, COMPANY_KEYS[column], value) if value else None
    return None


def company_problem(ref: CompanyRef, ids: list[str]) -> tuple[str, str, str] | None:
    """(column, code, message) when the reference names no company or, by name, several."""
    if not ids:
        return (
            ref.column,
            WriteCode.NOT_FOUND,
            f"No company has the {_KEY_WORDS[ref.key_prop]} {ref.value!r}; import the "
            "companies first.",
        )
    if len(ids) > 1:
        return (
            ref.column,
            Code.INVALID_VALUE,
            f"{len(ids)} companies are named {ref.value!r}; name the company by its "
            "registration number or domain instead.",
        )
    return None


async def find_companies(tx: Tx, refs: list[CompanyRef]) -> list[list[str]]:
    """The ids of the companies each reference names, in order (one statement)."""
    if not refs:
        return []
    rows = [{"i": i, "keyProp": r.key_prop, "value": r.value} for i, r in enumerate(refs)]
    found = {
        r["i"]: list(r["ids"]) for r in await run_in(tx, cypher.FIND_COMPANIES, {"rows": rows})
    }
    return [found.get(i, []) for i in range(len(refs))]


@dataclass
class Links:
    """The references one customer row makes (None / empty: the row says nothing)."""

    company: CompanyRef | None = None
    manager: str | None = None
    tags: list[str] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)

    def params(self, key: str, company_id: str | None) -> dict[str, Any]:
        return {
            "key": key,
            "companyId": company_id,
            "manager": self.manager,
            "tags": self.tags,
            "consents": self.consents,
        }


def _consents(v: Validator, row: dict[str, Any]) -> list[dict[str, Any]]:
    raw = row.get("consents")
    if raw is None:
        return []
    items = [
        i for i in (raw if isinstance(raw, list) else _SPLIT.split(str(raw))) if str(i).strip()
    ]
    if len(items) > MAX_CONSENTS:
        v.add("consents", Code.OUT_OF_RANGE, f"At most {MAX_CONSENTS} consents per row.")
        return []
    recorded = v.datetime("consentRecordedAt", row.get("consentRecordedAt"))
    source = v.text("consentSource", row.get("consentSource"), max_length=200) or "import"
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        match = _CONSENT.fullmatch(str(item))
        channel = match[1].upper() if match else None
        if match is None or channel not in CONSENT_CHANNELS:
            v.add(
                ("consents", str(i)),
                Code.INVALID_VALUE,
                f"{str(item).strip()!r} is not a consent; write CHANNEL:purpose (granted) or "
                f"CHANNEL:purpose=no (withdrawn), CHANNEL one of {', '.join(CONSENT_CHANNELS)}.",
            )
            continue
        granted = True if match[3] is None else v.boolean(("consents", str(i)), match[3])
        purpose = v.text(("consents", str(i)), match[2], max_length=100)
        if granted is None or purpose is None:
            continue
        out.append(
            {
                "channel": channel,
                "purpose": purpose,
                "granted": granted,
                "recordedAt": recorded.isoformat() if recorded else None,
                "source": source,
            }
        )
    return out


def read_links(v: Validator, row: dict[str, Any], kind: str | None) -> Links | None:
    """The row's link columns, validated; None when it has none."""
    if not any(c in row for c in LINK_COLUMNS):
        return None
    links = Links(
        company=read_company(v, row, ("companyRegistrationNumber", "companyDomain", "companyName")),
        manager=v.email("accountManagerEmail", row.get("accountManagerEmail")),
        consents=_consents(v, row),
    )
    raw_tags = row.get("tags")
    if raw_tags is not None:
        items = (
            raw_tags if isinstance(raw_tags, list) else str(raw_tags).replace("|", ";").split(";")
        )
        items = [i for i in items if not (isinstance(i, str) and not i.strip())]
        if len(items) > MAX_TAGS:
            v.add("tags", Code.OUT_OF_RANGE, f"At most {MAX_TAGS} tags.")
        for item in items[:MAX_TAGS]:
            name = v.text("tags", item, max_length=MAX_TAG_LENGTH)
            if name is not None and name.lower() not in links.tags:
                links.tags.append(name.lower())
    if links.company is not None and kind == "INDIVIDUAL":
        v.add(
            links.company.column,
            WriteCode.INVALID_FOR_KIND,
            "Only BUSINESS customers can be linked to a company; an INDIVIDUAL cannot.",
        )
    return links


@dataclass
class Checked:
    """Customer links checked against the database: errors by customer key, and the company id
    each linkable customer gets."""

    errors: dict[str, list[RowError]]
    company_ids: dict[str, str | None]


async def check_links(tx: Tx, rows: list[tuple[list[int], str, Links]]) -> Checked:
    """Errors (by customer key) for references that do not resolve or break a rule; the
    batch's own rows count too (two accounts for one company)."""
    refs = [links.company for _, _, links in rows if links.company is not None]
    ids = iter(await find_companies(tx, refs))
    company_ids: dict[str, str | None] = {}
    problems_of: dict[str, list[tuple[str, str, str]]] = {}
    for _, key, links in rows:
        problems_of[key] = []
        company_ids[key] = None
        if links.company is not None:
            found = next(ids)
            problem = company_problem(links.company, found)
            if problem is not None:
                problems_of[key].append(problem)
            else:
                company_ids[key] = found[0]
    params = [links.params(key, company_ids[key]) for _, key, links in rows]
    answers = {r["key"]: r for r in await run_in(tx, cypher.CHECK_CUSTOMER_LINKS, {"rows": params})}
    taken: dict[str, str] = {}
    for _, key, links in rows:
        answer = answers[key]
        company_id = company_ids[key]
        if company_id is not None and links.company is not None:
            holder = answer["holder"] or (
                taken[company_id] if taken.get(company_id, key) != key else None
            )
            if holder is not None:
                problems_of[key].append(
                    (
                        links.company.column,
                        WriteCode.COMPANY_ALREADY_A_CUSTOMER,
                        f"Company {links.company.value!r} already is the account of customer "
                        f"{holder!r}.",
                    )
                )
            else:
                taken[company_id] = key
        if links.manager is not None and not answer["managerFound"]:
            problems_of[key].append(
                (
                    "accountManagerEmail",
                    WriteCode.NOT_FOUND,
                    f"No user has the e-mail {links.manager!r}; create the user first.",
                )
            )
    errors = {
        key: [
            RowError(n, column, code, message, column)
            for n in numbers
            for column, code, message in problems_of[key]
        ]
        for numbers, key, _ in rows
        if problems_of[key]
    }
    return Checked(errors, company_ids)


async def write_links(
    tx: Tx, rows: list[tuple[str, Links]], company_ids: dict[str, str | None], now: str
) -> int:
    """Link the (already written) customers; the number of customers whose links changed."""
    if not rows:
        return 0
    params = [links.params(key, company_ids.get(key)) for key, links in rows]
    result = await run_in(tx, cypher.LINK_CUSTOMERS, {"rows": params, "now": now})
    return int(result[0]["linked"]) if result else 0
