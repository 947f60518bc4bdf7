"""`Ref`: a decoded global id from a mutation's input, which the runner (_tx.py) and the
authorization policy (policy.py) both speak of, so neither needs to import the other for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A decoded global id from the input, with the input field it came from."""

    field: tuple[str, ...]
    type_name: str
    raw_id: str

    def same_node(self, other: Ref) -> bool:
        return (self.type_name, self.raw_id) == (other.type_name, other.raw_id)
