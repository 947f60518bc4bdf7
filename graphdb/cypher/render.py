"""Rendering a tree into one statement's text; the names and placeholders are handed out by
`Renderer` (graphdb/cypher/ast.py)."""

from __future__ import annotations

from graphdb.cypher.ast import Node, Renderer, Statement

__all__ = ["Renderer", "Statement", "render"]


def render(node: Node, statement: Statement) -> str:
    return node.render(Renderer(statement))
