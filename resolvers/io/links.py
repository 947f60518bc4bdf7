"""A customer row's place in the graph: its company, its account manager and its tags.

Columns of `--type customers` (also written by `rapport export --type customers`):

- `companyRegistrationNumber` or `companyDomain`: the company the BUSINESS account is the
  account of (ACCOUNT_OF), found by its registration number, else its domain;
- `accountManagerEmail`: the user who MANAGES the account;
- `tags`: `;`- or `|`-separated tag names, added (TAGGED; a tag is created on first use).

The rules are the mutations' (upsertCustomer, tag): only BUSINESS accounts have a company
(INVALID_FOR_KIND), a company is the account of one customer at most
(COMPANY_ALREADY_A_CUSTOMER), a company or user that does not exist is NOT_FOUND naming the
column and value. References are resolved against the database when the batch is written (so
import companies, then customers); a refused row writes nothing. A link already in place is not
written again, so a re-import changes nothing; links are counted in the report's `linked`, apart
from `updated` (they do not bump the customer's version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncManagedTransaction as Tx

from core.codes import WriteCode
from core.validation import Code, Validator
from graphdb.driver import run_in
from resolvers.io.report import RowError
from resolvers.writes.companies import domain
from resolvers.writes.tags import MAX_TAG_LENGTH, MAX_TAGS

LINK_COLUMNS = ("companyRegistrationNumber", "companyDomain", "accountManagerEmail", "tags")


@dataclass
class Links:
    """The references one customer row makes (None / empty: the row says nothing)."""

    registration: str | None = None
    domain: str | None = None
    manager: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def company(self) -> tuple[str, str] | None:
        """(column, value) naming the company, registration number first."""
        if self.registration is not None:
            return "companyRegistrationNumber", self.registration
        if self.domain is not None:
            return "companyDomain", self.domain
        return None

    def params(self, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "reg": self.registration,
            "domain": self.domain if self.registration is None else None,
            "manager": self.manager,
            "tags": self.tags,
        }


def read_links(v: Validator, row: dict[str, Any], kind: str | None) -> Links | None:
    """The row's link columns, validated; None when it has none."""
    if not any(c in row for c in LINK_COLUMNS):
        return None
    links = Links(
        registration=v.text(
            "companyRegistrationNumber", row.get("companyRegistrationNumber"), max_length=50
        ),
        domain=domain(v, "companyDomain", row.get("companyDomain")),
        manager=v.email("accountManagerEmail", row.get("accountManagerEmail")),
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
            links.company[0],
            WriteCode.INVALID_FOR_KIND,
            "Only BUSINESS customers can be linked to a company; an INDIVIDUAL cannot.",
        )
    return links


_CHECK = (
    "UNWIND $rows AS r "
    "OPTIONAL MATCH (a:Company {registrationNumber: r.reg}) "
    "OPTIONAL MATCH (b:Company {domain: r.domain}) "
    "WITH r, coalesce(a, b) AS co "
    "OPTIONAL MATCH (u:User {email: r.manager}) "
    "RETURN r.key AS key, co IS NOT NULL AS companyFound, u IS NOT NULL AS managerFound, "
    "co.id AS companyId, "
    "head([(co)<-[:ACCOUNT_OF]-(h:Customer) WHERE h.externalId <> r.key | h.externalId]) "
    "AS holder"
)

_LINK = (
    "UNWIND $rows AS r MATCH (c:Customer {externalId: r.key}) "
    "CALL (c, r) { "
    "  OPTIONAL MATCH (a:Company {registrationNumber: r.reg}) "
    "  OPTIONAL MATCH (b:Company {domain: r.domain}) "
    "  WITH c, coalesce(a, b) AS co WHERE co IS NOT NULL AND NOT (c)-[:ACCOUNT_OF]->(co) "
    "  OPTIONAL MATCH (c)-[old:ACCOUNT_OF]->(:Company) DELETE old "
    "  WITH DISTINCT c, co MERGE (c)-[:ACCOUNT_OF]->(co) RETURN count(*) AS companies } "
    "CALL (c, r) { "
    "  OPTIONAL MATCH (u:User {email: r.manager}) "
    "  WITH c, u WHERE u IS NOT NULL AND NOT (u)-[:MANAGES]->(c) "
    "  OPTIONAL MATCH (c)<-[old:MANAGES]-(:User) DELETE old "
    "  WITH DISTINCT c, u MERGE (u)-[:MANAGES]->(c) RETURN count(*) AS managers } "
    "CALL (c, r) { "
    "  UNWIND r.tags AS name MERGE (g:Tag {key: toLower(name)}) "
    "  ON CREATE SET g.id = randomUUID(), g.name = name, g.createdAt = datetime($now), "
    "  g.updatedAt = datetime($now), g.version = 1 "
    "  WITH c, g WHERE NOT (c)-[:TAGGED]->(g) MERGE (c)-[:TAGGED]->(g) RETURN count(*) AS tags } "
    "RETURN sum(CASE WHEN companies + managers + tags > 0 THEN 1 ELSE 0 END) AS linked"
)


async def check_links(
    tx: Tx, rows: list[tuple[list[int], str, Links]]
) -> dict[str, list[RowError]]:
    """Errors (by customer key) for references that do not resolve or break a rule; the
    batch's own rows count too (two accounts for one company)."""
    params = [links.params(key) for _, key, links in rows]
    found = {r["key"]: r for r in await run_in(tx, _CHECK, {"rows": params})}
    errors: dict[str, list[RowError]] = {}
    taken: dict[str, str] = {}
    for numbers, key, links in rows:
        answer = found[key]
        problems: list[tuple[str, str, str]] = []
        company = links.company
        if company is not None:
            column, value = company
            if not answer["companyFound"]:
                what = "registration number" if column.startswith("companyReg") else "domain"
                problems.append(
                    (
                        column,
                        WriteCode.NOT_FOUND,
                        f"No company has the {what} {value!r}; import the companies first.",
                    )
                )
            elif answer["holder"] is not None or taken.get(answer["companyId"], key) != key:
                holder = answer["holder"] or taken[answer["companyId"]]
                problems.append(
                    (
                        column,
                        WriteCode.COMPANY_ALREADY_A_CUSTOMER,
                        f"Company {value!r} already is the account of customer {holder!r}.",
                    )
                )
            else:
                taken[answer["companyId"]] = key
        if links.manager is not None and not answer["managerFound"]:
            problems.append(
                (
                    "accountManagerEmail",
                    WriteCode.NOT_FOUND,
                    f"No user has the e-mail {links.manager!r}; create the user first.",
                )
            )
        if problems:
            errors[key] = [
                RowError(n, column, code, message, column)
                for n in numbers
                for column, code, message in problems
            ]
    return errors


async def write_links(tx: Tx, rows: list[tuple[str, Links]], now: str) -> int:
    """Link the (already written) customers; the number of customers whose links changed."""
    if not rows:
        return 0
    params = [links.params(key) for key, links in rows]
    result = await run_in(tx, _LINK, {"rows": params, "now": now})
    return int(result[0]["linked"]) if result else 0
