"""Inputs of mergeCustomers and mergeContacts."""

from __future__ import annotations

import strawberry

from schema.inputs.common import EXPECTED_VERSION, opt, req

_KEEP = "Id of the record that stays: it receives everything of the other one."
_MERGE = "Id of the duplicate that is merged into the kept record and then deleted."
_MERGE_VERSION = (
    "The merged record's `version` you last read; a stale one gives VERSION_CONFLICT. Leave it "
    "out to merge regardless."
)


@strawberry.input(
    description="Two customer accounts that are the same: `mergeId` is merged into `keepId`."
)
class MergeCustomersInput:
    keep_id: strawberry.ID = req(_KEEP)
    merge_id: strawberry.ID = req(_MERGE)
    expected_version: int | None = opt(EXPECTED_VERSION + " (Of the kept customer.)")
    merge_expected_version: int | None = opt(_MERGE_VERSION)


@strawberry.input(description="Two contacts who are the same person: `mergeId` goes into `keepId`.")
class MergeContactsInput:
    keep_id: strawberry.ID = req(_KEEP)
    merge_id: strawberry.ID = req(_MERGE)
    expected_version: int | None = opt(EXPECTED_VERSION + " (Of the kept contact.)")
    merge_expected_version: int | None = opt(_MERGE_VERSION)
