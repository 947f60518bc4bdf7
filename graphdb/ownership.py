"""The ownership rule, written once: which records are a SALES user's own accounts.

One definition serves every place that asks "is this record the viewer's?":

- **reads** (graphdb/compiler/visibility.py): personal fields of a record are compiled as
  `CASE WHEN <owned> THEN <value> END` for SALES;
- **writes** (resolvers/writes/policy.py): SALES may change only records the rule calls its own,
  and may not make a record its own that it could not already see (`brings_in_nothing_hidden`);
- **subject access** (graphdb/writes/gdpr.py, `exportSubjectData`): SALES may export only
  persons the rule calls its own.

The rule, for the user `$viewerId`:

- a **Customer** is own when the user MANAGES it;
- a **Company** when it is the ACCOUNT_OF a BUSINESS customer the user manages;
- a **Contact** when it currently WORKS_AT such a company (no `endedOn`, or `endedOn` in the
  future), **or** when it has never worked anywhere and the user created it (`createContact`,
  as the audit trail records).

The second Contact clause lets a SALES user create a contact and then attach it to its account
(`setEmployment`): it has seen nothing but what it typed in itself. Once a contact has had a job,
only the first clause counts.

Templates are `str.format` templates over `{n}` (the record's variable; literal braces doubled);
the variables they declare inside their subqueries are derived from `{n}`, so one rule can be
nested inside another (`brings_in_nothing_hidden`) without shadowing.
"""

from __future__ import annotations

#: The parameter holding the viewer's user id.
VIEWER_PARAM = "viewerId"

_VIEWER = f"(:User {{{{id: ${VIEWER_PARAM}}}}})"
_CURRENT = "({r}.endedOn IS NULL OR {r}.endedOn > date())"

_CUSTOMER = f"EXISTS {{{{ {_VIEWER}-[:MANAGES]->({{n}}) }}}}"
_COMPANY = (
    f"EXISTS {{{{ {_VIEWER}-[:MANAGES]->(:Customer {{{{kind: 'BUSINESS'}}}})"
    "-[:ACCOUNT_OF]->({n}) }}"
)
_CONTACT = (
    "(EXISTS {{ MATCH "
    + _VIEWER
    + "-[:MANAGES]->(:Customer {{kind: 'BUSINESS'}})-[:ACCOUNT_OF]->(:Company)"
    "<-[{n}_ow:WORKS_AT]-({n}) WHERE "
    + _CURRENT.format(r="{n}_ow")
    + " }} OR (NOT EXISTS {{ ({n})-[:WORKS_AT]->(:Company) }} AND EXISTS {{ "
    "(:AuditEvent {{action: 'createContact', actorId: $" + VIEWER_PARAM + "}})-[:ABOUT]->({n}) }}))"
)

_OWNED: dict[str, str] = {"Customer": _CUSTOMER, "Company": _COMPANY, "Contact": _CONTACT}

#: Types the rule knows; any other type is never a SALES account.
OWNABLE: frozenset[str] = frozenset(_OWNED)


def owned_template(type_name: str) -> str:
    """The rule for `type_name` as a template over `{n}` ("false" for other types)."""
    return _OWNED.get(type_name, "false")


def owned(type_name: str, var: str = "n") -> str:
    """The rule for `type_name` as a Cypher predicate over the variable `var`."""
    return owned_template(type_name).format(n=var)


def brings_in_nothing_hidden(type_name: str, var: str = "n") -> str:
    """A predicate over `var`: making this record part of the viewer's accounts reveals nothing
    the viewer cannot already see.

    - a Contact: it is already own (attaching it to an own company shows nothing new);
    - a Company (linked to an own customer): every person currently working there is already
      own, so the company brings no stranger's personal data with it (a new company has
      nobody yet);
    - a Customer: it is already own.
    """
    if type_name == "Company":
        staff = f"{var}_st"
        return (
            f"NOT EXISTS {{ MATCH ({staff}:Contact)-[{staff}_w:WORKS_AT]->({var}) "
            f"WHERE {_CURRENT.format(r=staff + '_w')} AND NOT ({owned('Contact', staff)}) }}"
        )
    return owned(type_name, var)
