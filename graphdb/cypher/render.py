"""Rendering: the one place variable names and parameter placeholders are handed out."""

from __future__ import annotations

from typing import Any, Protocol

from graphdb.cypher.ast import Node, Param, Var


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


def render(node: Node, statement: Statement) -> str:
    return node.render(Renderer(statement))
