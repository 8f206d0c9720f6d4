"""Dataset views: Documents -> bigbio_kb and BIO tokens, one row per document, offsets preserved."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotate.corpus import Document, Entity, Span, load_corpus
from annotate.views import bio_tags, build_views, outermost, save_views, split_name, tokenize
from runfolder import RunFolder

SAMPLE = Path(__file__).resolve().parents[1] / "annotate" / "sample" / "brat"


def entity(doc_id: str, n: int, label: str, text: str, *spans: tuple[int, int]) -> Entity:
    return Entity(
        f"{doc_id}_T{n}", label, tuple(Span(s, e) for s, e in spans), tuple(text[s:e] for s, e in spans)
    )


def test_tokens_are_cut_at_entity_boundaries() -> None:
    text = "Toma HER2-negativo y 850mg."
    assert [text[s:e] for s, e in tokenize(text)] == ["Toma", "HER2", "-", "negativo", "y", "850mg", "."]
    assert [text[s:e] for s, e in tokenize(text, cuts=[21, 24])] == [
        "Toma",
        "HER2",
        "-",
        "negativo",
        "y",
        "850",
        "mg",
        ".",
    ]


def test_bio_outermost_wins_and_discontinuous_fragments_each_start_with_b() -> None:
    text = "La proteína C reactiva y el ácido fólico bajan."
    doc = Document(
        "d",
        text,
        "train",
        entities=(
            entity("d", 1, "PROTEINA", text, (3, 22)),  # proteína C reactiva
            entity("d", 2, "PROTEINA", text, (3, 11)),  # proteína (nested: left out of tokens)
            entity("d", 3, "FARMACO", text, (28, 33), (34, 40)),  # ácido + fólico as two fragments
        ),
    )
    tokens, tags, _ = bio_tags(doc)
    assert list(zip(tokens, tags, strict=True)) == [
        ("La", "O"),
        ("proteína", "B-PROTEINA"),
        ("C", "I-PROTEINA"),
        ("reactiva", "I-PROTEINA"),
        ("y", "O"),
        ("el", "O"),
        ("ácido", "B-FARMACO"),
        ("fólico", "B-FARMACO"),
        ("bajan", "O"),
        (".", "O"),
    ]
    assert [e.id for e in outermost(doc.entities)] == ["d_T1", "d_T3"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("train", "train"), ("dev", "validation"), ("Valid", "validation"), ("test", "test")],
)
def test_split_names(given: str, expected: str) -> None:
    assert split_name(given) == expected


def test_sample_corpus_views_round_trip(tmp_path: Path) -> None:
    from datasets import load_from_disk

    documents = list(load_corpus(SAMPLE, "brat"))
    run = RunFolder(tmp_path)
    save_views(build_views(documents), run)
    tokens = load_from_disk(str(run.dataset_view("tokens")))
    kb = load_from_disk(str(run.dataset_view("bigbio_kb")))
    assert {split: len(ds) for split, ds in tokens.items()} == {"train": 18, "validation": 6, "test": 6}
    names = tokens["train"].features["ner_tags"].feature.names
    assert names == ["O", "B-FARMACO", "I-FARMACO", "B-PROTEINA", "I-PROTEINA"]
    by_id = {d.id: d for d in documents}
    for split in ("train", "validation", "test"):
        for row, kb_row in zip(tokens[split], kb[split], strict=True):
            text = by_id[row["id"]].text
            assert [text[s:e] for s, e in row["token_offsets"]] == row["tokens"]
            begins = sum(names[t].startswith("B-") for t in row["ner_tags"])
            assert begins == len(kb_row["entities"]) == len(by_id[row["id"]].entities)
            for ent in kb_row["entities"]:
                assert [text[s:e] for s, e in ent["offsets"]] == ent["text"]
