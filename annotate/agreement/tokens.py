"""Tokens with character offsets, and the label each annotator gives each token (token-level kappa).

    [t.text for t in tokenize("Dosis: 5 mg/día.")]   # ['Dosis', ':', '5', 'mg', '/', 'día', '.']
    tokenize("Dosis: 5 mg/día.")[3]                  # Token(start=9, end=11, text='mg')

A token is a run of word characters (Unicode letters, digits, underscore) or one other non-space
character. A token takes the label of the spans that overlap it by at least one character; when
several do (nesting), the outermost one wins: the longest, then the earliest start, then the label
that sorts first. Tokens no span touches are "O". No BIO prefixes: B-X and I-X would count a boundary
disagreement twice.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from annotate.agreement.types import LabelledSpan

OUTSIDE = "O"
TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    """Split on whitespace and punctuation, keeping character offsets (see the module docstring)."""
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


def token_labels(tokens: list[Token], spans: Iterable[LabelledSpan]) -> list[str]:
    """The label of every token for one annotator's spans ("O" outside every span)."""
    starts = [t.start for t in tokens]
    ends = [t.end for t in tokens]
    labels = [OUTSIDE] * len(tokens)
    # Innermost first and outermost last, so that the outermost span overwrites those inside it.
    for span in sorted(set(spans), key=lambda s: (s.start - s.end, s.start, s.label), reverse=True):
        first = bisect_right(ends, span.start)  # first token ending after the span start
        last = bisect_left(starts, span.end)  # tokens before this one start before the span end
        for i in range(first, last):
            labels[i] = span.label
    return labels
