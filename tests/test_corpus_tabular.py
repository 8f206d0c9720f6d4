"""JSONL, CSV and plain-text import: spans, labels, ids, splits, metadata, and bad records."""

from __future__ import annotations

import json

import pytest
from test_corpus_brat import make_corpus
from test_corpus_invariants import FIXTURES, assert_corpus_ok

from annotate.corpus import Span, document_labels, load_corpus
from annotate.errors import InvalidCorpusError

TABULAR = FIXTURES / "tabular"
TEXT = "Se pautó insulina y metformina."  # insulina 9-17, metformina 20-30


def test_jsonl_spans_labels_ids_splits_and_metadata():
    c1, c2, c3 = load_corpus(TABULAR / "casos.jsonl")
    assert (c1.id, c1.split, c1.metadata) == ("c1", "train", {"hospital": "HUC"})
    assert c1.entities[0].offsets == (Span(9, 17),) and c1.entities[0].text == ("insulina",)
    assert (c2.labels, c2.entities) == (("cardiologia",), ())
    assert (c3.id, c3.split, c3.labels) == ("casos-3", None, ("digestivo", "hematologia"))
    assert [e.id for e in c3.entities] == ["casos-3_T1", "casos-3_H1"]


def test_csv_labels_split_on_bars_spans_as_json_and_rows_across_lines():
    c1, c2, c3 = load_corpus(TABULAR / "casos.csv")
    assert c1.entities[0].text == ("insulina",) and c1.metadata == {"servicio": "endocrino"}
    assert c2.labels == ("cardiologia",)
    assert c3.text == "Paciente con disnea,\nedemas y crepitantes." and c3.labels == (
        "neumologia",
        "cardiologia",
    )


def test_plain_text_is_one_document_per_non_empty_line():
    docs = load_corpus(TABULAR / "frases.txt")
    assert [(d.id, d.text) for d in docs] == [
        ("frases-1", "El paciente refiere cefalea."),
        ("frases-3", "Se pauta paracetamol."),
    ]


def test_a_folder_of_files_takes_the_split_from_the_file_name(tmp_path):
    lines = {
        "train.jsonl": {"id": "a", "text": TEXT},
        "dev.jsonl": {"id": "b", "text": TEXT, "split": "test"},
    }
    for name, record in lines.items():
        (tmp_path / name).write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert {d.id: d.split for d in load_corpus(tmp_path, "jsonl")} == {"a": "train", "b": "test"}


def test_the_fixtures_pass_the_invariants_and_list_their_labels():
    docs = [*load_corpus(TABULAR / "casos.jsonl"), *load_corpus(TABULAR / "frases.txt")]
    assert_corpus_ok(docs)
    assert document_labels(docs) == ["cardiologia", "digestivo", "hematologia"]


def span(start, end, label="PROTEINAS", **extra):
    return {"start": start, "end": end, "label": label, **extra}


CASES = {  # name: (jsonl lines, kind, line, text in the message)
    "text-mismatch": (
        [{"text": TEXT, "spans": [span(10, 18, text="insulina")]}],
        "text_mismatch", 1,
        'casos.jsonl:1: span 1 PROTEINAS 10 18 says "insulina" but the text there is "nsulina "',
    ),
    "offsets-past-end": (
        [{"text": TEXT}, {"text": TEXT, "spans": [span(20, 32)]}],
        "offsets_past_end", 2, "span 1 PROTEINAS 20 32 ends at 32, past the end of the text (31 characters)",
    ),
    "start-not-before-end": (
        [{"text": TEXT, "spans": [span(9, 9)]}], "bad_offsets", 1, "start 9 is not < end 9",
    ),
    "span-without-label": (
        [{"text": TEXT, "spans": [{"start": 9, "end": 17}]}],
        "malformed_line", 1, "needs integer start and end and a label",
    ),
    "string-offsets": (
        [{"text": TEXT, "spans": [span("9", "17")]}], "malformed_line", 1, "needs integer start and end",
    ),
    "unknown-span-label": (
        [{"text": TEXT, "spans": [span(9, 17, "FARMACO")]}],
        "unknown_label", 1, "label FARMACO is not one of NORMALIZABLES, PROTEINAS",
    ),
    "unknown-document-label": (
        [{"text": TEXT, "label": "cardiologia"}], "unknown_label", 1, "label cardiologia is not one of",
    ),
    "duplicate-span-id": (
        [{"text": TEXT, "spans": [span(9, 17, id="A"), span(20, 30, "NORMALIZABLES", id="A")]}],
        "duplicate_id", 1, "span 2 NORMALIZABLES 20 30: the id is already used",
    ),
    "no-text": ([{"id": "x", "spans": []}], "bad_record", 1, "casos.jsonl:1: the record has no text"),
    "not-json": (["{roto"], "bad_record", 1, "casos.jsonl:1: not JSON"),
    "duplicate-document": (
        [{"id": "a", "text": TEXT}, {"id": "a", "text": TEXT}],
        "duplicate_document", 2, "casos.jsonl:2: document id a is already used by casos.jsonl:1",
    ),
}  # fmt: skip
LABELS = {"NORMALIZABLES", "PROTEINAS"}


def write_jsonl(tmp_path, records):
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    return make_corpus(tmp_path, {"casos.jsonl": "\n".join(lines) + "\n"}) / "casos.jsonl"


@pytest.mark.parametrize("name", CASES)
def test_a_bad_record_raises_naming_file_and_line(tmp_path, name):
    records, kind, line, message = CASES[name]
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(write_jsonl(tmp_path, records), labels=LABELS)
    assert [(p.kind, p.file, p.line) for p in caught.value.problems] == [(kind, "casos.jsonl", line)]
    assert message in str(caught.value)


@pytest.mark.parametrize("name", ["text-mismatch", "span-without-label", "unknown-document-label"])
def test_skip_invalid_keeps_the_document_without_the_bad_annotation(tmp_path, name):
    records, kind, *_ = CASES[name]
    corpus = load_corpus(write_jsonl(tmp_path, records), labels=LABELS, skip_invalid=True)
    assert [p.kind for p in corpus.problems] == [kind]
    (doc,) = corpus
    assert doc.entities == () and doc.labels == ()


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("casos.csv", "id,texto\n1,Hola\n", "bad_record"),
        ("casos.csv", "", "empty_file"),
        ("casos.txt", b"Se paut\xf3 insulina.\n", "not_utf8"),
    ],
)
def test_bad_tabular_files(tmp_path, name, content, kind):
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(make_corpus(tmp_path, {name: content}) / name)
    assert [p.kind for p in caught.value.problems] == [kind]
