"""The statements of `rapport export` (resolvers/io/export.py streams and formats their rows),
built from the compiler's filters, consent rule and masking.

Each reads one keyset page of one entity type by ascending id (`WHERE n.id > $after ORDER BY
n.id LIMIT $limit`, served by the id uniqueness index), so the millionth row costs what the
first did. Personal fields are masked *in the Cypher*, with the guards the GraphQL reads use
(graphdb/compiler/visibility.py); a segment's members are selected by the same compiled filter
and consent rule as `Segment.customers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.model import ENTITIES
from core.model import Kind as PropKind
from graphdb.compiler.connection import consent_granted
from graphdb.compiler.filters import predicate as filter_predicate
from graphdb.compiler.plan import Emitter
from graphdb.compiler.visibility import Visibility, masked
from graphdb.segments import SavedSegment


def _value(label: str, prop: str, var: str, visibility: Visibility) -> str:
    """The Cypher for one exported property: temporal as ISO text, personal ones masked."""
    definition = ENTITIES[label].props[prop]
    expr = f"{var}.{prop}"
    if definition.kind in (PropKind.DATE, PropKind.DATETIME):
        expr = f"toString({expr})"
    if definition.personal:
        guard = visibility.guard(label)
        expr = masked(expr.replace(f"{var}.", "{n}."), guard).format(n=var)
    return expr


def _members(segment: SavedSegment, em: Emitter) -> str:
    """` AND <members of the segment>` over `n`, with its values as parameters in `em`. The
    caller has checked that the segment is valid and that the viewer may use its filter."""
    conds = []
    flt = filter_predicate(ENTITIES["Customer"], "n", segment.filter, em.params, em.vars)
    if flt:
        conds.append(flt)
    if segment.consent:
        conds.append(consent_granted("n", segment.consent, em))
    return "".join(f" AND ({c})" for c in conds)


def node_page(
    label: str,
    columns: Sequence[str],
    visibility: Visibility,
    page_size: int,
    segment: SavedSegment | None = None,
) -> tuple[str, dict[str, Any]]:
    """A page of `label` records (of `segment`'s members), the model's `columns` as a map;
    customers also carry their aggregates, company keys, account manager and tags."""
    em = Emitter()
    members = _members(segment, em) if segment is not None else ""
    fields = ", ".join(
        f"{c}: {_value(label, c, 'n', visibility)}"
        for c in columns
        if c in ENTITIES[label].props and c not in ("orderCount", "totalSpent")
    )
    extra = (
        ", orderCount: coalesce(n.orderCount, 0), totalSpent: coalesce(n.totalSpent, 0), "
        "companyRegistrationNumber: head([(n)-[:ACCOUNT_OF]->(co:Company) | "
        "co.registrationNumber]), "
        "companyDomain: head([(n)-[:ACCOUNT_OF]->(co:Company) | co.domain]), "
        "accountManagerEmail: head([(n)<-[:MANAGES]-(u:User) | u.email]), "
        "tags: [(n)-[:TAGGED]->(g:Tag) | g.name]"
        if label == "Customer"
        else ""
    )
    statement = (
        f"MATCH (n:{ENTITIES[label].label}) WHERE n.id > $after{members} "
        "WITH n ORDER BY n.id LIMIT $limit "
        f"RETURN n {{{fields}{extra}}} AS row ORDER BY row.id"
    )
    return statement, _page_params(em, visibility, page_size)


def order_page(visibility: Visibility, page_size: int) -> tuple[str, dict[str, Any]]:
    """A page of orders, each with its lines as [position, sku, quantity, unitPrice]."""
    statement = (
        "MATCH (o:Order) WHERE o.id > $after WITH o ORDER BY o.id LIMIT $limit "
        "OPTIONAL MATCH (c:Customer)-[:PLACED]->(o) "
        "WITH o, c, [(o)-[x:CONTAINS]->(p:Product) | [x.position, p.sku, x.quantity, x.unitPrice]]"
        " AS lines "
        "RETURN o {.id, .externalId, placedAt: toString(o.placedAt), .status, .currency, "
        "customerExternalId: c.externalId, createdAt: toString(o.createdAt), "
        "updatedAt: toString(o.updatedAt), .version} AS row, lines ORDER BY o.id"
    )
    return statement, _page_params(Emitter(), visibility, page_size)


def interaction_page(visibility: Visibility, page_size: int) -> tuple[str, dict[str, Any]]:
    """A page of interactions with who took part (contacts' e-mails masked) and who logged it."""
    email = masked("{n}.email", visibility.guard("Contact")).format(n="p")
    statement = (
        "MATCH (i:Interaction) WHERE i.id > $after WITH i ORDER BY i.id LIMIT $limit "
        "RETURN i {.id, .externalId, .kind, occurredAt: toString(i.occurredAt), .subject, "
        ".summary, .outcome, .sentiment, "
        "customerExternalIds: [(i)-[:WITH]->(c:Customer) | c.externalId], "
        f"contactEmails: [(i)-[:WITH]->(p:Contact) | {email}], "
        "loggedByEmail: head([(u:User)-[:LOGGED]->(i) | u.email]), "
        "createdAt: toString(i.createdAt), updatedAt: toString(i.updatedAt), .version} AS row "
        "ORDER BY i.id"
    )
    return statement, _page_params(Emitter(), visibility, page_size)


def _page_params(em: Emitter, visibility: Visibility, page_size: int) -> dict[str, Any]:
    """The statement's parameters; the reader moves `after` to each page's last id."""
    return {**em.params.values, "after": "", "limit": page_size, **visibility.params()}
