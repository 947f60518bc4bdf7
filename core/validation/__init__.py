"""Input validation shared by every GraphQL mutation and the bulk importer.

One code path on purpose: a contact that the importer accepts must be one the API would accept,
and vice versa, or the two slowly drift into storing different shapes of the same data.

A `Validator` collects `FieldError`s rather than raising at the first problem, so a salesperson
who submits a form (or a file of 5,000 rows) sees every problem at once instead of fixing them one
round trip at a time. Each method returns the *normalised* value to store, or None when the input
was invalid (an error is then recorded) or simply absent. Error codes are stable API: clients
match on them, humans read the messages.
"""

from __future__ import annotations

from core.validation._base import ValidatorBase
from core.validation.contact import ContactChecks
from core.validation.dates import DateChecks
from core.validation.errors import Code, FieldError, FieldName, ValidationFailed
from core.validation.numbers import NumberChecks
from core.validation.places import PlaceChecks
from core.validation.text import TextChecks

__all__ = ["Code", "FieldError", "FieldName", "ValidationFailed", "Validator"]


class Validator(TextChecks, ContactChecks, PlaceChecks, NumberChecks, DateChecks, ValidatorBase):
    """Collects every problem in one input, and hands back normalised values.

    Usage::

        v = Validator()
        email = v.email("email", data.get("email"), required=True)
        phone = v.phone("phone", data.get("phone"))
        v.raise_if_any()

    `prefix` is prepended to every field path ("input" for a mutation argument, or
    ("rows", "17") in the importer). `default_phone_region` is where numbers written without a
    country code are assumed to be (a Slovak sales team writes "0905 123 456").
    """

    def scoped(self, field: FieldName) -> Validator:
        """A validator for a nested object that records into this one's error list.

        Lets a caller validate ``input.lines[2]`` with the same helpers (``line.integer
        ("quantity", ...)``) while still reporting everything together.
        """
        child = Validator(self.path(field), self.default_phone_region)
        child._errors = self._errors
        return child
