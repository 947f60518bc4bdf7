"""Error codes of the write path, on top of the validator's (core.validation.Code).

Clients branch on these: never rename one, add new ones instead. docs/mutations.md lists which
mutation returns which.
"""

from __future__ import annotations

from enum import StrEnum


class WriteCode(StrEnum):
    # authorization (resolvers/writes/policy.py)
    FORBIDDEN = "FORBIDDEN"
    # references
    INVALID_ID = "INVALID_ID"
    WRONG_TYPE = "WRONG_TYPE"
    NOT_FOUND = "NOT_FOUND"
    # uniqueness and concurrency
    DUPLICATE = "DUPLICATE"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    # delete rules
    COMPANY_HAS_EMPLOYEES = "COMPANY_HAS_EMPLOYEES"
    CUSTOMER_HAS_ORDERS = "CUSTOMER_HAS_ORDERS"
    PRODUCT_WAS_ORDERED = "PRODUCT_WAS_ORDERED"
    USER_HAS_ACCOUNTS = "USER_HAS_ACCOUNTS"
    # customers
    INVALID_FOR_KIND = "INVALID_FOR_KIND"
    COMPANY_ALREADY_A_CUSTOMER = "COMPANY_ALREADY_A_CUSTOMER"
    # orders
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    PRODUCT_INACTIVE = "PRODUCT_INACTIVE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # relationships
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    REFERRAL_CYCLE = "REFERRAL_CYCLE"
    SELF_REPORTING = "SELF_REPORTING"
    REPORTING_CYCLE = "REPORTING_CYCLE"
    SELF_CONNECTION = "SELF_CONNECTION"
    NOT_EMPLOYED = "NOT_EMPLOYED"
    ENDED_BEFORE_STARTED = "ENDED_BEFORE_STARTED"
    # merges
    SAME_NODE = "SAME_NODE"
    # import jobs (resolvers/io/jobs.py)
    TOO_MANY_JOBS = "TOO_MANY_JOBS"
    CHUNK_CONFLICT = "CHUNK_CONFLICT"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    NOT_UPLOADING = "NOT_UPLOADING"
    ALREADY_ENDED = "ALREADY_ENDED"
    NOT_INTERRUPTED = "NOT_INTERRUPTED"
