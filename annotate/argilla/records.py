"""Documents -> Argilla records: one record per segment, keeping its offsets into the document.

Each record's id is `<document id>#<segment index>` (loading again updates instead of duplicating).
Extra metadata carries what the export needs to reassemble documents and compare with the corpus:
`_offset` (segment start in the document), `_lead` (text before the first segment), `_gap` (text
between this segment and the next), `_gold` (the corpus's own spans `[[start, end, label], ...]`,
relative to the segment; one item per fragment: Argilla spans are contiguous).

A sentence or paragraph record also carries `context`: the segments around it in its document
(`CONTEXT` before and after), as markdown with the record's own segment in bold, for the read-only
`contexto` field (abbreviations, negations and the drug a dose belongs to are often in the next or the
previous sentence). Offsets, spans and the export stay on `text`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from annotate.corpus import Document, Segment, segment

CONTEXT = {"sentence": 2, "paragraph": 1}  # segments shown before and after, per segmentation mode
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~])")
_BOLD = re.compile(r"^(\s*)(\S.*?)(\s*)$")


@dataclass(frozen=True)
class RecordDraft:
    """What becomes one Argilla record (before suggestions are attached)."""

    id: str
    text: str
    metadata: dict
    gold_spans: tuple[tuple[int, int, str], ...]
    gold_labels: tuple[str, ...] = ()
    context: str | None = None  # markdown: the neighbouring segments, this one in bold


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
            yield RecordDraft(
                seg.id,
                seg.text,
                metadata,
                spans,
                tuple(document.labels),
                context(document, segments, i, mode),
            )


def context(document: Document, segments: Sequence[Segment], index: int, mode: str) -> str | None:
    """The document's text from `CONTEXT[mode]` segments before `segments[index]` to as many after, as
    markdown: each line break a paragraph break, the record's own segment in bold, "…" where the document
    goes on. None when the document has no other segment or the mode shows none."""
    around = CONTEXT.get(mode, 0)
    if not around or len(segments) < 2:
        return None
    first = segments[max(0, index - around)]
    last = segments[min(len(segments) - 1, index + around)]
    current = segments[index]
    text = document.text
    parts = [
        "… " if first.index > 0 else "",
        _markdown(text[first.start : current.start]),
        _markdown(current.text, bold=True),
        _markdown(text[current.end : last.end]),
        " …" if last.index < len(segments) - 1 else "",
    ]
    return "".join(parts)


def _markdown(text: str, bold: bool = False) -> str:
    """`text` shown as written: markdown's special characters escaped, each line break a paragraph
    break; with `bold`, each line's words (not the blanks around them) in bold."""
    lines = _MARKDOWN.sub(r"\\\1", text).replace("\r\n", "\n").split("\n")
    if bold:
        lines = [_BOLD.sub(r"\1**\2**\3", line) for line in lines]
    return "\n\n".join(lines)


def gold_spans(metadata: dict) -> list[tuple[int, int, str]]:
    """The corpus's spans a record carries (empty when it was loaded without annotations)."""
    return [tuple(s) for s in json.loads(metadata.get("_gold") or "[]")]
