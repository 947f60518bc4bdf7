"""A small Cypher builder: statements as trees whose variables get their names when rendered.

Why: the read compiler used to write Cypher with f-strings and hand-picked variable names, and a
nested field that reused an outer name silently shadowed it (the conformance nesting bug). Here
a variable is an object (`Var`), not a name; the renderer gives each one a name no other
variable of the statement has, so two variables can never collide, at any nesting depth. A user
value can only enter as a `Param` (rendered `$pN`); literals are numbers, booleans and the code's
own string constants (escaped); property and map keys are checked identifiers. The only text is
the templates' own, which are string constants in the code (`Q`).

Nodes: `Var`, `Param`, `Lit`, `Q` (a template with named slots), `Map`, `Case`, `Subquery`
(COLLECT/COUNT/EXISTS/CALL), `Join`, `Embed` (an older plan node's expression over a rendered
variable). `render(node, em)` writes the text, drawing names and parameters from the
statement's `Emitter`, so built and hand-written parts of one statement share them.
"""

from graphdb.cypher.ast import (
    Case,
    Embed,
    Join,
    Key,
    Lit,
    Map,
    Node,
    Param,
    Q,
    Subquery,
    Var,
    collect,
    count,
    first_of,
)
from graphdb.cypher.render import Renderer, Statement, render

__all__ = [
    "Case",
    "Embed",
    "Join",
    "Key",
    "Lit",
    "Map",
    "Node",
    "Param",
    "Q",
    "Renderer",
    "Statement",
    "Subquery",
    "Var",
    "collect",
    "count",
    "first_of",
    "render",
]
