"""Documents -> Argilla records: one record per segment, keeping its offsets into the document.

Each record's id is `<document id>#<segment index>` (loading again updates instead of duplicating).
Extra metadata carries what the export needs to reassemble documents and compare with the corpus:
`_offset` (segment start in the document), `_lead` (text before the first segment), `_gap` (text
between this segment and the next), `_gold` (the corpus's own spans `[[start, end, label], ...]`,
relative to the segment; one item per fragment: Argilla spans are contiguous).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from annotate.corpus import Document, segment


@dataclass(frozen=True)
class RecordDraft:
    """What becomes one Argilla record (before suggestions are attached)."""

    id: str
    text: str
    metadata: dict
    gold_spans: tuple[tuple[int, int, str], ...]
    gold_labels: tuple[str, ...] = ()


def drafts(documents: Sequence[Document], mode: str, source: str, licence: str) -> Iterator[RecordDraft]:
    for document in documents:
        segments = segment(document, mode)
        for i, seg in enumerate(segments):
            following = segments[i + 1].start if i + 1 < len(segments) else len(document.text)
            spans = tuple(sorted((s.start, s.end, e.label) for e in seg.entities for s in e.offsets))
            metadata = {
                "documento": document.id,
                "split": document.split or "sin_split",
                "fuente": source,
                "licencia": licence,
                "longitud": len(seg.text),
                "segmento": seg.index,
                "_offset": seg.start,
                "_gap": document.text[seg.end : following],
                "_gold": json.dumps([list(s) for s in spans], ensure_ascii=False),
            }
            if i == 0:
                metadata["_lead"] = document.text[: seg.start]
            if document.labels:
                metadata["_gold_labels"] = json.dumps(list(document.labels), ensure_ascii=False)
            yield RecordDraft(seg.id, seg.text, metadata, spans, tuple(document.labels))


def gold_spans(metadata: dict) -> list[tuple[int, int, str]]:
    """The corpus's spans a record carries (empty when it was loaded without annotations)."""
    return [tuple(s) for s in json.loads(metadata.get("_gold") or "[]")]
