"""`Company.keyDecisionMakers(first:)`: the contract's key decision-makers (API.md, "Meanings
that are fixed"): current staff with a deciding ROLE, SENIORITY, or a SPAN of reports, scored
by influence. Change the formula only with API.md, docs/intelligence.md and the description."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.model import CURRENT_EMPLOYMENT, ENTITIES
from core.selection import Field
from graphdb.compiler.build import emit, nested, returning
from graphdb.compiler.intelligence import Planning
from graphdb.compiler.plan import Emitter, Item, Projection
from graphdb.cypher import Lit, Map, Node, Param, Q, Var, collect

#: Influence weights (docs/intelligence.md). Every reason adds weight; a larger span never
#: lowers the score because the span term grows with span.
W_ROLE, W_SENIORITY, W_SPAN, W_SPAN_SHARE = 0.4, 0.3, 0.3, 0.3
ROLE_VALUES = ["DECISION_MAKER", "ECONOMIC_BUYER"]
SENIOR_VALUES = ["OWNER", "C_LEVEL"]


@dataclass
class KeyDecisionMakers(Item):
    """The key decision-makers of company `var` (ROLE, SENIORITY, SPAN)."""

    key: str
    first: int
    contact_key: str | None
    contact: Projection | None
    scalars: list[tuple[str, str]]  # (response key, reasons|span|influence|jobTitle|…)

    @property
    def needs_post(self) -> bool:  # type: ignore[override]
        return bool(self.contact and self.contact.needs_post)

    def emit(self, var: str, em: Emitter) -> str:
        return emit(self.tree(Var.bound(var), em), em)

    def tree(self, company: Var, em: Emitter) -> Node:
        hints = ("s", "k", "x", "w", "w2", "p", "staff", "span", "staffCount", "jobs", "j", "v")
        v: dict[str, Node] = {h: Var(h.rstrip("2")) for h in hints}
        v.update(company=company, current_w=Q(CURRENT_EMPLOYMENT, r=v["w"]))
        v.update(current_w2=Q(CURRENT_EMPLOYMENT, r=v["w2"]))
        v.update({h: Var(h) for h in ("role", "senior", "spanReason", "influence")})
        keep = ("k", "w2", "span", "role", "senior", "spanReason", "influence")
        return collect(
            Q("MATCH ({company})<-[{w}:WORKS_AT]-({s}:Contact) WHERE {current_w}", **v),
            Q("WITH collect(DISTINCT {s}) AS {staff} UNWIND {staff} AS {k}", **v),
            Q(
                "CALL ({k}, {staff}) {{ "
                "OPTIONAL MATCH {p} = ({x}:Contact)-[:REPORTS_TO*1..]->({k}) "
                "WHERE all({v} IN nodes({p}) WHERE {v} IN {staff}) "
                "RETURN count(DISTINCT {x}) AS {span} }}",
                **v,
            ),
            Q("MATCH ({company})<-[{w2}:WORKS_AT]-({k}) WHERE {current_w2}", **v),
            Q(
                "WITH {k}, {span}, size({staff}) AS {staffCount}, {w2} "
                "ORDER BY {w2}.startedOn DESC",
                **v,
            ),
            Q("WITH {k}, {span}, {staffCount}, collect({w2}) AS {jobs}", **v),
            self._reasons(v),
            self._influence(v),
            returning([v[n] for n in keep], Map(self._fields(v, em))),
        )

    @staticmethod
    def _reasons(v: dict[str, Node]) -> Node:
        """Each staff member's newest current job and which reasons hold (at least one)."""
        return Q(
            "WITH {k}, {span}, {staffCount}, {jobs}[0] AS {w2}, "
            "any({j} IN {jobs} WHERE coalesce({j}.decisionRole, '') IN {roles}) AS {role}, "
            "any({j} IN {jobs} WHERE coalesce({j}.seniority, '') IN {seniors}) AS {senior}, "
            "({span} >= 2 AND {span} * 3 >= {staffCount}) AS {spanReason} "
            "WHERE {role} OR {senior} OR {spanReason}",
            roles=Lit(ROLE_VALUES),
            seniors=Lit(SENIOR_VALUES),
            **v,
        )

    def _influence(self, v: dict[str, Node]) -> Node:
        return Q(
            "WITH {k}, {w2}, {span}, {role}, {senior}, {spanReason}, "
            "round({w_role} * toFloat(toInteger({role})) "
            "+ {w_senior} * toFloat(toInteger({senior})) "
            "+ {w_span} * toFloat(toInteger({spanReason})) "
            "+ {w_share} * toFloat({span}) / {staffCount}, 6) AS {influence} "
            "ORDER BY {influence} DESC, {k}.id ASC LIMIT {first}",
            w_role=Lit(W_ROLE),
            w_senior=Lit(W_SENIORITY),
            w_span=Lit(W_SPAN),
            w_share=Lit(W_SPAN_SHARE),
            first=Param(self.first),
            **v,
        )

    def _fields(self, v: dict[str, Node], em: Emitter) -> list[tuple[str, Node]]:
        exprs: dict[str, Node] = {
            "reasons": Q(
                "[{r} IN [['ROLE', {role}], ['SENIORITY', {senior}], ['SPAN', {spanReason}]] "
                "WHERE {r}[1] | {r}[0]]",
                r=Var("r"),
                **v,
            ),
            "span": v["span"],
            "influence": v["influence"],
            **{
                name: Q("{w2}.{prop}", w2=v["w2"], prop=name)
                for name in ("jobTitle", "department", "seniority", "decisionRole")
            },
        }
        fields = [(key, exprs[name]) for key, name in self.scalars]
        if self.contact is not None and self.contact_key is not None:
            k = v["k"]
            assert isinstance(k, Var)
            fields.append((self.contact_key, nested(self.contact, k, em)))
        return fields

    def post(self, value: Any) -> Any:
        if self.contact is not None and self.contact_key is not None:
            for row in value or []:
                row[self.contact_key] = self.contact.post(row[self.contact_key])
        return value


def plan(planner: Planning, f: Field, path: str) -> KeyDecisionMakers:
    contact = next((c for c in f.children if c.name == "contact"), None)
    return KeyDecisionMakers(
        f.key,
        planner.limit(f, path),
        contact.key if contact else None,
        planner.projection(ENTITIES["Contact"], contact.children, path) if contact else None,
        [(c.key, c.name) for c in f.children if c.name not in ("contact", "__typename")],
    )
