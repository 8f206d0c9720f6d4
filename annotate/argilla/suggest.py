"""Pre-annotations for span questions: `gold` (the corpus's own), `lexicon:FILE`, `model:PATH_OR_ID`.

A lexicon file has one `term<TAB>LABEL` per line (`#` comments allowed); matches are whole words,
case- and accent-insensitive, longest first, never overlapping. A model is any transformers
token-classification model; its entity groups become spans with their scores.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from annotate.argilla.records import RecordDraft
from annotate.errors import SuggestionError

Spans = list[tuple[int, int, str, float | None]]
#: (agent name, function record -> spans), what `suggester` gives for a --suggestions value
Suggester = tuple[str, Callable[[RecordDraft], Spans]]


def fold(text: str) -> str:
    """Lower-case without accents, same length as `text` (offsets stay valid)."""
    out = [unicodedata.normalize("NFD", ch)[0].lower() for ch in text]
    return "".join(out)


def read_lexicon(path: Path, labels: Sequence[str]) -> list[tuple[str, str]]:
    if not path.exists():
        raise SuggestionError(f"{path}: lexicon file not found (one 'term<TAB>LABEL' per line)")
    entries = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        term, sep, label = line.rpartition("\t")
        if not sep or not term.strip():
            raise SuggestionError(f"{path}:{n}: expected 'term<TAB>LABEL', found {line!r}")
        if label.strip() not in labels:
            raise SuggestionError(f"{path}:{n}: label {label.strip()!r} is not one of {list(labels)}")
        entries.append((fold(term.strip()), label.strip()))
    return sorted(entries, key=lambda e: -len(e[0]))


def lexicon_suggester(path: Path, labels: Sequence[str]) -> Callable[[str], Spans]:
    entries = read_lexicon(path, labels)
    patterns = [(re.compile(rf"(?<!\w){re.escape(term)}(?!\w)"), label) for term, label in entries]

    def suggest(text: str) -> Spans:
        folded, spans = fold(text), []
        taken: list[tuple[int, int]] = []
        for pattern, label in patterns:
            for m in pattern.finditer(folded):
                if all(m.end() <= s or m.start() >= e for s, e in taken):
                    taken.append(m.span())
                    spans.append((m.start(), m.end(), label, None))
        return sorted(spans)

    return suggest


def model_suggester(model: str, labels: Sequence[str]) -> Callable[[str], Spans]:
    try:
        from transformers import pipeline

        tagger = pipeline("token-classification", model=model, aggregation_strategy="simple")
    except (OSError, ValueError) as exc:
        raise SuggestionError(
            f"cannot load the model {model!r} ({exc}); give a local folder or a reachable hub id"
        ) from None

    def suggest(text: str) -> Spans:
        return [
            (int(g["start"]), int(g["end"]), g["entity_group"], round(float(g["score"]), 4))
            for g in tagger(text)
            if g["entity_group"] in labels and g["end"] > g["start"]
        ]

    return suggest


def suggester(spec: str | None, labels: Sequence[str]) -> Suggester | None:
    """(agent name, function record -> spans) for a --suggestions value, None for no suggestions."""
    if spec is None:
        return None
    kind, _, arg = spec.partition(":")
    if kind == "gold" and not arg:
        return "gold", lambda draft: [(s, e, label, 1.0) for s, e, label in draft.gold_spans]
    if kind == "lexicon" and arg:
        fn = lexicon_suggester(Path(arg), labels)
        return f"lexicon:{Path(arg).name}", lambda draft: fn(draft.text)
    if kind == "model" and arg:
        fn = model_suggester(arg, labels)
        return f"model:{arg}", lambda draft: fn(draft.text)
    raise SuggestionError(f"--suggestions {spec!r}: use gold, lexicon:FILE or model:PATH_OR_ID")
