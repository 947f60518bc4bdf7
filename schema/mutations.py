"""Every change to the customer graph, one mutation per verb (payload style).

Each takes one `input` and returns `{ <entity>, errors }`. A refused change saves nothing and
lists every problem in `errors` (never as a GraphQL error), so a form can show them all at once.
The orchestration lives in resolvers/writes; docs/mutations.md has an example of each.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.writes import (
    companies,
    consents,
    contacts,
    customers,
    imports,
    interactions,
    merge,
    orders,
    people,
    products,
    referrals,
    segments,
    tags,
    users,
)
from schema.context import Info, call
from schema.inputs.accounts import (
    CreateCompanyInput,
    CreateCustomerInput,
    DeleteCompanyInput,
    DeleteCustomerInput,
    UpdateCompanyInput,
    UpdateCustomerInput,
    UpsertCustomerInput,
)
from schema.inputs.activity import LogInteractionInput, RecordConsentInput, TagInput, UntagInput
from schema.inputs.catalog import (
    CreateProductInput,
    DeleteProductInput,
    UpdateProductInput,
    UpsertProductInput,
)
from schema.inputs.imports import ImportRecordsInput
from schema.inputs.merge import MergeContactsInput, MergeCustomersInput
from schema.inputs.orders import PlaceOrderInput
from schema.inputs.people import (
    CreateContactInput,
    CreateUserInput,
    DeleteContactInput,
    DeleteUserInput,
    UpdateContactInput,
    UpdateUserInput,
)
from schema.inputs.relations import (
    ConnectContactsInput,
    EndEmploymentInput,
    RecordReferralInput,
    SetEmploymentInput,
    SetReportsToInput,
)
from schema.inputs.segments import CreateSegmentInput, DeleteSegmentInput, UpdateSegmentInput
from schema.payloads.accounts import (
    CreateCompanyPayload,
    CreateCustomerPayload,
    DeleteCompanyPayload,
    DeleteCustomerPayload,
    UpdateCompanyPayload,
    UpdateCustomerPayload,
    UpsertCustomerPayload,
)
from schema.payloads.activity import (
    LogInteractionPayload,
    RecordConsentPayload,
    TagPayload,
    UntagPayload,
)
from schema.payloads.catalog import (
    CreateProductPayload,
    DeleteProductPayload,
    UpdateProductPayload,
    UpsertProductPayload,
)
from schema.payloads.imports import ImportPayload, import_payload
from schema.payloads.merge import MergeContactsPayload, MergeCustomersPayload
from schema.payloads.orders import PlaceOrderPayload
from schema.payloads.people import (
    CreateContactPayload,
    CreateUserPayload,
    DeleteContactPayload,
    DeleteUserPayload,
    UpdateContactPayload,
    UpdateUserPayload,
)
from schema.payloads.relations import (
    ConnectContactsPayload,
    EndEmploymentPayload,
    RecordReferralPayload,
    SetEmploymentPayload,
    SetReportsToPayload,
)
from schema.payloads.segments import (
    CreateSegmentPayload,
    DeleteSegmentPayload,
    UpdateSegmentPayload,
)
from schema.plain import payload, plain


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class EntityMutations:
    # --- customers ------------------------------------------------------------------------------

    @strawberry.mutation(
        description="Add a customer account (a person or a company). Its externalId must be new."
    )
    async def create_customer(
        self, info: Info, input: Annotated[CreateCustomerInput, _input("The new account.")]
    ) -> CreateCustomerPayload:
        return payload(
            CreateCustomerPayload, await customers.create_customer(call(info), plain(input))
        )

    @strawberry.mutation(description="Change a customer account's details, company or manager.")
    async def update_customer(
        self, info: Info, input: Annotated[UpdateCustomerInput, _input("What to change.")]
    ) -> UpdateCustomerPayload:
        return payload(
            UpdateCustomerPayload, await customers.update_customer(call(info), plain(input))
        )

    @strawberry.mutation(
        description="Create or update a customer by its externalId: for keeping Rapport in step "
        "with a source system."
    )
    async def upsert_customer(
        self, info: Info, input: Annotated[UpsertCustomerInput, _input("The account.")]
    ) -> UpsertCustomerPayload:
        return payload(
            UpsertCustomerPayload, await customers.upsert_customer(call(info), plain(input))
        )

    @strawberry.mutation(
        description="Delete a customer account that has no orders, with its tags and consents."
    )
    async def delete_customer(
        self, info: Info, input: Annotated[DeleteCustomerInput, _input("Which account.")]
    ) -> DeleteCustomerPayload:
        return payload(
            DeleteCustomerPayload, await customers.delete_customer(call(info), plain(input))
        )

    # --- companies ------------------------------------------------------------------------------

    @strawberry.mutation(description="Add a company.")
    async def create_company(
        self, info: Info, input: Annotated[CreateCompanyInput, _input("The new company.")]
    ) -> CreateCompanyPayload:
        return payload(
            CreateCompanyPayload, await companies.create_company(call(info), plain(input))
        )

    @strawberry.mutation(description="Change a company's details.")
    async def update_company(
        self, info: Info, input: Annotated[UpdateCompanyInput, _input("What to change.")]
    ) -> UpdateCompanyPayload:
        return payload(
            UpdateCompanyPayload, await companies.update_company(call(info), plain(input))
        )

    @strawberry.mutation(description="Delete a company where nobody currently works.")
    async def delete_company(
        self, info: Info, input: Annotated[DeleteCompanyInput, _input("Which company.")]
    ) -> DeleteCompanyPayload:
        return payload(
            DeleteCompanyPayload, await companies.delete_company(call(info), plain(input))
        )

    # --- contacts -------------------------------------------------------------------------------

    @strawberry.mutation(description="Add a contact person.")
    async def create_contact(
        self, info: Info, input: Annotated[CreateContactInput, _input("The new contact.")]
    ) -> CreateContactPayload:
        return payload(
            CreateContactPayload, await contacts.create_contact(call(info), plain(input))
        )

    @strawberry.mutation(description="Change a contact's details.")
    async def update_contact(
        self, info: Info, input: Annotated[UpdateContactInput, _input("What to change.")]
    ) -> UpdateContactPayload:
        return payload(
            UpdateContactPayload, await contacts.update_contact(call(info), plain(input))
        )

    @strawberry.mutation(
        description="Delete a contact with their jobs, links, tags and consent records."
    )
    async def delete_contact(
        self, info: Info, input: Annotated[DeleteContactInput, _input("Which contact.")]
    ) -> DeleteContactPayload:
        return payload(
            DeleteContactPayload, await contacts.delete_contact(call(info), plain(input))
        )

    # --- products -------------------------------------------------------------------------------

    @strawberry.mutation(description="Add a product to the catalogue. Its SKU must be new.")
    async def create_product(
        self, info: Info, input: Annotated[CreateProductInput, _input("The new product.")]
    ) -> CreateProductPayload:
        return payload(
            CreateProductPayload, await products.create_product(call(info), plain(input))
        )

    @strawberry.mutation(description="Change a product: price, name, active…")
    async def update_product(
        self, info: Info, input: Annotated[UpdateProductInput, _input("What to change.")]
    ) -> UpdateProductPayload:
        return payload(
            UpdateProductPayload, await products.update_product(call(info), plain(input))
        )

    @strawberry.mutation(
        description="Create or update a product by its SKU: for keeping the catalogue in step "
        "with a source system."
    )
    async def upsert_product(
        self, info: Info, input: Annotated[UpsertProductInput, _input("The product.")]
    ) -> UpsertProductPayload:
        return payload(
            UpsertProductPayload, await products.upsert_product(call(info), plain(input))
        )

    @strawberry.mutation(description="Delete a product that was never ordered.")
    async def delete_product(
        self, info: Info, input: Annotated[DeleteProductInput, _input("Which product.")]
    ) -> DeleteProductPayload:
        return payload(
            DeleteProductPayload, await products.delete_product(call(info), plain(input))
        )

    # --- segments -------------------------------------------------------------------------------

    @strawberry.mutation(
        description="Save a named customer segment: a CustomerFilter and an optional consent "
        "rule, evaluated at every read. ADMIN and MANAGER."
    )
    async def create_segment(
        self, info: Info, input: Annotated[CreateSegmentInput, _input("The new segment.")]
    ) -> CreateSegmentPayload:
        return payload(
            CreateSegmentPayload, await segments.create_segment(call(info), plain(input))
        )

    @strawberry.mutation(description="Rename a segment, or change its filter or consent rule.")
    async def update_segment(
        self, info: Info, input: Annotated[UpdateSegmentInput, _input("What to change.")]
    ) -> UpdateSegmentPayload:
        return payload(
            UpdateSegmentPayload, await segments.update_segment(call(info), plain(input))
        )

    @strawberry.mutation(description="Delete a saved segment; its customers are not touched.")
    async def delete_segment(
        self, info: Info, input: Annotated[DeleteSegmentInput, _input("Which segment.")]
    ) -> DeleteSegmentPayload:
        return payload(
            DeleteSegmentPayload, await segments.delete_segment(call(info), plain(input))
        )

    # --- users ----------------------------------------------------------------------------------

    @strawberry.mutation(description="Add a Rapport user. The e-mail must be new.")
    async def create_user(
        self, info: Info, input: Annotated[CreateUserInput, _input("The new user.")]
    ) -> CreateUserPayload:
        return payload(CreateUserPayload, await users.create_user(call(info), plain(input)))

    @strawberry.mutation(description="Change a user's name, e-mail or role.")
    async def update_user(
        self, info: Info, input: Annotated[UpdateUserInput, _input("What to change.")]
    ) -> UpdateUserPayload:
        return payload(UpdateUserPayload, await users.update_user(call(info), plain(input)))

    @strawberry.mutation(description="Delete a user who manages no accounts.")
    async def delete_user(
        self, info: Info, input: Annotated[DeleteUserInput, _input("Which user.")]
    ) -> DeleteUserPayload:
        return payload(DeleteUserPayload, await users.delete_user(call(info), plain(input)))

    # --- relationships --------------------------------------------------------------------------

    @strawberry.mutation(
        description="Record or update a job: a contact works (or worked) at a company."
    )
    async def set_employment(
        self, info: Info, input: Annotated[SetEmploymentInput, _input("The job.")]
    ) -> SetEmploymentPayload:
        return payload(SetEmploymentPayload, await people.set_employment(call(info), plain(input)))

    @strawberry.mutation(description="Record that a contact left a company (the job is kept).")
    async def end_employment(
        self, info: Info, input: Annotated[EndEmploymentInput, _input("Who left where, when.")]
    ) -> EndEmploymentPayload:
        return payload(EndEmploymentPayload, await people.end_employment(call(info), plain(input)))

    @strawberry.mutation(description="Set or remove a contact's manager in the org chart.")
    async def set_reports_to(
        self, info: Info, input: Annotated[SetReportsToInput, _input("Who reports to whom.")]
    ) -> SetReportsToPayload:
        return payload(SetReportsToPayload, await people.set_reports_to(call(info), plain(input)))

    @strawberry.mutation(description="Record that two contacts know each other, and how well.")
    async def connect_contacts(
        self, info: Info, input: Annotated[ConnectContactsInput, _input("The two contacts.")]
    ) -> ConnectContactsPayload:
        return payload(
            ConnectContactsPayload, await people.connect_contacts(call(info), plain(input))
        )

    @strawberry.mutation(
        description="Record who referred a customer. The first referral counts; loops are refused."
    )
    async def record_referral(
        self, info: Info, input: Annotated[RecordReferralInput, _input("The referral.")]
    ) -> RecordReferralPayload:
        return payload(
            RecordReferralPayload, await referrals.record_referral(call(info), plain(input))
        )

    # --- data quality ---------------------------------------------------------------------------

    @strawberry.mutation(
        description="Merge a duplicate customer (mergeId) into the one that stays (keepId): "
        "orders, interactions, referrals, tags, consents and links move, empty fields are "
        "filled, aggregates recomputed, `mergedFrom` recorded; the duplicate is deleted. One "
        "transaction."
    )
    async def merge_customers(
        self, info: Info, input: Annotated[MergeCustomersInput, _input("The two customers.")]
    ) -> MergeCustomersPayload:
        return payload(MergeCustomersPayload, await merge.merge_customers(call(info), plain(input)))

    @strawberry.mutation(
        description="Merge a duplicate contact (mergeId) into the one that stays (keepId): jobs, "
        "org chart, acquaintances, interactions, referrals, tags and consents move, empty fields "
        "are filled; the duplicate is deleted. One transaction."
    )
    async def merge_contacts(
        self, info: Info, input: Annotated[MergeContactsInput, _input("The two contacts.")]
    ) -> MergeContactsPayload:
        return payload(MergeContactsPayload, await merge.merge_contacts(call(info), plain(input)))

    # --- orders and activity --------------------------------------------------------------------

    @strawberry.mutation(
        description="Place an order for a customer. Send an idempotencyKey so that a retried "
        "request never places the order twice."
    )
    async def place_order(
        self, info: Info, input: Annotated[PlaceOrderInput, _input("The order.")]
    ) -> PlaceOrderPayload:
        return payload(PlaceOrderPayload, await orders.place_order(call(info), plain(input)))

    @strawberry.mutation(description="Record a call, meeting, e-mail or other touchpoint.")
    async def log_interaction(
        self, info: Info, input: Annotated[LogInteractionInput, _input("The touchpoint.")]
    ) -> LogInteractionPayload:
        return payload(
            LogInteractionPayload, await interactions.log_interaction(call(info), plain(input))
        )

    @strawberry.mutation(description="Put tags on a customer, contact or company.")
    async def tag(
        self, info: Info, input: Annotated[TagInput, _input("What to tag, with which tags.")]
    ) -> TagPayload:
        return payload(TagPayload, await tags.tag(call(info), plain(input)))

    @strawberry.mutation(description="Take tags off a customer, contact or company.")
    async def untag(
        self, info: Info, input: Annotated[UntagInput, _input("What to untag, which tags.")]
    ) -> UntagPayload:
        return payload(UntagPayload, await tags.untag(call(info), plain(input)))

    @strawberry.mutation(
        description="Record that a customer or contact gave or withdrew a consent (kept as "
        "history)."
    )
    async def record_consent(
        self, info: Info, input: Annotated[RecordConsentInput, _input("The consent.")]
    ) -> RecordConsentPayload:
        return payload(
            RecordConsentPayload, await consents.record_consent(call(info), plain(input))
        )

    # --- bulk import (resolvers/io; docs/import-export.md) ----------------------------------------

    @strawberry.mutation(
        description="Import up to 1,000 rows of CSV or JSONL exactly as `rapport import` does: "
        "each row validated like the matching mutation, upserted by its natural key, refused "
        "rows reported with their row number. ADMIN and MANAGER only."
    )
    async def import_records(
        self, info: Info, input: Annotated[ImportRecordsInput, _input("The rows and their type.")]
    ) -> ImportPayload:
        return import_payload(await imports.import_records(call(info), plain(input)))
