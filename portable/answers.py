"""The answers of instruction samples: written so a machine can read them back, and scored.

    format_entities([("FARMACO", "metformina")])          -> "FARMACO: metformina"
    format_entities([("FARMACO", "metformina")], "json")  -> '{"etiqueta": "FARMACO", "texto": "metformina"}'
    format_entities([])                                   -> "ninguna"
    parse_answer("extraccion", "FARMACO: metformina\\nPROTEINA: insulina")
        -> [("FARMACO", "metformina"), ("PROTEINA", "insulina")]
    parse_answer("mencion", "Sí.") -> True     parse_answer("tipado", "FARMACO") -> "FARMACO"
    parse_answer("clasificacion", "cardiologia, renal") -> ["cardiologia", "renal"]

Extraction answers list one entity mention a line, in text order (a repeated mention is listed again),
either as `ETIQUETA: texto` or as a JSON object `{"etiqueta": ..., "texto": ...}` (JSON lines); "ninguna"
when there is none. A discontinuous entity's fragments are joined with a space. Scores compare the
multiset of (label, text) pairs of each sample (text with its whitespace collapsed, case kept), pooled
over samples (micro), like an entity-level F1 on exact boundaries (`answer_key`; the scores are
`notebooks.instruct.metrics.entity_scores`). Standard library only: the Space copies this package whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from portable.errors import AnswerFormatError

EXTRACTION_TASKS = ("extraccion", "extraccion_etiqueta")
TASKS = (*EXTRACTION_TASKS, "tipado", "mencion", "clasificacion")
NONE_ANSWER = "ninguna"
YES, NO = "sí", "no"
Pair = tuple[str, str]


def format_entities(pairs: Iterable[Pair], style: str = "lineas") -> str:
    """One `ETIQUETA: texto` line (or JSON line) per mention, or "ninguna"."""
    lines = [
        json.dumps({"etiqueta": label, "texto": text}, ensure_ascii=False)
        if style == "json"
        else f"{label}: {text}"
        for label, text in pairs
    ]
    return "\n".join(lines) or NONE_ANSWER


def format_labels(labels: Sequence[str]) -> str:
    return ", ".join(labels)


def parse_answer(task: str, text: str, strict: bool = False) -> Any:
    """The value of an answer: extraction -> [(label, text)], tipado -> label, mencion -> bool,
    clasificacion -> sorted labels. Unreadable parts are skipped (or None), unless `strict`."""
    if task in EXTRACTION_TASKS:
        return parse_entities(text, strict)
    answer = _clean(text)
    value: str | bool | list[str] | None
    if task == "tipado":
        value = answer.split("\n")[0].strip().rstrip(".") or None
    elif task == "mencion":
        word = _plain(answer.split()[0].strip(".,;:!¡¿?")) if answer.split() else ""
        value = {"si": True, "no": False}.get(word)
    elif task == "clasificacion":
        value = sorted({p.strip().rstrip(".") for p in re.split(r"[,\n]", answer) if p.strip()}) or None
    else:
        raise AnswerFormatError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")
    if strict and value is None:
        raise AnswerFormatError(f"{task} answer {text!r} cannot be read")
    return value


def parse_entities(text: str, strict: bool = False) -> list[Pair]:
    answer = _clean(text)
    if _plain(answer).rstrip(".") == NONE_ANSWER:
        return []
    pairs = []
    for number, line in enumerate(answer.split("\n"), start=1):
        pair = _entity_line(line.strip())
        if pair is not None:
            pairs.append(pair)
        elif strict and line.strip():
            raise AnswerFormatError(f"line {number} of the answer ({line!r}) is not 'ETIQUETA: texto'")
    return pairs


def _entity_line(line: str) -> Pair | None:
    if line.startswith("{"):
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            return None
        label, text = (item.get("etiqueta"), item.get("texto")) if isinstance(item, dict) else (None, None)
        if isinstance(label, str) and isinstance(text, str) and label.strip() and text.strip():
            return label.strip(), _space(text)
        return None
    label, colon, text = line.partition(":")
    return (label.strip(), _space(text)) if colon and label.strip() and text.strip() else None


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _space(text: str) -> str:
    return " ".join(text.split())


def _plain(word: str) -> str:
    """Lower case without accents: "Sí" -> "si"."""
    return "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")


def answer_key(pair: Pair) -> Pair:
    """What scoring compares of a mention: its label and its text with the whitespace collapsed."""
    return pair[0].strip(), _space(pair[1])
