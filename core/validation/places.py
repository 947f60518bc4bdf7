"""Countries and currencies, as ISO codes (pycountry is the registry)."""

from __future__ import annotations

import functools
import re
from typing import Any, Final

import pycountry

from core.validation._base import ValidatorBase, _show
from core.validation.errors import Code, FieldName

_COUNTRY_RE: Final = re.compile(r"[A-Za-z]{2}", re.ASCII)
_CURRENCY_RE: Final = re.compile(r"[A-Za-z]{3}", re.ASCII)


@functools.lru_cache(maxsize=1024)
def _registered(registry: Any, key: str, code: str) -> bool:
    """True when the pycountry `registry` has an entry whose `key` is `code` (cached: every
    imported address asks about the same few countries)."""
    return registry.get(**{key: code}) is not None


class PlaceChecks(ValidatorBase):
    """Countries and currencies, as ISO codes (pycountry is the registry)."""

    def country(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An ISO 3166-1 alpha-2 code ("SK"), the form every other system exchanges."""
        return self._iso_code(
            field,
            value,
            required=required,
            code=Code.INVALID_COUNTRY,
            pattern=_COUNTRY_RE,
            registry=pycountry.countries,
            key="alpha_2",
            what="a two-letter ISO country code such as SK, CZ or PL",
        )

    def currency(self, field: FieldName, value: object, *, required: bool = False) -> str | None:
        """An ISO 4217 code ("EUR"); amounts are meaningless without one."""
        return self._iso_code(
            field,
            value,
            required=required,
            code=Code.INVALID_CURRENCY,
            pattern=_CURRENCY_RE,
            registry=pycountry.currencies,
            key="alpha_3",
            what="a three-letter ISO currency code such as EUR, CZK or PLN",
        )

    def _iso_code(
        self,
        field: FieldName,
        value: object,
        *,
        required: bool,
        code: Code,
        pattern: re.Pattern[str],
        registry: Any,
        key: str,
        what: str,
    ) -> str | None:
        """An upper-cased ISO code from `registry`; a near miss gets a "Did you mean" hint."""
        text = self._present_string(field, value, required=required, wrong_type=code)
        if text is None:
            return None
        upper = text.upper()
        if pattern.fullmatch(text) and _registered(registry, key, upper):
            return upper
        hint = ""
        try:
            found = registry.lookup(text)
            hint = f" Did you mean {getattr(found, key)} ({found.name})?"
        except LookupError:
            pass
        self.add(field, code, f"{_show(text)} is not {what}.{hint}")
        return None
        code = text.upper()
        if _CURRENCY_RE.fullmatch(text) and pycountry.currencies.get(alpha_3=code) is not None:
            return code
        hint = ""
        try:
            found = pycountry.currencies.lookup(text)
            hint = f" Did you mean {found.alpha_3} ({found.name})?"
        except LookupError:
            pass
        self.add(
            field,
            Code.INVALID_CURRENCY,
            f"{_show(text)} is not a three-letter ISO currency code such as EUR, CZK or PLN.{hint}",
        )
        return None
