"""createContact/updateContact/deleteContact and createUser/updateUser/deleteUser."""

from __future__ import annotations

from typing import Any

import httpx

from core import global_id
from graphdb.driver import Graph
from tests._factories import new_contact, new_customer, new_user
from tests._gql import MALFORMED_ID, codes, error_fields, gql, missing_id, mutate, ok
from tests._graph_counts import unchanged

CONTACT = """contact { id firstName lastName fullName email phone videoHandle birthday
  personalNotes version address { city country } }"""
USER = "user { id name email role version }"

# --- contacts ----------------------------------------------------------------------------------


async def test_new_contact_gets_a_full_name_and_normalised_details(
    client: httpx.AsyncClient,
) -> None:
    payload = ok(
        await mutate(
            client,
            "createContact",
            {
                "firstName": " Zuzana ",
                "lastName": "Kováčová",
                "email": "Zuzana@Firma.CZ",
                "phone": "602 123 456",
                "videoHandle": "teams:zuzana",
                "birthday": "1985-04-12",
                "personalNotes": "Two kids.\r\nLoves cycling.",
                "address": {"city": "Brno", "country": "CZ"},
            },
            CONTACT,
        )
    )
    contact = payload["contact"]
    assert contact["fullName"] == "Zuzana Kováčová"
    assert contact["email"] == "zuzana@firma.cz"
    assert contact["phone"] == "+420602123456"
    assert contact["personalNotes"] == "Two kids.\nLoves cycling."
    assert contact["version"] == 1
    data = await gql(client, '{ search(text: "Kováčová", first: 5) { __typename } }')
    assert data["search"] is not None


async def test_a_phone_update_is_read_in_the_contacts_stored_country(
    client: httpx.AsyncClient,
) -> None:
    """The deployment's default region is SK; a Czech contact's "603 123 456" is Czech."""
    czech = await new_contact(client, address={"city": "Brno", "country": "CZ"})
    payload = ok(
        await mutate(client, "updateContact", {"id": czech, "phone": "603 123 456"}, CONTACT)
    )
    assert payload["contact"]["phone"] == "+420603123456"
    # moving the contact in the same update reads the number in the new country
    payload = ok(
        await mutate(
            client,
            "updateContact",
            {"id": czech, "phone": "0905 123 456", "address": {"country": "SK"}},
            CONTACT,
        )
    )
    assert payload["contact"]["phone"] == "+421905123456"
    # without a stored country, the default region applies: not a Slovak number
    nowhere = await new_contact(client, first="Jana")
    result = await mutate(client, "updateContact", {"id": nowhere, "phone": "603 123 456"})
    assert codes(result) == ["INVALID_PHONE"]


async def test_a_customers_phone_update_is_read_in_its_stored_country(
    client: httpx.AsyncClient,
) -> None:
    customer = await new_customer(client, "CZ-1", address={"country": "CZ"})
    payload = ok(
        await mutate(
            client, "updateCustomer", {"id": customer, "phone": "603 123 456"}, "customer { phone }"
        )
    )
    assert payload["customer"]["phone"] == "+420603123456"


async def test_an_upsert_reads_the_phone_in_the_stored_country_of_the_customer_it_updates(
    client: httpx.AsyncClient,
) -> None:
    """The default region is SK: "603 123 456" is Czech for the existing Czech customer, and not
    a valid number for a new customer upserted without a country."""
    await new_customer(client, "CZ-2", address={"country": "CZ"})
    upsert = {"externalId": "CZ-2", "kind": "INDIVIDUAL", "name": "Jan", "phone": "603 123 456"}
    payload = ok(await mutate(client, "upsertCustomer", upsert, "customer { phone }"))
    assert payload["customer"]["phone"] == "+420603123456"
    fresh = await mutate(client, "upsertCustomer", {**upsert, "externalId": "NEW-1"})
    assert codes(fresh) == ["INVALID_PHONE"]


async def test_renaming_a_contact_recomputes_the_full_name(client: httpx.AsyncClient) -> None:
    contact_id = await new_contact(client)
    payload = ok(
        await mutate(client, "updateContact", {"id": contact_id, "lastName": "Novák"}, CONTACT)
    )
    assert payload["contact"]["fullName"] == "Peter Novák"
    assert payload["contact"]["version"] == 2


async def test_invalid_contact_fields_are_all_reported(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createContact",
            {
                "firstName": "A\u200bna",
                "lastName": "",
                "videoHandle": "two words",
                "birthday": "2999-01-01",
            },
            CONTACT,
        )
    assert sorted(zip(codes(payload), map(tuple, error_fields(payload)), strict=True)) == [
        ("BLANK", ("input", "lastName")),
        ("CONTROL_CHARACTERS", ("input", "firstName")),
        ("INVALID_VALUE", ("input", "videoHandle")),
        ("OUT_OF_RANGE", ("input", "birthday")),
    ]


