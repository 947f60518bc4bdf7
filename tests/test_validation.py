"""The validation layer shared by mutations and the importer: behaviour and invariants.

Pure Python; no Neo4j fixture is requested, so these run without a database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal

import phonenumbers
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.money import SCALE, format_money, format_stored, from_storage, to_storage
from core.validation import Code, FieldError, ValidationFailed, Validator
from core.validation._base import EXTERNAL_ID_MAX_LENGTH

TODAY = dt.date(2025, 6, 1)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}
STAGES = ("LEAD", "QUALIFIED", "WON", "LOST")

fast = settings(max_examples=200, deadline=None)


def only_error(v: Validator) -> FieldError:
    assert len(v.errors) == 1, v.errors
    return v.errors[0]


def codes(v: Validator) -> list[str]:
    return [e.code for e in v.errors]


# --- money storage ----------------------------------------------------------------------------


def test_money_is_stored_as_ten_thousandths() -> None:
    assert SCALE == 4
    assert to_storage(Decimal("12.5")) == 125_000
    assert to_storage(Decimal("0.0001")) == 1
    assert to_storage(Decimal("1E+3")) == 10_000_000


def test_trailing_zeros_beyond_four_places_are_still_exact() -> None:
    assert to_storage(Decimal("1.500000")) == 15_000


def test_a_fifth_significant_decimal_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="decimal places"):
        to_storage(Decimal("0.00001"))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_non_finite_amounts_cannot_be_stored(amount: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_storage(Decimal(amount))


def test_amounts_beyond_64_bit_storage_are_refused() -> None:
    with pytest.raises(ValueError):
        to_storage(Decimal("1E+15"))
    with pytest.raises(ValueError):
        to_storage(Decimal("1E+999999999"))


def test_from_storage_passes_none_through_and_restores_the_amount() -> None:
    assert from_storage(None) is None
    assert from_storage(125_000) == Decimal("12.5")
    assert from_storage(-1) == Decimal("-0.0001")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("12.5", "12.50"),
        ("0.1234", "0.1234"),
        ("1E+3", "1000.00"),
        ("7", "7.00"),
        ("0.120", "0.12"),
        ("-3.5", "-3.50"),
        ("-0", "0.00"),
        ("999999999999.9999", "999999999999.9999"),
    ],
)
def test_format_money_is_canonical(amount: str, text: str) -> None:
    assert format_money(Decimal(amount)) == text


@fast
@given(st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1))
def test_storage_round_trips(stored: int) -> None:
    amount = from_storage(stored)
    assert amount is not None
    assert to_storage(amount) == stored
    assert Decimal(format_money(amount)) == amount
    assert re.fullmatch(r"-?\d+\.\d{2,4}", format_money(amount))
    assert format_stored(stored) == format_money(amount)  # the API's shortcut, same text


# --- text and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ľudovít Štúr",
        "Zuzana Dvořáková",
        "Grzegorz Brzęczyszczykiewicz",
        "João Conceição",
        "王小明",
        "株式会社テスト",
        "O'Brien-Smith & Co., s.r.o.",
    ],
)
def test_names_with_diacritics_and_cjk_are_accepted(name: str) -> None:
    v = Validator()
    assert v.name("name", name) == name
    assert v.ok


def test_text_is_trimmed_and_normalised_to_nfc() -> None:
    v = Validator()
    decomposed = "  Jan Nova\u0301c\u030cek \n"
    assert v.name("lastName", decomposed) == "Jan Nováček"
    assert v.ok


def test_missing_required_text_is_reported() -> None:
    v = Validator()
    assert v.name("lastName", None, required=True) is None
    assert only_error(v) == FieldError(("input", "lastName"), Code.REQUIRED, only_error(v).message)


def test_missing_optional_text_is_fine() -> None:
    v = Validator()
    assert v.text("notes", None) is None
    assert v.ok


def test_whitespace_only_text_is_blank() -> None:
    v = Validator()
    assert v.name("firstName", " \t ") is None
    assert only_error(v).code == Code.BLANK


def test_oversize_text_is_too_long() -> None:
    v = Validator()
    assert v.name("firstName", "x" * 201) is None
    error = only_error(v)
    assert error.code == Code.TOO_LONG
    assert "200" in error.message
    assert v.text("notes", "x" * 5000, max_length=5000) == "x" * 5000


def test_length_is_counted_in_characters_after_normalisation() -> None:
    v = Validator()
    assert v.name("name", "e\u0301" * 200) == "é" * 200
    assert v.ok


@pytest.mark.parametrize(
    "value",
    [
        "Jana\x00Nová",
        "Jana\x07",
        "Jana\x1b[31m",
        "Ja\u200bna",  # zero-width space
        "Jana\u202eavoN",  # right-to-left override
        "Jana\nNová",  # a name is one line
        "Jana\tNová",
        "Jana\u2028Nová",  # line separator
        "Jana\ud800",  # lone surrogate: cannot be encoded as UTF-8
    ],
)
def test_control_characters_in_names_are_rejected(value: str) -> None:
    v = Validator()
    assert v.name("name", value) is None
    error = only_error(v)
    assert error.code == Code.CONTROL_CHARACTERS
    assert "U+" in error.message


def test_notes_may_have_newlines_and_tabs() -> None:
    v = Validator()
    note = "Call back on Monday.\n\tAsk about the Kraków office."
    assert v.text("note", note, allow_newlines=True, max_length=5000) == note
    assert v.ok


def test_windows_line_endings_in_notes_become_newlines() -> None:
    v = Validator()
    assert v.text("note", "one\r\ntwo\rthree", allow_newlines=True) == "one\ntwo\nthree"


def test_nul_is_rejected_even_where_newlines_are_allowed() -> None:
    v = Validator()
    assert v.text("note", "one\n\x00two", allow_newlines=True) is None
    assert only_error(v).code == Code.CONTROL_CHARACTERS


def test_non_text_is_an_invalid_value() -> None:
    v = Validator()
    assert v.text("note", 12) is None
    assert only_error(v).code == Code.INVALID_VALUE


# --- e-mail -----------------------------------------------------------------------------------


def test_email_is_normalised_to_lower_case() -> None:
    v = Validator()
    assert v.email("email", "  Jana.Novakova@Firma.SK ") == "jana.novakova@firma.sk"
    assert v.ok


def test_international_email_addresses_are_accepted() -> None:
    v = Validator()
    assert v.email("email", "ŽOFIA@Příklad.cz") == "žofia@příklad.cz"
    assert v.email("email", "用户@例子.广告") == "用户@例子.广告"
    assert v.ok


@pytest.mark.parametrize(
    "value",
    ["foo@", "@firma.sk", "jana novak@firma.sk", "jana@localhost", "jana@firma..sk", "a@b@c.sk"],
)
def test_invalid_email_explains_why(value: str) -> None:
    v = Validator()
    assert v.email("email", value) is None
    error = only_error(v)
    assert error.code == Code.INVALID_EMAIL
    assert error.message.startswith(f"'{value}' is not a valid e-mail address: ")
    assert len(error.message) > len(f"'{value}' is not a valid e-mail address: ")


def test_email_local_part_over_64_characters_is_invalid() -> None:
    v = Validator()
    assert v.email("email", "a" * 65 + "@firma.sk") is None
    assert only_error(v).code == Code.INVALID_EMAIL


def test_email_over_254_characters_is_too_long() -> None:
    v = Validator()
    assert v.email("email", "jana@" + "a" * 250 + ".sk") is None
    assert only_error(v).code == Code.TOO_LONG


def test_required_email_must_be_given() -> None:
    v = Validator()
    assert v.email("email", None, required=True) is None
    assert only_error(v).code == Code.REQUIRED


# --- phone ------------------------------------------------------------------------------------


def test_phone_without_country_code_uses_default_region() -> None:
    v = Validator()
    assert v.phone("phone", "0905 123 456") == "+421905123456"
    assert v.phone("phone", "02/5441 1234") == "+421254411234"
    assert v.ok


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("+421 905 123 456", "+421905123456"),  # Slovakia
        ("+48 512 345 678", "+48512345678"),  # Poland
        ("+420 601 123 456", "+420601123456"),  # Czechia
        ("00420 601 123 456", "+420601123456"),  # international prefix instead of +
        ("+351 912 345 678", "+351912345678"),  # Portugal
        ("+86 138 0013 8000", "+8613800138000"),  # China
    ],
)
def test_international_phone_numbers_are_stored_as_e164(value: str, e164: str) -> None:
    v = Validator()
    assert v.phone("phone", value) == e164
    assert v.ok


def test_phone_region_argument_overrides_default() -> None:
    v = Validator()
    assert v.phone("phone", "138 0013 8000", region="CN") == "+8613800138000"
    assert v.phone("phone", "601 123 456", region="cz") == "+420601123456"
    assert v.ok


def test_default_region_is_configurable() -> None:
    v = Validator(default_phone_region="PL")
    assert v.phone("phone", "512 345 678") == "+48512345678"


def test_unknown_default_region_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="region"):
        Validator(default_phone_region="XX")


@pytest.mark.parametrize("value", ["12345", "abc", "+421 905", "+999 123 456 789", "0905123456789"])
def test_invalid_phone_numbers_are_rejected_with_an_example(value: str) -> None:
    v = Validator()
    assert v.phone("phone", value) is None
    error = only_error(v)
    assert error.code == Code.INVALID_PHONE
    assert "e.g. +" in error.message


def test_phone_extension_is_rejected_rather_than_dropped() -> None:
    v = Validator()
    assert v.phone("phone", "+421 2 5441 1234 ext. 12") is None
    assert only_error(v).code == Code.INVALID_PHONE


# --- countries, currencies, enums --------------------------------------------------------------


def test_country_code_is_upper_cased() -> None:
    v = Validator()
    assert v.country("country", "sk") == "SK"
    assert v.country("country", "PT") == "PT"
    assert v.ok


# "\u017fk" (long s) upper-cases to "SK": only ASCII letters may count as a code.
@pytest.mark.parametrize("value", ["XX", "SVK", "Slovakia", "S", "\u017fk"])
def test_invalid_country_is_rejected(value: str) -> None:
    v = Validator()
    assert v.country("country", value) is None
    assert only_error(v).code == Code.INVALID_COUNTRY


def test_country_name_error_suggests_the_code() -> None:
    v = Validator()
    v.country("country", "Slovakia")
    assert "SK" in only_error(v).message


def test_currency_code_is_upper_cased() -> None:
    v = Validator()
    assert v.currency("currency", "eur") == "EUR"
    assert v.currency("currency", "CZK") == "CZK"
    assert v.currency("currency", "pln") == "PLN"
    assert v.ok


@pytest.mark.parametrize("value", ["EU", "EURO", "ABC", "€", "SKK"])
def test_invalid_currency_is_rejected(value: str) -> None:
    v = Validator()
    assert v.currency("currency", value) is None
    assert only_error(v).code == Code.INVALID_CURRENCY


def test_enum_returns_the_canonical_spelling() -> None:
    v = Validator()
    assert v.enum("stage", "WON", STAGES) == "WON"
    assert v.enum("stage", " won ", STAGES) == "WON"
    assert v.ok


def test_invalid_enum_lists_the_allowed_values() -> None:
    v = Validator()
    assert v.enum("stage", "MAYBE", iter(STAGES)) is None
    error = only_error(v)
    assert error.code == Code.INVALID_ENUM
    assert "LEAD, QUALIFIED, WON, LOST" in error.message


# --- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("12.50", 125_000),
        (" 0.1234 ", 1_234),
        (Decimal("99.99"), 999_900),
        (15, 150_000),
        ("0", 0),
        ("1e3", 10_000_000),
        ("1000000000000", 10**16),
    ],
)
def test_money_is_converted_to_storage(value: str | Decimal | int, stored: int) -> None:
    v = Validator()
    assert v.money("price", value) == stored
    assert v.ok


@pytest.mark.parametrize("value", [12.5, 0.1, 1.0, True])
def test_float_money_is_rejected(value: float) -> None:
    v = Validator()
    assert v.money("price", value) is None
    error = only_error(v)
    assert error.code == Code.INVALID_MONEY
    assert "never a float" in error.message


@pytest.mark.parametrize(
    "value", ["12,50", "€12", "1 000", "1_000", "NaN", "Infinity", "٣", "12.5.0"]
)
def test_money_text_must_be_a_plain_decimal(value: str) -> None:
    v = Validator()
    assert v.money("price", value) is None
    assert only_error(v).code == Code.INVALID_MONEY


def test_money_with_decimal_comma_gets_a_hint() -> None:
    v = Validator()
    v.money("price", "12,50")
    assert "dot" in only_error(v).message


def test_money_with_more_than_four_decimals_is_rejected() -> None:
    v = Validator()
    assert v.money("price", "0.00001") is None
    assert only_error(v).code == Code.INVALID_MONEY


def test_negative_money_is_rejected() -> None:
    v = Validator()
    assert v.money("price", "-0.01") is None
    assert only_error(v).code == Code.NEGATIVE_AMOUNT


def test_money_above_a_trillion_is_out_of_range() -> None:
    v = Validator()
    assert v.money("price", "1000000000000.0001") is None
    assert only_error(v).code == Code.OUT_OF_RANGE


def test_non_finite_decimal_money_is_rejected() -> None:
    v = Validator()
    assert v.money("price", Decimal("Infinity")) is None
    assert only_error(v).code == Code.INVALID_MONEY


def test_required_money_must_be_given() -> None:
    v = Validator()
    assert v.money("price", None, required=True) is None
    assert only_error(v).code == Code.REQUIRED


# --- integers and numbers ---------------------------------------------------------------------


def test_integer_accepts_ints_and_digit_strings() -> None:
    v = Validator()
    assert v.integer("quantity", 3, minimum=1) == 3
    assert v.integer("quantity", " 12 ", minimum=1) == 12
    assert v.ok


def test_integer_out_of_range_names_the_bounds() -> None:
    v = Validator()
    assert v.integer("quantity", 0, minimum=1, maximum=999) is None
    error = only_error(v)
    assert error.code == Code.OUT_OF_RANGE
    assert "1" in error.message
    assert "999" in error.message


def test_unbounded_integer_still_fits_in_64_bits() -> None:
    v = Validator()
    assert v.integer("count", 2**63) is None
    assert only_error(v).code == Code.OUT_OF_RANGE


@pytest.mark.parametrize("value", [True, False, 2.5, "2.5", "three", [1]])
def test_non_integers_are_invalid_values(value: object) -> None:
    v = Validator()
    assert v.integer("quantity", value) is None
    assert only_error(v).code == Code.INVALID_VALUE


def test_lead_score_is_between_0_and_100() -> None:
    v = Validator()
    assert v.lead_score("leadScore", 0) == 0
    assert v.lead_score("leadScore", 100) == 100
    assert v.lead_score("leadScore", 101) is None
    assert v.lead_score("leadScore", -1) is None
    assert codes(v) == [Code.OUT_OF_RANGE, Code.OUT_OF_RANGE]
    assert "between 0 and 100" in v.errors[0].message


def test_sentiment_number_within_bounds() -> None:
    v = Validator()
    assert v.number("sentiment", -1, minimum=-1.0, maximum=1.0) == -1.0
    assert v.number("sentiment", "0.25", minimum=-1.0, maximum=1.0) == 0.25
    assert v.number("strength", Decimal("0.7"), minimum=0.0, maximum=1.0) == 0.7
    assert v.ok


def test_number_out_of_range() -> None:
    v = Validator()
    assert v.number("strength", 1.0000001, minimum=0.0, maximum=1.0) is None
    assert v.number("strength", 10**400, minimum=0.0, maximum=1.0) is None
    assert codes(v) == [Code.OUT_OF_RANGE, Code.OUT_OF_RANGE]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN")])
def test_nan_and_infinity_are_invalid_numbers(value: float | Decimal) -> None:
    v = Validator()
    assert v.number("sentiment", value, minimum=-1.0, maximum=1.0) is None
    assert only_error(v).code == Code.INVALID_VALUE


# --- dates and times --------------------------------------------------------------------------


def test_dates_accept_date_objects_and_iso_strings() -> None:
    v = Validator()
    assert v.date("closeDate", "2025-03-31") == dt.date(2025, 3, 31)
    assert v.date("closeDate", dt.date(2025, 3, 31)) == dt.date(2025, 3, 31)
    assert v.ok


@pytest.mark.parametrize("value", ["31.3.2025", "2025-02-30", "tomorrow", dt.datetime(2025, 1, 1)])
def test_invalid_dates_are_rejected(value: object) -> None:
    v = Validator()
    assert v.date("closeDate", value) is None
    assert only_error(v).code == Code.INVALID_DATE


@pytest.mark.parametrize("value", ["1899-12-31", "2201-01-01", dt.date(1, 1, 1)])
def test_implausible_years_are_out_of_range(value: object) -> None:
    v = Validator()
    assert v.date("closeDate", value) is None
    assert only_error(v).code == Code.OUT_OF_RANGE


def test_birthday_must_not_be_in_the_future() -> None:
    v = Validator()
    assert v.birthday("birthday", "1985-07-14", today=TODAY) == dt.date(1985, 7, 14)
    assert v.birthday("birthday", TODAY, today=TODAY) == TODAY
    assert v.birthday("birthday", "2025-06-02", today=TODAY) is None
    assert codes(v) == [Code.DATE_IN_FUTURE]


def test_datetime_is_normalised_to_utc() -> None:
    v = Validator()
    result = v.datetime("at", "2025-03-31T14:30:00+02:00")
    assert result == dt.datetime(2025, 3, 31, 12, 30, tzinfo=dt.UTC)
    assert result is not None
    assert result.utcoffset() == dt.timedelta(0)
    assert v.datetime("at", "2025-03-31T12:30:00Z") == result
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert v.datetime("at", dt.datetime(2025, 3, 31, 20, 30, tzinfo=shanghai)) == result
    assert v.ok


@pytest.mark.parametrize("value", ["2025-03-31T14:30:00", "2025-03-31", dt.datetime(2025, 3, 31)])
def test_naive_datetime_is_missing_a_timezone(value: object) -> None:
    v = Validator()
    assert v.datetime("at", value) is None
    assert only_error(v).code == Code.MISSING_TIMEZONE


@pytest.mark.parametrize(
    "value", ["31.3.2025 14:30", "2025-03-31T25:00Z", "soon", dt.date(2025, 3, 31)]
)
def test_unparseable_datetime_is_invalid(value: object) -> None:
    v = Validator()
    assert v.datetime("at", value) is None
    assert only_error(v).code == Code.INVALID_DATETIME


def test_datetime_year_out_of_range() -> None:
    v = Validator()
    assert v.datetime("at", "0001-01-01T00:00:00+05:00") is None
    assert only_error(v).code == Code.OUT_OF_RANGE


# --- handles, SKUs, external ids --------------------------------------------------------------


def test_video_call_handles_are_accepted() -> None:
    v = Validator()
    assert v.url_or_handle("videoCall", " https://meet.example.com/abc-defg ") == (
        "https://meet.example.com/abc-defg"
    )
    assert v.url_or_handle("videoCall", "skype:jan.novak") == "skype:jan.novak"
    assert v.ok


def test_handles_with_inner_whitespace_are_invalid() -> None:
    v = Validator()
    assert v.url_or_handle("videoCall", "jan novak") is None
    assert only_error(v).code == Code.INVALID_VALUE


def test_sku_is_upper_cased() -> None:
    v = Validator()
    assert v.sku("sku", " ab-12.x_3 ") == "AB-12.X_3"
    assert v.sku("sku", "A" * 64) == "A" * 64
    assert v.ok


@pytest.mark.parametrize("value", ["AB 12", "AB/12", "ŠKODA-1", "A" * 65])
def test_invalid_sku_is_rejected(value: str) -> None:
    v = Validator()
    assert v.sku("sku", value) is None
    assert only_error(v).code == Code.INVALID_SKU


def test_external_id_is_kept_exactly() -> None:
    v = Validator()
    assert v.external_id("externalId", "SAP:0000123/ab") == "SAP:0000123/ab"
    assert v.external_id("externalId", 12345) == "12345"
    assert v.external_id("externalId", "x" * EXTERNAL_ID_MAX_LENGTH) == "x" * 128
    assert v.ok


@pytest.mark.parametrize("value", [" 123", "123 ", "12\x003", "12\u200b3", "x" * 129, True])
def test_invalid_external_id_is_rejected(value: object) -> None:
    v = Validator()
    assert v.external_id("externalId", value) is None
    assert only_error(v).code == Code.INVALID_EXTERNAL_ID


@pytest.mark.parametrize("method", ["text", "email", "phone", "money", "integer", "date", "sku"])
def test_whitespace_only_input_is_blank_for_every_kind_of_field(method: str) -> None:
    v = Validator()
    assert CASES[method][0](v, " \t ") is None
    assert only_error(v).code == Code.BLANK


# --- collecting errors ------------------------------------------------------------------------


def test_all_errors_are_reported_together() -> None:
    v = Validator()
    v.name("firstName", "", required=True)
    v.email("email", "jana@")
    v.phone("phone", "12")
    v.money("dealValue", 99.5)
    v.lead_score("leadScore", 250)
    assert codes(v) == [
        Code.BLANK,
        Code.INVALID_EMAIL,
        Code.INVALID_PHONE,
        Code.INVALID_MONEY,
        Code.OUT_OF_RANGE,
    ]
    assert not v.ok
    with pytest.raises(ValidationFailed) as caught:
        v.raise_if_any()
    assert caught.value.errors == v.errors
    assert "5 invalid field(s)" in str(caught.value)


def test_valid_input_raises_nothing() -> None:
    v = Validator()
    v.name("firstName", "Ľubica", required=True)
    v.raise_if_any()
    assert v.ok
    assert v.errors == []


def test_field_paths_include_the_prefix_and_nested_parts() -> None:
    v = Validator(prefix=("input",))
    v.integer(("lines", "2", "quantity"), 0, minimum=1)
    v.integer(("lines", 3, "quantity"), 0, minimum=1)
    assert [e.field for e in v.errors] == [
        ("input", "lines", "2", "quantity"),
        ("input", "lines", "3", "quantity"),
    ]


def test_scoped_validator_reports_into_the_parent() -> None:
    v = Validator()
    line = v.scoped(("lines", "0"))
    line.sku("sku", "bad sku")
    assert [e.field for e in v.errors] == [("input", "lines", "0", "sku")]


def test_callers_can_add_custom_errors() -> None:
    v = Validator(prefix=("rows", "17"))
    v.add("email", "DUPLICATE", "jana@firma.sk is already used by Jana Nováková.")
    assert v.errors == [
        FieldError(
            ("rows", "17", "email"), "DUPLICATE", "jana@firma.sk is already used by Jana Nováková."
        )
    ]


def test_errors_property_is_a_copy() -> None:
    v = Validator()
    v.add("x", Code.NOT_FOUND, "No such company.")
    v.errors.clear()
    assert not v.ok


def test_messages_show_invisible_characters() -> None:
    v = Validator()
    v.email("email", "jana\u200b@firma.sk")
    assert "\\u200b" in only_error(v).message


# --- properties: never crash, always return normalised values ----------------------------------

all_text = st.text(st.characters(exclude_categories=()), max_size=300)
fixed_offsets = st.builds(
    dt.timezone,
    st.timedeltas(
        min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23, minutes=59)
    ),
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    st.decimals(),
    all_text,
    st.dates(),
    st.datetimes(timezones=st.none() | fixed_offsets),
    st.lists(st.integers(), max_size=2),
)


def plausible_text(alphabet: str, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(alphabet, max_size=max_size)


def _example_phone(region: str, style: int) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    number = number or phonenumbers.example_number(region)
    return str(phonenumbers.format_number(number, style)) if number is not None else region


# Real numbers from libphonenumber's own examples for every region, written the ways people
# write them, plus random digit soup; most are valid, so the E.164 invariant gets exercised.
plausible_phones = st.one_of(
    st.builds(
        _example_phone,
        st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)),
        st.sampled_from(
            [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164]
        ),
    ),
    st.from_regex(r"\A(\+|00)?[0-9 ()/-]{6,18}\Z"),
)
plausible_currencies = st.one_of(
    st.sampled_from(sorted(c.alpha_3 for c in pycountry.currencies)).map(lambda code: code.lower()),
    plausible_text("eurEURczk", 4),
)


def check_text(result: object, max_length: int = 200, newlines: bool = False) -> None:
    assert isinstance(result, str)
    assert result
    assert result == result.strip()
    assert unicodedata.is_normalized("NFC", result)
    assert len(result) <= max_length
    allowed = {"\n", "\t"} if newlines else set()
    assert not any(
        unicodedata.category(c) in FORBIDDEN_CATEGORIES and c not in allowed for c in result
    )
    assert "\x00" not in result


def check_email(result: object) -> None:
    assert isinstance(result, str)
    assert result.count("@") == 1
    assert result == result.lower()
    assert len(result) <= 254


def check_phone(result: object) -> None:
    assert isinstance(result, str)
    assert E164.match(result)


def check_country(result: object) -> None:
    assert isinstance(result, str)
    assert re.fullmatch(r"[A-Z]{2}", result)
    assert pycountry.countries.get(alpha_2=result) is not None


def check_currency(result: object) -> None:
    assert isinstance(result, str)
    assert re.fullmatch(r"[A-Z]{3}", result)


def check_money(result: object) -> None:
    assert isinstance(result, int)
    assert not isinstance(result, bool)
    assert 0 <= result <= 10**16


def check_integer(result: object) -> None:
    assert isinstance(result, int)
    assert not isinstance(result, bool)
    assert -(2**63) <= result <= 2**63 - 1


def check_lead_score(result: object) -> None:
    assert isinstance(result, int)
    assert 0 <= result <= 100


def check_number(result: object) -> None:
    assert isinstance(result, float)
    assert -1.0 <= result <= 1.0


def check_date(result: object) -> None:
    assert isinstance(result, dt.date)
    assert not isinstance(result, dt.datetime)
    assert 1900 <= result.year <= 2200


def check_birthday(result: object) -> None:
    check_date(result)
    assert isinstance(result, dt.date)
    assert result <= TODAY


def check_datetime(result: object) -> None:
    assert isinstance(result, dt.datetime)
    assert result.utcoffset() == dt.timedelta(0)


def check_enum(result: object) -> None:
    assert result in STAGES


def check_handle(result: object) -> None:
    check_text(result)
    assert isinstance(result, str)
    assert not any(c.isspace() for c in result)


def check_sku(result: object) -> None:
    assert isinstance(result, str)
    assert re.fullmatch(r"[A-Z0-9._-]{1,64}", result)


def check_external_id(result: object) -> None:
    assert isinstance(result, str)
    assert 1 <= len(result) <= 128
    assert result == result.strip()
    assert result.isprintable()


Method = Callable[[Validator, object], object]

# Each case: the call, the invariant of a returned value, and values likely to be valid so the
# invariants are checked on real successes and not only on rejections.
CASES: dict[str, tuple[Method, Callable[[object], None], st.SearchStrategy[object]]] = {
    "text": (
        lambda v, x: v.text("f", x, max_length=50),
        lambda r: check_text(r, max_length=50),
        st.text(max_size=60),
    ),
    "notes": (
        lambda v, x: v.text("f", x, max_length=500, allow_newlines=True),
        lambda r: check_text(r, max_length=500, newlines=True),
        plausible_text("abc \n\r\t\u0301\u00e9", 80),
    ),
    "name": (lambda v, x: v.name("f", x), check_text, st.text(max_size=40)),
    "email": (lambda v, x: v.email("f", x), check_email, st.emails()),
    "phone": (
        lambda v, x: v.phone("f", x),
        check_phone,
        plausible_phones,
    ),
    "country": (lambda v, x: v.country("f", x), check_country, plausible_text("skczKSCZ", 3)),
    "currency": (lambda v, x: v.currency("f", x), check_currency, plausible_currencies),
    "money": (
        lambda v, x: v.money("f", x),  # type: ignore[arg-type]
        check_money,
        st.decimals(min_value=0, max_value=10**12, places=4).map(str),
    ),
    "integer": (lambda v, x: v.integer("f", x), check_integer, st.integers().map(str)),
    "lead_score": (
        lambda v, x: v.lead_score("f", x),
        check_lead_score,
        st.integers(-5, 105),
    ),
    "number": (
        lambda v, x: v.number("f", x, minimum=-1.0, maximum=1.0),
        check_number,
        st.floats(-1.5, 1.5),
    ),
    "date": (
        lambda v, x: v.date("f", x),
        check_date,
        st.dates(dt.date(1850, 1, 1), dt.date(2250, 1, 1)).map(dt.date.isoformat),
    ),
    "birthday": (
        lambda v, x: v.birthday("f", x, today=TODAY),
        check_birthday,
        st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2030, 1, 1)),
    ),
    "datetime": (
        lambda v, x: v.datetime("f", x),
        check_datetime,
        st.datetimes(dt.datetime(1850, 1, 1), dt.datetime(2250, 1, 1), timezones=fixed_offsets).map(
            dt.datetime.isoformat
        ),
    ),
    "enum": (
        lambda v, x: v.enum("f", x, STAGES),
        check_enum,
        st.sampled_from(STAGES).map(str.lower),
    ),
    "url_or_handle": (
        lambda v, x: v.url_or_handle("f", x),
        check_handle,
        plausible_text("ab:/. -\u200b", 20),
    ),
    "sku": (lambda v, x: v.sku("f", x), check_sku, plausible_text("aZ9._- /", 70)),
    "external_id": (
        lambda v, x: v.external_id("f", x),
        check_external_id,
        plausible_text("aZ9:/ \t\u00e9", 130),
    ),
}


@pytest.mark.parametrize("method", sorted(CASES))
@fast
@given(data=st.data())
def test_validator_methods_never_crash_and_return_normalised_values(
    method: str, data: st.DataObject
) -> None:
    call, check, plausible = CASES[method]
    value = data.draw(st.one_of(anything, plausible), label="value")
    v = Validator()
    result = call(v, value)
    assert all(isinstance(e, FieldError) for e in v.errors)
    assert len(v.errors) <= 1  # one problem per field, never a pile-up
    if v.errors:
        assert result is None
        error = v.errors[0]
        assert error.field == ("input", "f")
        assert error.code in set(Code)
        assert error.message
    elif value is None:
        assert result is None
    else:
        check(result)


@fast
@given(st.decimals(min_value=0, max_value=10**12, places=4))
def test_valid_money_text_is_stored_exactly(amount: Decimal) -> None:
    v = Validator()
    stored = v.money("price", str(amount))
    assert stored == int(amount * 10**SCALE)
    assert from_storage(stored) == amount


@fast
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_float_is_rejected_as_money(value: float) -> None:
    v = Validator()
    assert v.money("price", value) is None
    assert only_error(v).code == Code.INVALID_MONEY


@fast
@given(st.emails())
def test_valid_emails_are_accepted_and_idempotent(address: str) -> None:
    v = Validator()
    first = v.email("email", address)
    if first is not None:  # st.emails() may produce reserved domains the library refuses
        assert v.email("email", first) == first
