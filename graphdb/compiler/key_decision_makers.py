"""`Company.keyDecisionMakers(first:)`: the contract's key decision-makers (API.md, "Meanings
that are fixed"): current staff with a deciding ROLE, SENIORITY, or a SPAN of reports, scored
by influence. Change the formula only with API.md, docs/intelligence.md and the description."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.model import CURRENT_EMPLOYMENT, ENTITIES
from core.selection import Field
from graphdb.compiler.build import emit, nested, returning
from graphdb.compiler.plan import Emitter, Item, Projection
from graphdb.cypher import Join, Lit, Map, Node, Param, Q, Var, collect

if TYPE_CHECKING:
    from graphdb.compiler.planner import Planner

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
        s, k, x, w, w2, p = (Var(h) for h in ("s", "k", "x", "w", "w", "p"))
        staff, span, staff_count, jobs, j, v, r = (
            Var(h) for h in ("staff", "span", "staffCount", "jobs", "j", "v", "r")
        )
        role, senior, span_reason, influence = (
            Var(h) for h in ("role", "senior", "spanReason", "influence")
        )
        exprs: dict[str, Node] = {
            "reasons": Q(
                "[{r} IN [['ROLE', {role}], ['SENIORITY', {senior}], ['SPAN', {span_reason}]] "
                "WHERE {r}[1] | {r}[0]]",
                r=r,
                role=role,
                senior=senior,
                span_reason=span_reason,
            ),
            "span": span,
            "influence": influence,
            **{
                name: Q("{w}.{prop}", w=w2, prop=name)
                for name in ("jobTitle", "department", "seniority", "decisionRole")
            },
        }
        fields: list[tuple[str, Node]] = [(key, exprs[name]) for key, name in self.scalars]
        if self.contact is not None and self.contact_key is not None:
            fields.append((self.contact_key, nested(self.contact, k, em)))
        keep = Join([k, span, staff_count])
        return collect(
            Q(
                "MATCH ({c})<-[{w}:WORKS_AT]-({s}:Contact) WHERE {current}",
                c=company,
                w=w,
                s=s,
                current=Q(CURRENT_EMPLOYMENT, r=w),
            ),
            Q("WITH collect(DISTINCT {s}) AS {staff} UNWIND {staff} AS {k}", s=s, staff=staff, k=k),
            Q(
                "CALL ({k}, {staff}) {{ "
                "OPTIONAL MATCH {p} = ({x}:Contact)-[:REPORTS_TO*1..]->({k}) "
                "WHERE all({v} IN nodes({p}) WHERE {v} IN {staff}) "
                "RETURN count(DISTINCT {x}) AS {span} }}",
                k=k,
                staff=staff,
                p=p,
                x=x,
                v=v,
                span=span,
            ),
            Q(
                "MATCH ({c})<-[{w2}:WORKS_AT]-({k}) WHERE {current}",
                c=company,
                w2=w2,
                k=k,
                current=Q(CURRENT_EMPLOYMENT, r=w2),
            ),
            Q(
                "WITH {k}, {span}, size({staff}) AS {n}, {w2} ORDER BY {w2}.startedOn DESC",
                k=k,
                span=span,
                staff=staff,
                n=staff_count,
                w2=w2,
            ),
            Q("WITH {keep}, collect({w2}) AS {jobs}", keep=keep, w2=w2, jobs=jobs),
            Q(
                "WITH {keep}, {jobs}[0] AS {w2}, "
                "any({j} IN {jobs} WHERE coalesce({j}.decisionRole, '') IN {roles}) AS {role}, "
                "any({j} IN {jobs} WHERE coalesce({j}.seniority, '') IN {seniors}) AS {senior}, "
                "({span} >= 2 AND {span} * 3 >= {n}) AS {span_reason} "
                "WHERE {role} OR {senior} OR {span_reason}",
                keep=keep,
                jobs=jobs,
                w2=w2,
                j=j,
                roles=Lit(ROLE_VALUES),
                role=role,
                seniors=Lit(SENIOR_VALUES),
                senior=senior,
                span=span,
                n=staff_count,
                span_reason=span_reason,
            ),
            Q(
                "WITH {k}, {w2}, {span}, {role}, {senior}, {span_reason}, "
                "round({w_role} * toFloat(toInteger({role})) "
                "+ {w_senior} * toFloat(toInteger({senior})) "
                "+ {w_span} * toFloat(toInteger({span_reason})) "
                "+ {w_share} * toFloat({span}) / {n}, 6) AS {influence} "
                "ORDER BY {influence} DESC, {k}.id ASC LIMIT {first}",
                k=k,
                w2=w2,
                span=span,
                role=role,
                senior=senior,
                span_reason=span_reason,
                w_role=Lit(W_ROLE),
                w_senior=Lit(W_SENIORITY),
                w_span=Lit(W_SPAN),
                w_share=Lit(W_SPAN_SHARE),
                n=staff_count,
                influence=influence,
                first=Param(self.first),
            ),
            returning([k, w2, span, role, senior, span_reason, influence], Map(fields)),
        )

    def post(self, value: Any) -> Any:
        if self.contact is not None and self.contact_key is not None:
            for row in value or []:
                row[self.contact_key] = self.contact.post(row[self.contact_key])
        return value


def plan(planner: Planner, f: Field, path: str) -> KeyDecisionMakers:
    contact = next((c for c in f.children if c.name == "contact"), None)
    return KeyDecisionMakers(
        f.key,
        planner.limit(f, path),
        contact.key if contact else None,
        planner.projection(ENTITIES["Contact"], contact.children, path) if contact else None,
        [(c.key, c.name) for c in f.children if c.name not in ("contact", "__typename")],
    )