async def test_contact_update_and_delete_refusals(client: httpx.AsyncClient, graph: Graph) -> None:
    contact_id = await new_contact(client)
    async with unchanged(graph):
        stale = await mutate(
            client, "updateContact", {"id": contact_id, "expectedVersion": 9, "firstName": "X"}
        )
        emptied = await mutate(client, "updateContact", {"id": contact_id, "firstName": None})
        missing = await mutate(client, "updateContact", {"id": missing_id("Contact")})
        wrong = await mutate(client, "deleteContact", {"id": missing_id("User")})
        malformed = await mutate(client, "deleteContact", {"id": MALFORMED_ID})
        gone = await mutate(client, "deleteContact", {"id": missing_id("Contact")})
        stale_delete = await mutate(
            client, "deleteContact", {"id": contact_id, "expectedVersion": 2}
        )
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(emptied) == ["REQUIRED"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(malformed) == ["INVALID_ID"]
    assert codes(gone) == ["NOT_FOUND"]
    assert codes(stale_delete) == ["VERSION_CONFLICT"]


async def test_deleting_a_contact_removes_them_and_their_consents(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    contact_id = await new_contact(client)
    ok(
        await mutate(
            client,
            "recordConsent",
            {"subjectId": contact_id, "channel": "EMAIL", "purpose": "newsletter", "granted": True},
        )
    )
    payload = ok(
        await mutate(client, "deleteContact", {"id": contact_id}, "deletedId contact { fullName }")
    )
    assert payload == {
        "deletedId": contact_id,
        "contact": {"fullName": "Peter Horváth"},
        "errors": [],
    }
    rows = await graph.read("MATCH (n) WHERE n:Contact OR n:Consent RETURN count(n) AS n")
    assert rows[0]["n"] == 0


# --- users -------------------------------------------------------------------------------------


async def test_new_user_has_a_lower_case_email(client: httpx.AsyncClient) -> None:
    payload = ok(
        await mutate(
            client,
            "createUser",
            {"name": "Marek", "email": "Marek.Sales@Rapport.Example", "role": "MANAGER"},
            USER,
        )
    )
    assert payload["user"]["email"] == "marek.sales@rapport.example"
    assert payload["user"]["role"] == "MANAGER"


async def test_second_user_with_the_same_email_in_other_case_is_rejected(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    await new_user(client, "eva@rapport.example")
    async with unchanged(graph):
        payload = await mutate(
            client,
            "createUser",
            {"name": "Eva 2", "email": "EVA@rapport.example", "role": "SALES"},
            USER,
        )
    assert codes(payload) == ["DUPLICATE"]
    assert error_fields(payload) == [["input", "email"]]


async def test_user_update_keeps_the_email_unique(client: httpx.AsyncClient, graph: Graph) -> None:
    await new_user(client, "eva@rapport.example")
    other = await new_user(client, "jan@rapport.example")
    renamed = ok(await mutate(client, "updateUser", {"id": other, "role": "ANALYST"}, USER))
    assert renamed["user"]["role"] == "ANALYST"
    assert renamed["user"]["version"] == 2
    async with unchanged(graph):
        taken = await mutate(client, "updateUser", {"id": other, "email": "eva@rapport.example"})
        stale = await mutate(client, "updateUser", {"id": other, "expectedVersion": 1})
        missing = await mutate(client, "updateUser", {"id": missing_id("User"), "name": "X"})
        bad = await mutate(client, "updateUser", {"id": other, "email": "nope"})
    assert codes(taken) == ["DUPLICATE"]
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(bad) == ["INVALID_EMAIL"]


async def test_user_who_manages_accounts_cannot_be_deleted(
    client: httpx.AsyncClient, graph: Graph
) -> None:
    user_id = await new_user(client)
    await new_customer(client, accountManagerId=user_id)
    async with unchanged(graph):
        payload = await mutate(client, "deleteUser", {"id": user_id}, "deletedId")
        wrong = await mutate(client, "deleteUser", {"id": missing_id("Customer")})
        missing = await mutate(client, "deleteUser", {"id": missing_id("User")})
        stale = await mutate(client, "deleteUser", {"id": user_id, "expectedVersion": 5})
        malformed = await mutate(client, "deleteUser", {"id": MALFORMED_ID})
    assert codes(payload) == ["USER_HAS_ACCOUNTS"]
    assert codes(wrong) == ["WRONG_TYPE"]
    assert codes(missing) == ["NOT_FOUND"]
    assert codes(stale) == ["VERSION_CONFLICT"]
    assert codes(malformed) == ["INVALID_ID"]


async def test_user_without_accounts_is_deleted_with_their_api_keys(
    client: httpx.AsyncClient, graph: Graph, make_token: Any
) -> None:
    email = "eva@rapport.example"
    await make_token("SALES", email=email, name="laptop")
    await make_token("SALES", email=email, name="phone")
    rows = await graph.read("MATCH (u:User {email: $email}) RETURN u.id AS id", {"email": email})
    user_id = global_id.encode("User", rows[0]["id"])
    payload = ok(await mutate(client, "deleteUser", {"id": user_id}, "deletedId user { email }"))
    assert payload["deletedId"] == user_id
    assert payload["user"] == {"email": email}
    left = await graph.read(
        "MATCH (k:ApiKey) WHERE k.name IN ['laptop', 'phone'] RETURN count(k) AS n"
    )
    assert left == [{"n": 0}]
