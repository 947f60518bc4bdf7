"""Companies: the fact their delete rule needs."""

from __future__ import annotations

from core.model import CURRENT_EMPLOYMENT

#: how many people currently work at company `$id` (the delete rule)
CURRENT_EMPLOYEES = (
    "MATCH (co:Company {id: $id}) "
    f"RETURN COUNT {{ (co)<-[r:WORKS_AT]-(:Contact) WHERE {CURRENT_EMPLOYMENT.format(r='r')} }} "
    "AS n"
)
