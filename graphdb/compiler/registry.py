"""Which module plans which computed field: (entity, GraphQL field) → the module's `plan`.

A new intelligence field is one module in graphdb/compiler/ (a plan node with `emit`, built
with graphdb/cypher, and a `plan(planner, field, path)` that reads its arguments) plus one
entry here; the planner consults this table before it gives up on a field.
"""

from __future__ import annotations

from collections.abc import Callable

from core.selection import Field
from graphdb.compiler import (
    churn_risk,
    key_decision_makers,
    recommendations,
    referral_chain,
    referral_network,
    referrals,
    referred_by,
)
from graphdb.compiler.intelligence import Planning
from graphdb.compiler.plan import Item

Plan = Callable[[Planning, Field, str], Item]

PLANS: dict[tuple[str, str], Plan] = {
    ("Company", "keyDecisionMakers"): key_decision_makers.plan,
    ("Customer", "referredBy"): referred_by.plan,
    ("Customer", "referrals"): referrals.plan,
    ("Customer", "referralChain"): referral_chain.plan,
    ("Customer", "referralNetwork"): referral_network.plan,
    ("Customer", "recommendations"): recommendations.plan,
    ("Customer", "churnRisk"): churn_risk.plan,
}
