"""BigBio `bigbio_kb` import (files, `datasets`) and the round trip through `to_bigbio_kb`."""

from __future__ import annotations

import json
import sys
import types

import pytest
from test_corpus_invariants import FIXTURES, assert_corpus_ok

from annotate.corpus import DbRef, Span, load_corpus
from annotate.corpus.bigbio_record import to_bigbio_kb
from annotate.errors import CorpusNotFoundError, InvalidCorpusError

RECORD = json.loads((FIXTURES / "bigbio" / "casos.jsonl").read_text(encoding="utf-8"))


def test_a_record_becomes_a_document_with_prefixed_ids():
    (doc,) = load_corpus(FIXTURES / "bigbio" / "casos.jsonl")
    assert doc.id == "bb1" and doc.text == "Se pautó insulina. Mejoría clínica."
    insulina, clinica, trigger = doc.entities
    assert (insulina.id, insulina.offsets, insulina.normalized) == (
        "bb1_T1",
        (Span(9, 17),),
        (DbRef("SNOMED-CT", "67866001"),),
    )
    assert clinica.id == "bb1_T2" and doc.relations[0].arg2_id == "bb1_T2"
    assert (trigger.id, trigger.label, trigger.text) == ("bb1_E1_trigger", "Administracion", ("pautó",))
    assert doc.events[0].trigger_id == "bb1_E1_trigger"
    assert [p["type"] for p in doc.metadata["passages"]] == ["title", "abstract"]
    assert_corpus_ok([doc])


def test_a_json_file_of_splits(tmp_path):
    other = {**RECORD, "id": "1", "document_id": "bb2"}
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps({"train": [RECORD], "validation": [other]}), encoding="utf-8")
    assert {d.id: d.split for d in load_corpus(path)} == {"bb1": "train", "bb2": "validation"}


def test_brat_to_bigbio_and_back_keeps_every_entity(tmp_path):
    docs = load_corpus(FIXTURES / "brat", "brat", notes_db="SNOMED-CT")
    path = tmp_path / "kb.jsonl"
    path.write_text(
        "".join(json.dumps(to_bigbio_kb(d), ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    back = {doc.id: doc for doc in load_corpus(path, "bigbio")}
    for doc in docs:
        triggers = {event.trigger_id for event in doc.events}
        kept = {(e.id, e.label, e.offsets, e.normalized) for e in doc.entities if e.id not in triggers}
        again = {(e.id, e.label, e.offsets, e.normalized) for e in back[doc.id].entities}
        assert kept <= again and back[doc.id].text == doc.text
        assert len(back[doc.id].events) == len(doc.events)


def test_a_dataset_name_goes_through_datasets_load_dataset(monkeypatch):
    """`datasets` replaced by a stub: rows in the dict-of-lists form of old `Sequence` features."""
    entities = RECORD["entities"]
    row = {**RECORD, "entities": {key: [e[key] for e in entities] for key in entities[0]}}
    calls = []

    def load_dataset(name, config):
        calls.append((name, config))
        return {"train": [row]}

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    corpus = load_corpus("bigbio/ejemplo", "bigbio", dataset_config="ejemplo_bigbio_kb")
    assert calls == [("bigbio/ejemplo", "ejemplo_bigbio_kb")]
    (doc,) = corpus
    assert doc.split == "train" and [e.text for e in doc.entities][:2] == [("insulina",), ("clínica",)]


def test_a_missing_dataset_or_file_is_a_not_found_error(monkeypatch, tmp_path):
    def load_dataset(name, config):
        raise FileNotFoundError(f"Dataset '{name}' doesn't exist on the Hub")

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    with pytest.raises(CorpusNotFoundError, match="bigbio/nada: not a file, folder or loadable dataset"):
        load_corpus("bigbio/nada", "bigbio")
    with pytest.raises(CorpusNotFoundError, match="no such file or folder"):
        load_corpus(tmp_path / "nada.jsonl", "bigbio")


def test_a_save_to_disk_folder(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.DatasetDict({"test": datasets.Dataset.from_list([RECORD])}).save_to_disk(str(tmp_path / "kb"))
    (doc,) = load_corpus(tmp_path / "kb", "bigbio")
    assert doc.split == "test" and doc.entities[0].text == ("insulina",)


def broken(**changes):
    return {**RECORD, **changes}


@pytest.mark.parametrize(
    "record, kind, message",
    [
        (
            broken(entities=[{**RECORD["entities"][0], "offsets": [[10, 18]]}]),
            "text_mismatch",
            'casos.jsonl:1: entity T1 PROTEINAS [[10, 18]] says "insulina" but the text there is "nsulina."',
        ),
        (
            broken(passages=[{"id": "p", "type": "text", "text": ["corto"], "offsets": [[0, 9]]}]),
            "bad_record",
            "casos.jsonl:1: document bb1: passage p: text and offsets disagree",
        ),
        (broken(passages=[]), "bad_record", "not a bigbio_kb record (no passages)"),
        (
            broken(passages=[{"id": "p", "type": "text", "text": ["Se pautó"], "offsets": [["0", "8"]]}]),
            "bad_record",
            "casos.jsonl:1: document bb1: passage p: offset ['0', '8'] is not a pair of integers",
        ),
        (
            broken(passages=[{"id": "p", "type": "text", "text": ["Se pautó"], "offsets": "0 8"}]),
            "bad_record",
            "passage p: offset '0 8' is not a pair of integers [start, end] (fix the record",
        ),
        (
            broken(
                relations=[{"id": "R1", "type": "Mejora", "arg1_id": "T1", "arg2_id": "T9", "normalized": []}]
            ),
            "dangling_reference",
            "relation R1 refers to T9, which is not in this document",
        ),
        (
            broken(relations=[{"id": "R1", "arg1_id": "T1", "arg2_id": "T2"}]),
            "malformed_line",
            "casos.jsonl:1: relations item 1 cannot be read: missing or bad 'type'",
        ),
    ],
)
def test_bad_records(tmp_path, record, kind, message):
    path = tmp_path / "casos.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(path)
    assert [p.kind for p in caught.value.problems] == [kind]
    assert message in str(caught.value)
