"""Formulas of calculated KPIs: KPI ids, numbers, ``+ - * /`` and parentheses, nothing else.

A small recursive-descent parser turns the text into a tree; nothing here evaluates user text with
``eval``. Evaluation over monthly series lives in compute.py.

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | ID | "(" expr ")"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from kpi_scorecard.errors import quote

MAX_NESTING = 50
MAX_NUMBER_LENGTH = 400
"""No formula needs a longer number; Python refuses to convert one of over 4,300 digits."""
Operator = Literal["+", "-", "*", "/"]


@dataclass(frozen=True)
class Number:
    value: Fraction
    """Exactly as written: ``0.1`` is one tenth, not its binary neighbour."""


@dataclass(frozen=True)
class Ref:
    """A reference to another KPI by id."""

    name: str


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class BinOp:
    op: Operator
    left: Expr
    right: Expr


Expr = Number | Ref | Neg | BinOp


class FormulaSyntaxError(ValueError):
    """A formula that does not parse; ``column`` is 1-based within the formula text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} at column {column}")
        self.message = message
        self.column = column


_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/()])|(?P<bad>\S))"
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    column: int


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:  # trailing white space
            continue
        column = match.start(kind) + 1
        if kind == "bad":
            raise FormulaSyntaxError(f"unexpected character {quote(match.group(kind))}", column)
        tokens.append(_Token(kind, match.group(kind), column))
    tokens.append(_Token("end", "", len(text.rstrip()) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.position = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expr(self) -> Expr:
        node = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            node = BinOp("+" if op == "+" else "-", node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.peek().text in ("*", "/"):
            op = self.take().text
            node = BinOp("*" if op == "*" else "/", node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.peek().text == "-":
            minus = self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise FormulaSyntaxError(f"more than {MAX_NESTING} nested signs", minus.column)
            node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Expr:
        token = self.take()
        if token.kind == "number":
            if len(token.text) > MAX_NUMBER_LENGTH:
                raise FormulaSyntaxError(
                    f"a number of {len(token.text)} characters (at most {MAX_NUMBER_LENGTH})",
                    token.column,
                )
            return Number(Fraction(token.text))
        if token.kind == "name":
            return Ref(token.text)
        if token.text == "(":
            # Nesting is bounded so that hostile input cannot exhaust the Python stack.
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise FormulaSyntaxError(
                    f"more than {MAX_NESTING} nested parentheses", token.column
                )
            node = self.expr()
            self.depth -= 1
            closing = self.take()
            if closing.text != ")":
                raise FormulaSyntaxError("missing ')'", closing.column)
            return node
        found = "end of formula" if token.kind == "end" else quote(token.text)
        raise FormulaSyntaxError(
            f"expected a KPI id, a number or '(' but found {found}", token.column
        )


def parse(text: str) -> Expr:
    """Parse a formula; raises FormulaSyntaxError naming the column of the first problem."""
    parser = _Parser(text)
    node = parser.expr()
    rest = parser.peek()
    if rest.kind != "end":
        raise FormulaSyntaxError(f"unexpected {quote(rest.text)}", rest.column)
    return node


def references(expr: Expr) -> set[str]:
    """The KPI ids a formula uses."""
    if isinstance(expr, Ref):
        return {expr.name}
    if isinstance(expr, Neg):
        return references(expr.operand)
    if isinstance(expr, BinOp):
        return references(expr.left) | references(expr.right)
    return set()
