"""Dataset facts: provenance (run.json), sizes and label distribution (dataset/), annotation (parquet,
agreement.json, review.jsonl). See `cards.facts.model.DatasetFacts`.

Sizes: documents are rows; tokens come from the `tokens` view; entities from `bigbio_kb` (all of them,
nested ones included) and, separately, the B- tags of `tokens` (what a token classifier sees).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath
from typing import Any

from cards.facts.annotation import agreement_facts, annotation_facts, review_facts
from cards.facts.hub_vocabulary import is_hub_id, license_id, size_category
from cards.facts.model import CorpusFacts, DatasetFacts, LabelCount, SplitSize, SuggestionFacts
from cards.facts.texts import TEXT_COLUMNS, available_views, load_view
from runfolder import RunFolder, RunInfo

SPLIT_ORDER = {"train": 0, "validation": 1, "test": 2}


def location(path: str) -> str:
    """Where the corpus came from, as a card may say it: a URL or Hub id as given, else only the name of the
    file or folder (never a path of this machine)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", path) or is_hub_id(path):
        return path
    return PurePath(path.rstrip("/\\")).name or path


def corpus_facts(run: RunFolder, info: RunInfo) -> CorpusFacts:
    corpus = info.corpus
    extra: dict[str, Any] = corpus.model_dump()  # declared fields and extras a team added
    problems = run.import_problems
    creators = extra.get("annotations_creators")
    return CorpusFacts(
        path=corpus.path,
        location=location(corpus.path),
        format=corpus.format,
        licence=corpus.licence,
        license_id=license_id(corpus.licence),
        source=corpus.source,
        citation=corpus.citation,
        languages=list(corpus.languages),
        pretty_name=str(extra.get("pretty_name") or corpus.source or info.name),
        synthetic=extra.get("synthetic"),
        domain=extra.get("domain"),
        annotations_creators=[creators] if isinstance(creators, str) else creators,
        import_problems=(
            sum(1 for line in problems.read_text(encoding="utf-8").splitlines() if line.strip())
            if problems.exists()
            else None
        ),
    )


def _split_sizes(run: RunFolder, views: list[str]) -> tuple[list[SplitSize], dict[str, Counter]]:
    """Sizes per split and entity labels per split (bigbio_kb), from the views present."""
    sizes: dict[str, dict[str, int]] = {}
    labels: dict[str, Counter] = {}
    if "bigbio_kb" in views:
        kb = load_view(run, "bigbio_kb")
        for split in kb:
            rows = kb[split]
            labels[split] = Counter(e["type"] for entities in rows["entities"] for e in entities)
            sizes[split] = {
                "documents": len(rows),
                "entities": sum(labels[split].values()),
                "characters": sum(
                    len(t) for passages in rows["passages"] for p in passages for t in p["text"]
                ),
            }
    if "tokens" in views:
        tokens = load_view(run, "tokens")
        for split in tokens:
            rows = tokens[split]
            names = rows.features["ner_tags"].feature.names
            b_tags = sum(names[tag].startswith("B-") for tags in rows["ner_tags"] for tag in tags)
            sizes.setdefault(split, {"documents": len(rows)})
            sizes[split].update(tokens=sum(len(t) for t in rows["tokens"]), entities_in_tokens=b_tags)
    for view in (v for v in TEXT_COLUMNS if v in views and not sizes):
        data = load_view(run, view)
        sizes.update({split: {"documents": len(data[split])} for split in data})
    ordered = sorted(sizes, key=lambda s: (SPLIT_ORDER.get(s, 9), s))
    return [SplitSize(split=s, **sizes[s]) for s in ordered], labels


def _total(splits: list[SplitSize]) -> SplitSize:
    def add(field: str) -> int | None:
        values = [getattr(s, field) for s in splits]
        return None if any(v is None for v in values) or not values else sum(values)

    return SplitSize(
        split="all",
        documents=sum(s.documents for s in splits),
        tokens=add("tokens"),
        entities=add("entities"),
        entities_in_tokens=add("entities_in_tokens"),
        characters=add("characters"),
    )


def label_counts(labels: dict[str, Counter], all_labels: list[str]) -> list[LabelCount]:
    names = sorted(set(all_labels) | {label for counter in labels.values() for label in counter})
    grand = sum(sum(c.values()) for c in labels.values())
    counts = []
    for name in names:
        by_split = {split: labels[split].get(name, 0) for split in labels}
        total = sum(by_split.values())
        counts.append(
            LabelCount(label=name, by_split=by_split, total=total, share=total / grand if grand else 0)
        )
    return sorted(counts, key=lambda c: (-c.total, c.label))


def dataset_facts(run: RunFolder) -> DatasetFacts:
    info = run.read_json(run.run_json, RunInfo)
    views = available_views(run)
    if not views:
        run.require(run.dataset_view("bigbio_kb"))
    splits, labels = _split_sizes(run, views)
    total = _total(splits)
    return DatasetFacts(
        run_name=info.name,
        task=info.task,
        labels=sorted(info.labels) or sorted({label for c in labels.values() for label in c}),
        segment=info.segment,
        split_source=info.split.get("source"),
        corpus=corpus_facts(run, info),
        views=views,
        splits=splits,
        total=total,
        label_counts=label_counts(labels, list(info.labels)),
        size_category=size_category(total.documents),
        annotation=annotation_facts(run, info.annotation.annotators_kind if info.annotation else None),
        agreement=agreement_facts(run),
        review=review_facts(run),
        versions=dict(info.versions),
        suggestions=suggestion_facts(info),
    )


def suggestion_facts(info: RunInfo) -> SuggestionFacts | None:
    """run.json `export.suggestions`, when the export recorded it and some answer had a suggestion."""
    found = (getattr(info, "export", None) or {}).get("suggestions")
    if not found or not found.get("answers_with_suggestion"):
        return None
    return SuggestionFacts.model_validate(found)
