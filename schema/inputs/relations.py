"""Inputs for links between people, companies and accounts."""

from __future__ import annotations

import strawberry

from schema.inputs.common import idempotency_key, opt, req
from schema.scalars import Date, DateTime
from schema.types.entities import DecisionRole, Seniority


@strawberry.input(
    description="A job: contact X works (or worked) at company Y. There is one job per "
    "person and company; sending it again updates that job (fields you leave out stay)."
)
class SetEmploymentInput:
    contact_id: strawberry.ID = req("Id of the contact (the employee).")
    company_id: strawberry.ID = req("Id of the company (the employer).")
    job_title: str | None = opt("Job title as on their business card, e.g. Head of Purchasing.")
    department: str | None = opt("Department, e.g. Purchasing, IT, Finance.")
    seniority: Seniority | None = opt(  # type: ignore[valid-type]
        "How senior the position is: OWNER, C_LEVEL, VP, DIRECTOR, MANAGER, SENIOR or STAFF."
    )
    decision_role: DecisionRole | None = opt(  # type: ignore[valid-type]
        "Part they play in buying decisions: DECISION_MAKER, ECONOMIC_BUYER, CHAMPION, "
        "INFLUENCER, USER or GATEKEEPER."
    )
    started_on: Date | None = opt("When they started.")
    ended_on: Date | None = opt(
        "When they left (or will leave); empty while they work there. Not before `startedOn`."
    )


@strawberry.input(description="Someone left a company.")
class EndEmploymentInput:
    contact_id: strawberry.ID = req("Id of the contact who left.")
    company_id: strawberry.ID = req("Id of the company they left.")
    ended_on: Date | None = opt("Their last day; today when left out. Not before they started.")


@strawberry.input(description="Who a contact reports to, in their company's org chart.")
class SetReportsToInput:
    contact_id: strawberry.ID = req("Id of the contact whose manager this is.")
    manager_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Id of the manager (a contact). Replaces any previous manager. Null or "
        "left out: the contact reports to nobody. A contact cannot report to themselves "
        "(SELF_REPORTING) or to someone who reports to them (REPORTING_CYCLE).",
    )


@strawberry.input(
    description="Two contacts know each other. There is one such tie per pair, whichever "
    "way round you name them; sending it again updates it."
)
class ConnectContactsInput:
    contact_id: strawberry.ID = req("Id of one contact.")
    other_id: strawberry.ID = req("Id of the other contact (not the same one).")
    strength: float | None = opt("How well they know each other, 0 (barely) to 1 (close).")
    since: Date | None = opt("Since when they know each other.")


@strawberry.input(
    description="A customer was brought in by a recommendation. A customer is referred at "
    "most once (the first referral counts)."
)
class RecordReferralInput:
    referrer_id: strawberry.ID = req("Id of who recommended us: a Customer or a Contact.")
    referred_id: strawberry.ID = req("Id of the Customer who came on that recommendation.")
    referred_at: DateTime | None = opt("When the referral happened; now when left out.")
    channel: str | None = opt("How it happened, e.g. word of mouth, LinkedIn, partner event.")
    note: str | None = opt("Anything worth remembering about it.")
    idempotency_key: str | None = idempotency_key()
