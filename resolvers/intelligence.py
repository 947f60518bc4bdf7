"""Root relationship-intelligence fields: decode ids, compile, run one statement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphdb.compiler import PLAN_CACHE, Compiled, paths, roots
from graphdb.compiler import search as text_search
from graphdb.compiler.errors import QueryArgumentError
from resolvers.call import Call
from resolvers.reads import decode_id


def _compiled(call: Call, kind: str, build: Callable[[], Compiled]) -> Compiled:
    """The root field's statement from the plan cache (the connections' LRU, keyed by document,
    operation, root path, variables, role and segment generation), or built and kept there. The
    key adds the viewer's own id, which some of these statements hold as a value (an omitted
    `fromId`, `mine`), so two viewers never share one. Arguments are checked before this."""
    key = PLAN_CACHE.key(call, f"intelligence:{kind}")
    if key is not None:
        key = (*key, call.viewer.user_id)
    found = PLAN_CACHE.get(key)
    return found if found is not None else PLAN_CACHE.put(key, build())


async def _run(call: Call, compiled: Compiled) -> Any:
    rows = await call.graph.read(
        compiled.cypher, compiled.params, as_decoded=call.settings.fast_path
    )
    return compiled.shape(rows)


def _typed_id(value: str, argument: str, *allowed: str) -> tuple[str, str]:
    type_name, raw = decode_id(value, argument)
    if type_name not in allowed:
        raise QueryArgumentError(
            f"`{argument}` must be the id of a {' or '.join(allowed)}, not of a {type_name}.",
            code="WRONG_TYPE",
            argument=argument,
        )
    return type_name, raw


def _limit(call: Call, first: int, argument: str = "first") -> int:
    maximum = call.settings.max_page_size
    if not 0 <= first <= maximum:
        raise QueryArgumentError(
            f"`{argument}` must be between 0 and {maximum}.",
            code="PAGE_TOO_LARGE" if first > maximum else "INVALID_PAGINATION",
            argument=argument,
        )
    return first


async def key_decision_makers(call: Call, company_id: str, first: int) -> Any:
    _, raw = _typed_id(company_id, "companyId", "Company")
    _limit(call, first)
    compiled = _compiled(
        call,
        "keyDecisionMakers",
        lambda: roots.key_decision_makers(call, raw, call.settings.max_page_size),
    )
    return await _run(call, compiled)


async def referral_chain(call: Call, customer_id: str) -> Any:
    _, raw = _typed_id(customer_id, "customerId", "Customer")
    compiled = _compiled(
        call, "referralChain", lambda: roots.referral_chain(call, raw, call.settings.max_page_size)
    )
    return await _run(call, compiled)


async def top_referrers(call: Call, first: int, by: str) -> Any:
    limit = _limit(call, first)
    compiled = _compiled(
        call,
        "topReferrers",
        lambda: roots.top_referrers(call, limit, by, call.settings.max_page_size),
    )
    return await _run(call, compiled)


async def at_risk_customers(call: Call, first: int, as_of: Any, mine: bool = False) -> Any:
    limit = _limit(call, first)
    compiled = _compiled(
        call,
        "atRiskCustomers",
        lambda: roots.at_risk_customers(call, limit, as_of, call.settings.max_page_size, mine),
    )
    return await _run(call, compiled)


async def revenue_concentration(call: Call, share: float, mine: bool = False) -> Any:
    if not 0 < share <= 1:
        raise QueryArgumentError(
            "`share` must be greater than 0 and at most 1 (e.g. 0.8 for 80%).",
            code="OUT_OF_RANGE",
            argument="share",
        )
    compiled = _compiled(
        call,
        "revenueConcentration",
        lambda: roots.revenue_concentration(call, share, call.settings.max_page_size, mine),
    )
    return await _run(call, compiled)


PEOPLE_AND_ACCOUNTS = ("Customer", "Contact", "User", "Company")


async def introduction_path(call: Call, from_id: str | None, to_id: str, max_hops: int) -> Any:
    # Omitted: from the viewer, the question a rep asks ("how do *I* get introduced?").
    start = (
        _typed_id(from_id, "fromId", *PEOPLE_AND_ACCOUNTS)
        if from_id is not None
        else ("User", call.viewer.user_id)
    )
    end = _typed_id(to_id, "toId", *PEOPLE_AND_ACCOUNTS)
    compiled = _compiled(
        call,
        "introductionPath",
        lambda: paths.introduction_path(call, start, end, max_hops, call.settings.max_page_size),
    )
    return await _run(call, compiled)


async def search(call: Call, text: str, first: int) -> Any:
    limit = _limit(call, first)
    compiled = _compiled(
        call, "search", lambda: text_search.search(call, text, limit, call.settings.max_page_size)
    )
    return await _run(call, compiled)
