"""The builder's node types (see the package docstring). Each renders itself through a
`Renderer`, which owns the names and the parameters (defined last, after the nodes it names)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

_IDENTIFIER = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


class Node:
    def render(self, r: Renderer) -> str:
        raise NotImplementedError


class Var(Node):
    """A variable. Compared by identity: two `Var("n")` are two variables, named apart.

    `Var.bound(name)` is a variable that already has its name (one a hand-written part of the
    statement declared), for the few places built and older code meet."""

    def __init__(self, hint: str = "v", name: str | None = None) -> None:
        if not _IDENTIFIER.fullmatch(hint):
            raise ValueError(f"not a variable hint: {hint!r}")
        self.hint, self.fixed = hint, name

    @classmethod
    def bound(cls, name: str) -> Var:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a variable name: {name!r}")
        return cls(name, name)

    def render(self, r: Renderer) -> str:
        return r.name(self)

    def __repr__(self) -> str:
        return f"Var({self.hint!r})"


@dataclass(eq=False)
class Param(Node):
    """A value sent as a parameter: the only way a user value reaches a statement."""

    value: Any

    def render(self, r: Renderer) -> str:
        return r.param(self)


@dataclass(frozen=True)
class Lit(Node):
    """A literal of the code's own: a number, a boolean, null, a string constant (escaped),
    or a list of those. Never a user value (use `Param`)."""

    value: Any

    def render(self, r: Renderer) -> str:
        return _literal(self.value)


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    raise TypeError(f"not a Cypher literal: {type(value).__name__}")


@dataclass(frozen=True)
class Key(Node):
    """A map key or property name: a checked identifier, back-quoted."""

    name: str

    def __post_init__(self) -> None:
        if not _IDENTIFIER.fullmatch(self.name):
            raise ValueError(f"not an identifier: {self.name!r}")

    def render(self, r: Renderer) -> str:
        return f"`{self.name}`"


Slot = Node | str  # a str slot is a Key-checked identifier (a label, a property)


class Q(Node):
    """A template of Cypher text with `{name}` slots filled by nodes.

    The text is the code's own (a string constant); slots are nodes, so a variable is named by
    the renderer and a value is a parameter. A slot given as a str must be an identifier (a
    label or property name from the model) and is written as is; `{{`/`}}` are braces."""

    def __init__(self, template: str, **slots: Slot) -> None:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        missing = names - slots.keys()
        if missing:
            raise KeyError(f"template slots without a value: {sorted(missing)}")
        for key, value in slots.items():
            if isinstance(value, str) and not _IDENTIFIER.fullmatch(value):
                raise ValueError(f"slot {key!r} is text, not an identifier: {value!r}")
        self.template, self.slots = template, slots

    def render(self, r: Renderer) -> str:
        return self.template.format(
            **{k: v if isinstance(v, str) else v.render(r) for k, v in self.slots.items()}
        )


@dataclass
class Map(Node):
    """A map literal `{key: value, …}` with checked keys."""

    entries: Sequence[tuple[str, Node]] = field(default_factory=list)

    def render(self, r: Renderer) -> str:
        body = ", ".join(f"{Key(k).render(r)}: {v.render(r)}" for k, v in self.entries)
        return "{" + body + "}"


@dataclass
class Case(Node):
    """`CASE WHEN c THEN v … [ELSE e] END`."""

    whens: Sequence[tuple[Node, Node]]
    otherwise: Node | None = None

    def render(self, r: Renderer) -> str:
        parts = [f"WHEN {c.render(r)} THEN {v.render(r)}" for c, v in self.whens]
        if self.otherwise is not None:
            parts.append(f"ELSE {self.otherwise.render(r)}")
        return f"CASE {' '.join(parts)} END"


@dataclass
class Subquery(Node):
    """`COLLECT { … }`, `COUNT { … }`, `EXISTS { … }`, or `CALL (imports) { … }`."""

    kind: str  # COLLECT | COUNT | EXISTS | CALL
    body: Sequence[Node]
    imports: Sequence[Var] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("COLLECT", "COUNT", "EXISTS", "CALL"):
            raise ValueError(f"not a subquery kind: {self.kind}")

    def render(self, r: Renderer) -> str:
        body = " ".join(part.render(r) for part in self.body)
        if self.kind == "CALL":
            return f"CALL ({', '.join(v.render(r) for v in self.imports)}) {{ {body} }}"
        return f"{self.kind} {{ {body} }}"


@dataclass
class Join(Node):
    """Nodes separated by `sep` (a scope list, a WHERE conjunction)."""

    parts: Sequence[Node]
    sep: str = ", "

    def render(self, r: Renderer) -> str:
        return self.sep.join(p.render(r) for p in self.parts)


def collect(*body: Node) -> Subquery:
    return Subquery("COLLECT", body)


def count(*body: Node) -> Subquery:
    return Subquery("COUNT", body)


def first_of(*body: Node) -> Node:
    """`head(COLLECT { … })`: a to-one subquery's single value, or null."""
    return Q("head({c})", c=collect(*body))


@dataclass
class Embed(Node):
    """An expression written by a plan node that is not built with this package yet, over
    variables of this tree: `write` gets their rendered names and the renderer."""

    write: Callable[[Renderer], str]

    def render(self, r: Renderer) -> str:
        return self.write(r)


class _Names(Protocol):
    def new(self, prefix: str = "n") -> str: ...


class _Values(Protocol):
    def add(self, value: Any) -> str: ...


class Statement(Protocol):
    """Where a statement's names and parameters come from (the compiler's `Emitter`)."""

    @property
    def vars(self) -> _Names: ...

    @property
    def params(self) -> _Values: ...


class Renderer:
    """Names each `Var` on first sight with a fresh name from the statement's names (so it
    differs from every other variable of the statement, built or hand-written), and adds each
    `Param` once to its parameters."""

    def __init__(self, statement: Statement) -> None:
        self.em = statement
        self._names: dict[int, str] = {}
        self._params: dict[int, str] = {}
        #: the nodes named so far, kept alive so their ids stay theirs while this renders
        self._seen: list[Node] = []

    def name(self, var: Var) -> str:
        if var.fixed is not None:
            return var.fixed
        if id(var) not in self._names:
            self._names[id(var)] = self.em.vars.new(var.hint)
            self._seen.append(var)
        return self._names[id(var)]

    def param(self, param: Param) -> str:
        if id(param) not in self._params:
            self._params[id(param)] = self.em.params.add(param.value)
            self._seen.append(param)
        return self._params[id(param)]
