"""E-mail addresses and phone numbers: normalised so that one person is one value."""

from __future__ import annotations

import functools
import re
from typing import Final

import email_validator
import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

from core.validation._base import ValidatorBase, _show
from core.validation.errors import Code, FieldName

EMAIL_MAX_LENGTH: Final = 254  # RFC 5321's path limit minus the angle brackets
_E164_RE: Final = re.compile(r"\+[1-9]\d{6,14}", re.ASCII)
_PLAIN_EMAIL_RE: Final = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}",
    re.ASCII,
)


_PHONE_EXTENSION: Final = "extension"


@functools.lru_cache(maxsize=8192)
def _e164(text: str, region: str | None) -> str | None:
    """The E.164 form of a stripped phone text read in `region`: None when it is not a valid
    number, `_PHONE_EXTENSION` when it carries an extension. Pure, so cached: parsing and
    validating cost ~20 µs, and imports repeat numbers (switchboards, shared lines)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if number.extension:
        return _PHONE_EXTENSION
    if not phonenumbers.is_valid_number(number):
        return None
    formatted = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if not _E164_RE.fullmatch(formatted):  # pragma: no cover - defensive, never seen
        return None
    return formatted


def _plain_email(text: str) -> str | None:
    """The normalised form of a plain ASCII address, or None to go the full (slow) way.

    A fast path for bulk imports, where email_validator's Unicode handling costs more than
    everything else in a row. It only answers for addresses that email_validator provably
    accepts unchanged apart from case (dot-atom local part of letters, digits, "_", "+", "-";
    a domain of LDH labels without "--", so no IDNA; an alphabetic TLD; no special-use domain)
    and otherwise defers to it; tests/test_import_export.py checks the two agree.
    """
    if len(text) > EMAIL_MAX_LENGTH or not _PLAIN_EMAIL_RE.fullmatch(text):
        return None
    local, _, domain = text.lower().rpartition("@")
    if len(local) > 64 or "--" in domain:
        return None
    special = email_validator.SPECIAL_USE_DOMAIN_NAMES  # read live: it is a mutable global
    if any(domain == d or domain.endswith("." + d) for d in special):
        return None
    return f"{local}@{domain}"


class ContactChecks(ValidatorBase):
    """E-mail addresses and phone numbers."""

    def email(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An e-mail address, normalised for de-duplication.

        The whole address is lower-cased. RFC 5321 allows case-sensitive local parts, but no
        mail system in practice uses them, and "Jan.Novak@" and "jan.novak@" being two customers
        is a far worse problem. DNS is never consulted: validation must be offline and fast.
        """
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_EMAIL)
        if text is None:
            return None
        if len(text) > EMAIL_MAX_LENGTH:
            self.add(
                field,
                Code.TOO_LONG,
                f"An e-mail address can be at most {EMAIL_MAX_LENGTH} characters.",
            )
            return None
        fast = _plain_email(text)
        if fast is not None:
            return fast
        try:
            normalised = self._validate_email(text)
            lowered = normalised.lower()
            if lowered != normalised:
                # Lower-casing can in rare cases produce a different (or invalid) address, so the
                # lower-cased form is validated again rather than trusted.
                lowered = self._validate_email(lowered).lower()
        except EmailNotValidError as exc:
            self.add(
                field,
                Code.INVALID_EMAIL,
                f"{_show(text)} is not a valid e-mail address: {exc}",
            )
            return None
        if len(lowered) > EMAIL_MAX_LENGTH:
            self.add(
                field,
                Code.TOO_LONG,
                f"An e-mail address can be at most {EMAIL_MAX_LENGTH} characters.",
            )
            return None
        return lowered

    @staticmethod
    def _validate_email(text: str) -> str:
        # Every option is spelled out: email_validator reads unspecified ones from module-level
        # globals that any other import could change.
        result = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_empty_local=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,  # enforces the 64-character local-part limit, off by default
            globally_deliverable=True,
            test_environment=False,
        )
        return f"{result.local_part}@{result.domain}"

    def phone(
        self,
        field: FieldName,
        value: object,
        *,
        region: str | None = None,
        required: bool = False,
    ) -> str | None:
        """A phone number, stored as E.164 ("+421905123456") so the same number always matches.

        Numbers without a country code are read as local to `region` (for example the contact's
        country) or else the validator's default region. Extensions are rejected rather than
        silently dropped, since E.164 has no place for them.
        """
        text = self._present_string(field, value, required=required, wrong_type=Code.INVALID_PHONE)
        if text is None:
            return None
        chosen = (region or self.default_phone_region).upper()
        parse_region = chosen if chosen in phonenumbers.SUPPORTED_REGIONS else None
        formatted = _e164(text, parse_region)
        if formatted == _PHONE_EXTENSION:
            self.add(
                field,
                Code.INVALID_PHONE,
                f"{_show(text)} has an extension; store the main number only "
                "and put the extension in a note.",
            )
            return None
        if formatted is None:
            self.add(field, Code.INVALID_PHONE, self._phone_message(text, parse_region))
            return None
        return formatted

    @staticmethod
    def _phone_message(text: str, region: str | None) -> str:
        """Explain with a real example, since "invalid" alone does not tell anyone what to type."""
        example = phonenumbers.example_number_for_type(
            region or "SK", phonenumbers.PhoneNumberType.MOBILE
        )
        sample = (
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            if example is not None
            else "+421 912 123 456"
        )
        where = ""
        if region is not None:
            country = pycountry.countries.get(alpha_2=region)
            where = f" for {country.name if country is not None else region}"
        return (
            f"{_show(text)} is not a valid phone number{where}. "
            f"Write it with the country code, e.g. {sample}."
        )
