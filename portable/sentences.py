"""Where Spanish clinical text breaks into sentences: the rules behind `annotate.corpus.segment`.

    sentence_spans("Acude por dolor. El Dr. Pérez pauta 5 mg. IV.")   # [(0, 16), (17, 45)]

A sentence ends at ".", "!", "?" or "…" (and closing quotes/brackets) followed by whitespace and an
uppercase letter, a digit, "¿" or "¡", or by a line break; every line break also ends one. Not after
abbreviations ("Dr.", "p. ej.", "i.v.", "aprox."), a lowercase initial, a list number at the start of
a line ("1."), or a unit followed by a number or a route ("5 mg. IV").

Standard library only: the demo's Space carries this package whole (`portable/`) to tag what a model
trained on sentences sees sentence by sentence.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…]+[\"'»”’)\]]*(\s+)")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_ABBREVIATIONS = frozenset(
    """dr dra dres sr sra sres srta dña prof lic ing pág págs pp ej aprox approx vs núm nº fig figs tab cap
    vol art cf cfr dcha dcho izq izqda izda izdo ant post sup inf máx mín ca col cols tel tlf av avda hosp
    serv dpto depto ud uds sig sigs al ac ag""".split()  # noqa: SIM905 (a word list reads better so)
)
_UNITS = frozenset(
    "mg g kg µg mcg ug ng pg ml l dl cl mm cm m mmol mol meq mui ui u h hrs min seg s cc mmhg lpm rpm".split()  # noqa: SIM905
)
_ROUTES = frozenset({"IV", "VO", "SC", "IM", "EV", "IT", "SL"})  # "5 mg. IV": a route, not a new sentence
_DOTTED = re.compile(r"(?:[^\W\d_]{1,5}\.)+[^\W\d_]{1,5}")  # "i.v", "EE.UU", "P.A"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, surrounding whitespace left out, in text order."""
    gaps = sorted(line_gaps(text) | sentence_gaps(text))
    bounds = zip([0] + [end for _, end in gaps], [start for start, _ in gaps] + [len(text)], strict=True)
    spans = []
    for start, end in bounds:
        piece = text[start:end]
        lo, hi = start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
        if lo < hi:
            spans.append((lo, hi))
    return spans


def line_gaps(text: str) -> set[tuple[int, int]]:
    return {(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)}


def sentence_gaps(text: str) -> set[tuple[int, int]]:
    gaps = set()
    for match in _END.finditer(text):
        gap_start, gap_end = match.span(1)
        if gap_end < len(text) and _ends_sentence(text, match.start(), gap_start, gap_end):
            gaps.add((gap_start, gap_end))
    return gaps


def _ends_sentence(text: str, punct: int, gap_start: int, gap_end: int) -> bool:
    """Whether the punctuation at `punct`, followed by whitespace `[gap_start, gap_end)`, ends a sentence."""
    if "\n" in text[gap_start:gap_end]:
        return True
    following = text[gap_end : gap_end + 12].split(maxsplit=1)[0]
    first = following.lstrip("\"'«“(")[:1]
    if not (first.isupper() or first.isdigit() or following[0] in "¿¡"):
        return False
    if text[punct] != "." or text[punct : punct + 2] == "..":
        return True
    line_start = text.rfind("\n", 0, punct) + 1
    word = text[line_start:punct].rsplit(maxsplit=1)[-1] if text[line_start:punct].strip() else ""
    return not _abbreviation(
        word.lstrip("([«\"'"), following, at_line_start=text[line_start:punct].strip() == word
    )


def _abbreviation(word: str, following: str, at_line_start: bool) -> bool:
    low = word.lower()
    if low in _UNITS:  # "1 g. A los 3 meses" ends a sentence; "5 mg. IV", "2 mg. 3 veces al día" do not
        next_word = following.strip(".,;:()")
        return next_word[:1].isdigit() or next_word in _ROUTES
    if low in _ABBREVIATIONS or _DOTTED.fullmatch(word) or (len(word) == 1 and word.islower()):
        return True
    return word.isdigit() and len(word) <= 2 and at_line_start  # "1. Paciente ..." (a numbered list)
