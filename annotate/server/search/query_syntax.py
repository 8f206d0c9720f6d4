"""Parse Elasticsearch's `simple_query_string` syntax into a small boolean tree.

Argilla sends the user's text to Elasticsearch as a `simple_query_string` with
`default_operator: AND`, so the same operators work here:

    metformina diabetes        both words (whitespace is AND)
    metformina | insulina      either word
    diabetes -gestacional      "diabetes" but not "gestacional"
    "dosis diaria"             the phrase (words next to each other)
    metfor*                    a word starting with "metfor"
    (a | b) c                  grouping

As in Lucene's SimpleQueryParser, operators have no precedence: they combine left to
right (`a b | c` is `(a AND b) OR c`). Fuzziness and slop suffixes (`~2`) are accepted and
ignored. A word is split into the tokens the full-text index stores (`COVID-19` becomes
`covid AND 19`), the way Elasticsearch's analyzer splits it. Case and accents are left to
the index (both dialects fold them).
"""

from __future__ import annotations

import dataclasses
import re

_TOKEN = re.compile(r"[^\W_]+")


@dataclasses.dataclass(frozen=True)
class Term:
    """One word of the query (all its tokens must match), or a quoted phrase (adjacent tokens).

    `raw` is the text as typed, for indexes that tokenize it themselves (PostgreSQL);
    `tokens` are its letters-and-digits runs, as SQLite's unicode61 tokenizer splits it.
    """

    tokens: tuple[str, ...]
    raw: str
    phrase: bool = False
    prefix: bool = False


@dataclasses.dataclass(frozen=True)
class Not:
    node: Node


@dataclasses.dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclasses.dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or


def tokens(text: str) -> list[str]:
    """The word tokens of `text`, as the full-text index splits them (letters and digits)."""
    return _TOKEN.findall(text)


def parse(query: str) -> Node | None:
    """The tree for `query`, or None when it holds no searchable token."""
    parser = _Parser(query)
    return parser.parse_group(top=True)


def leaves(node: Node) -> list[Term]:
    """Every term of the tree, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return leaves(node.node)
    return [leaf for child in node.nodes for leaf in leaves(child)]


def positive_leaves(node: Node, negated: bool = False) -> list[Term]:
    """The terms that count towards relevance (not under a NOT)."""
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_leaves(node.node, not negated)
    return [leaf for child in node.nodes for leaf in positive_leaves(child, negated)]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse_group(self, top: bool = False) -> Node | None:
        result: Node | None = None
        operator = "and"
        negate = False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace():
                self.pos += 1
            elif char == ")":
                self.pos += 1
                if not top:
                    break
            elif char == "|":
                self.pos += 1
                operator = "or"
            elif char == "+":
                self.pos += 1
                operator = "and"
            elif char == "-":
                self.pos += 1
                negate = True
            else:
                node = self._operand(char)
                if node is None:
                    continue
                if negate:
                    node = Not(node)
                result = _combine(result, node, operator)
                operator, negate = "and", False
        return result

    def _operand(self, char: str) -> Node | None:
        if char == "(":
            self.pos += 1
            return self.parse_group()
        if char == '"':
            return self._phrase()
        return self._word()

    def _phrase(self) -> Node | None:
        end = self.text.find('"', self.pos + 1)
        end = len(self.text) if end < 0 else end
        raw = self.text[self.pos + 1 : end]
        words = tokens(raw)
        self.pos = end + 1
        self._skip_suffix()
        return Term(tuple(words), raw, phrase=True) if words else None

    def _word(self) -> Node | None:
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace() or char in '|+"()':
                break
            if char == "\\" and self.pos + 1 < len(self.text):
                self.pos += 1
            self.pos += 1
        raw = self.text[start : self.pos]
        prefix = raw.endswith("*")
        raw = re.sub(r"~\d*$", "", raw.rstrip("*"))
        words = tokens(raw)
        return Term(tuple(words), raw.replace("\\", ""), prefix=prefix) if words else None

    def _skip_suffix(self) -> None:
        match = re.match(r"~\d*", self.text[self.pos :])
        if match:
            self.pos += match.end()


def _combine(left: Node | None, right: Node, operator: str) -> Node:
    if left is None:
        return right
    if operator == "or":
        if isinstance(left, Or):
            return Or((*left.nodes, right))
        return Or((left, right))
    if isinstance(left, And):
        return And((*left.nodes, right))
    return And((left, right))
