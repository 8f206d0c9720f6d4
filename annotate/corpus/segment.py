"""Splitting documents into sentences or paragraphs (Argilla records) that never cut an entity.

    Paciente de 54 años en tratamiento con metformina 850 mg. cada 12 h. Acude por dolor.\\n
    Se pauta insulina glargina 2.5 UI/kg, p. ej. en dosis nocturna. El Dr. Pérez la revisa.

    sentence -> "Paciente ... 12 h." | "Acude por dolor." | "Se pauta ... nocturna." |
                "El Dr. Pérez la revisa."
    paragraph -> one segment per line; none -> the whole document

Sentence ends follow the rules of `portable.sentences` (".", "!", "?", "…" before an uppercase
letter, a digit or a line break; not after "Dr.", "p. ej.", a unit before a dose or a route). When a
boundary would fall inside an entity (or between the fragments of a discontinuous one), the segments
around it are merged, so each entity lies in one segment and `segment.start + local offset == document
offset` for every fragment.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from annotate.corpus.model import Document, Entity
from portable.sentences import line_gaps, sentence_gaps

MODES = ("sentence", "paragraph", "none")


@dataclass(frozen=True)
class Segment:
    """A piece `[start, end)` of document `doc_id`; its entities have offsets relative to `start`."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.doc_id}#{self.index}"


def segment(doc: Document, mode: str = "sentence") -> list[Segment]:
    """`doc` cut into sentences, paragraphs (lines) or not at all (`mode="none"`)."""
    if mode not in MODES:
        raise ValueError(f"segment mode {mode!r} is not one of {', '.join(MODES)}")
    if mode == "none":
        return [Segment(doc.id, 0, 0, len(doc.text), doc.text, doc.entities)]
    gaps = (
        line_gaps(doc.text) if mode == "paragraph" else sorted(line_gaps(doc.text) | sentence_gaps(doc.text))
    )
    extents = _merged(sorted((entity.start, entity.end) for entity in doc.entities))
    starts = [start for start, _ in extents]
    kept = [gap for gap in sorted(gaps) if not _inside(gap, starts, extents)]
    bounds = list(zip([0] + [n for _, n in kept], [b for b, _ in kept] + [len(doc.text)], strict=True))
    return _segments(doc, bounds)


def _segments(doc: Document, bounds: list[tuple[int, int]]) -> list[Segment]:
    entities = sorted(doc.entities, key=lambda entity: entity.start)
    segments: list[Segment] = []
    position = 0
    for start, end in bounds:
        inside = []
        while position < len(entities) and entities[position].start < end:
            inside.append(entities[position])
            position += 1
        piece = doc.text[start:end]
        lo = min([start + len(piece) - len(piece.lstrip())] + [e.start for e in inside])
        hi = max([end - len(piece) + len(piece.rstrip())] + [e.end for e in inside])
        if lo < hi:
            local = tuple(entity.shifted(-lo) for entity in inside)
            segments.append(Segment(doc.id, len(segments), lo, hi, doc.text[lo:hi], local))
    return segments


def _merged(extents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in extents:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(gap: tuple[int, int], starts: list[int], extents: list[tuple[int, int]]) -> bool:
    """Whether some entity overlaps the gap `[b, n)` (cutting there would cut it or leave it out)."""
    b, n = gap
    index = bisect.bisect_left(starts, n) - 1
    return index >= 0 and extents[index][1] > b
