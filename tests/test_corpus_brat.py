"""brat standoff import: the hand-made fixture corpus, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_corpus_invariants import FIXTURES, assert_corpus_ok

from annotate.corpus import DbRef, Span, has_discontinuous, has_overlaps, load_corpus
from annotate.errors import CorpusError, InvalidCorpusError

TEXT = "Se pautó insulina y metformina.\n"  # insulina 9-17, metformina 20-30
SKIP = "(fix the offsets or pass --skip-invalid to continue and list it in import_problems.jsonl)"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(FIXTURES / "brat", "brat", notes_db="SNOMED-CT")


@pytest.fixture(scope="module")
def caso1(corpus):
    return next(doc for doc in corpus if doc.id == "caso1")


def entity(doc, brat_id):
    return next(e for e in doc.entities if e.id == f"{doc.id}_{brat_id}")


def make_corpus(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def test_the_fixture_corpus_passes_the_invariants(corpus):
    assert_corpus_ok(corpus)
    assert corpus.problems == ()


def test_the_first_folder_names_the_split_and_deeper_folders_are_metadata(corpus):
    splits = {doc.id: doc.split for doc in corpus}
    assert splits == {"caso1": "train", "caso2": "train", "caso3": "dev", "caso4": "test", "raiz": None}
    caso2 = next(doc for doc in corpus if doc.id == "caso2")
    assert caso2.metadata == {"file": "train/hospital_norte/caso2.txt", "folder": "hospital_norte"}


def test_a_txt_without_ann_or_with_an_empty_ann_has_no_annotations(corpus):
    for doc in corpus:
        if doc.id in ("caso3", "caso4"):
            assert doc.entities == () and doc.annotations() == ()


def test_discontinuous_spans_keep_one_fragment_each(caso1):
    t7 = entity(caso1, "T7")
    assert t7.offsets == (Span(259, 269), Span(286, 298))
    assert t7.text == ("receptores", "progesterona")
    assert has_discontinuous([caso1])


def test_nested_spans_are_kept(caso1):
    outer, inner = entity(caso1, "T2"), entity(caso1, "T3")
    assert (outer.text, inner.text) == (("insulina glargina",), ("insulina",))
    assert outer.start == inner.start and inner.end < outer.end
    assert has_overlaps([caso1])


@pytest.mark.parametrize(
    "brat_id, normalized",
    [
        ("T4", [DbRef("SNOMED-CT", "387458008"), DbRef("SNOMED-CT", "7947003")]),  # "387458008 | 7947003"
        ("T3", [DbRef("CHEBI", "5931"), DbRef("SNOMED-CT", "67866001")]),  # "CHEBI:5931, 67866001"
        ("T1", [DbRef("SNOMED-CT", "109081006"), DbRef("SNOMED-CT", "372567009")]),  # N line + note
        ("T5", []),  # <null>
        ("T6", []),  # free text, kept as a note only
    ],
)
def test_notes_become_normalized_ids(caso1, brat_id, normalized):
    assert list(entity(caso1, brat_id).normalized) == normalized


def test_every_note_is_kept_as_written(caso1):
    notes = {note.ref_id.split("_")[1]: note.text for note in caso1.notes}
    assert notes["T6"] == "revisar con farmacia" and notes["T5"] == "<null>"
    assert len(caso1.notes) == 5


def test_r_e_a_m_n_and_equiv_lines_are_kept(caso1):
    (relation,) = caso1.relations
    assert (relation.type, relation.arg1_id, relation.arg2_id) == ("Pauta", "caso1_T1", "caso1_T8")
    (event,) = caso1.events
    assert (event.type, event.trigger_id) == ("Administracion", "caso1_T8")
    assert [(a.role, a.ref_id) for a in event.arguments] == [("Farmaco", "caso1_T1")]
    attributes = {(a.id, a.type, a.ref_id, a.value) for a in caso1.attributes}
    assert attributes == {
        ("caso1_A1", "Negacion", "caso1_T5", None),
        ("caso1_M1", "Certeza", "caso1_T4", "Alta"),
    }
    (normalization,) = caso1.normalizations
    assert (normalization.db_name, normalization.db_id, normalization.text) == (
        "SNOMED-CT",
        "109081006",
        "metformina",
    )
    (coreference,) = caso1.coreferences
    assert coreference.entity_ids == ("caso1_T3", "caso1_T9") and coreference.type == "Equiv"


def test_without_notes_db_bare_ids_are_named_after_the_note_type():
    doc = next(d for d in load_corpus(FIXTURES / "brat", "brat") if d.id == "caso2")
    assert doc.entities[0].normalized == (DbRef("AnnotatorNotes", "372658000"),)


def test_offsets_count_carriage_returns_and_newlines_inside_spans_match_spaces(tmp_path):
    text = "Refiere mareo.\r\nSe pautó insulina\r\nglargina.\r\n"  # insulina glargina: 25-43 across "\r\n"
    make_corpus(tmp_path, {"caso.txt": text, "caso.ann": "T1\tPROTEINAS 25 43\tinsulina  glargina\n"})
    (doc,) = load_corpus(tmp_path, "brat")
    assert doc.entities[0].text == ("insulina\r\nglargina",)


def test_crlf_text_with_offsets_counting_lf_names_the_cause(tmp_path):
    text = "Refiere mareo.\r\nSe pautó insulina.\r\n"  # "insulina" is 24-32 with LF, 25-33 with CRLF
    files = {"train/caso.txt": text, "train/caso.ann": "T1\tPROTEINAS 24 32\tinsulina\n"}
    for skip in (False, True):
        with pytest.raises(InvalidCorpusError) as caught:
            load_corpus(make_corpus(tmp_path, files), "brat", skip_invalid=skip)
        (problem,) = caught.value.problems
        assert (problem.kind, problem.file, problem.line) == ("crlf_offsets", "train/caso.ann", 1)
        assert "train/caso.txt has CRLF (\\r\\n) line endings" in str(caught.value)
        assert "convert the text to LF line endings" in str(caught.value)
    lf = make_corpus(tmp_path / "lf", {"caso.txt": "Refiere mareo.\r\nSe pautó insulina.\r\n",
                                       "caso.ann": "T1\tPROTEINAS 10 18\tinsulina\n"})  # fmt: skip
    with pytest.raises(InvalidCorpusError) as caught:  # not explained by line endings: a plain mismatch
        load_corpus(lf, "brat")
    assert [p.kind for p in caught.value.problems] == ["text_mismatch"]


CASES = {  # name: (files, kind, file, line, text in the message)
    "text-mismatch": (
        {"train/caso.txt": TEXT, "train/caso.ann": "T1\tPROTEINAS 10 18\tinsulina\n"},
        "text_mismatch", "train/caso.ann", 1,
        f'train/caso.ann:1: T1 PROTEINAS 10 18 says "insulina" but the text there is "nsulina " {SKIP}',
    ),
    "discontinuous-mismatch": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17;20 30\tinsulina metformin\n"},
        "text_mismatch", "caso.ann", 1,
        'says "insulina metformin" but the text there is "insulina metformina"',
    ),
    "offsets-past-end": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\nT2\tPROTEINAS 40 48\tinsulina\n"},
        "offsets_past_end", "caso.ann", 2,
        "T2 PROTEINAS 40 48 ends at 48, past the end of the text (32 characters)",
    ),
    "start-not-before-end": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 17 9\tinsulina\n"},
        "bad_offsets", "caso.ann", 1, "T1 PROTEINAS 17 9: start 17 is not < end 9",
    ),
    "malformed-line": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\nT2 PROTEINAS 20 30 metformina\n"},
        "malformed_line", "caso.ann", 2, 'cannot read "T2 PROTEINAS 20 30 metformina" as brat standoff',
    ),
    "malformed-relation": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\nR1\tPauta Arg1:T1\n"},
        "malformed_line", "caso.ann", 2, "expected R<n><TAB><TYPE> Arg1:<id> Arg2:<id>",
    ),
    "unknown-line-type": (
        {"caso.txt": TEXT, "caso.ann": "X1\tcosa\n"},
        "malformed_line", "caso.ann", 1, "expected a line starting with T, R, E, A, M, N, # or *",
    ),
    "unknown-label": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINA 9 17\tinsulina\n"},
        "unknown_label", "caso.ann", 1,
        "T1 PROTEINA 9 17: label PROTEINA is not one of NORMALIZABLES, PROTEINAS",
    ),
    "dangling-reference": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\n#1\tAnnotatorNotes T7\t123\n"},
        "dangling_reference", "caso.ann", 2,
        "#1 AnnotatorNotes T7 refers to T7, which is not in this document",
    ),
    "duplicate-annotation-id": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\nT1\tNORMALIZABLES 20 30\tmetformina\n"},
        "duplicate_id", "caso.ann", 2, "T1 NORMALIZABLES 20 30: the id is already used in this document",
    ),
    "missing-txt": (
        {"caso.txt": TEXT, "train/solo.ann": "T1\tPROTEINAS 9 17\tinsulina\n"},
        "missing_text", "train/solo.ann", None, "train/solo.ann: no solo.txt for this .ann (add the .txt",
    ),
    "not-utf8": (
        {"caso.txt": "Línea uno.\nSe pautó insulina.\n".encode("latin-1"), "caso.ann": ""},
        "not_utf8", "caso.txt", 1, "caso.txt:1: not UTF-8: byte 0xed at byte offset 1 (re-save it as UTF-8",
    ),
    "not-utf8-ann": (
        {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 9 17\tinsulina\nT2\tX 0 2\tSé\n".encode("latin-1")},
        "not_utf8", "caso.ann", 2, "caso.ann:2: not UTF-8: byte 0xe9 at byte offset 37",
    ),
    "empty-txt": (
        {"train/caso.txt": TEXT, "train/vacio.txt": " \n", "train/vacio.ann": ""},
        "empty_file", "train/vacio.txt", None, "train/vacio.txt: the text is empty",
    ),
    "duplicate-document": (
        {"train/caso.txt": TEXT, "dev/caso.txt": TEXT},
        "duplicate_document", "train/caso.txt", None, "document id caso is already used by dev/caso.txt",
    ),
}  # fmt: skip
LABELS = {"NORMALIZABLES", "PROTEINAS"}


@pytest.mark.parametrize("name", CASES)
def test_a_bad_corpus_raises_one_error_naming_file_and_line(tmp_path, name):
    files, kind, file, line, message = CASES[name]
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(make_corpus(tmp_path, files), "brat", labels=LABELS)
    (problem,) = caught.value.problems
    assert (problem.kind, problem.file, problem.line) == (kind, file, line)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, CorpusError)


@pytest.mark.parametrize("name", CASES)
def test_skip_invalid_skips_bad_annotations_but_never_bad_files(tmp_path, name):
    files, kind, *_ = CASES[name]
    root = make_corpus(tmp_path, files)
    if kind in {"missing_text", "not_utf8", "empty_file", "duplicate_document"}:
        with pytest.raises(InvalidCorpusError, match="cannot be skipped"):
            load_corpus(root, "brat", labels=LABELS, skip_invalid=True)
        return
    corpus = load_corpus(root, "brat", labels=LABELS, skip_invalid=True)
    assert [problem.kind for problem in corpus.problems] == [kind]
    assert_corpus_ok(corpus)


def test_every_problem_of_the_corpus_is_listed_at_once(tmp_path):
    files = {
        "train/a.txt": TEXT, "train/a.ann": "T1\tPROTEINAS 10 18\tinsulina\n",
        "dev/b.txt": TEXT, "dev/b.ann": "T1\tPROTEINAS 9 17\tinsulina\nT2 roto\n",
        "test/c.ann": "T1\tPROTEINAS 9 17\tinsulina\n",
    }  # fmt: skip
    with pytest.raises(InvalidCorpusError) as caught:
        load_corpus(make_corpus(tmp_path, files), "brat")
    lines = str(caught.value).splitlines()
    assert lines[0] == f"3 problems in {tmp_path}, nothing was imported:"
    assert [line.split(": ")[0] for line in lines[1:]] == ["dev/b.ann:2", "test/c.ann", "train/a.ann:1"]


def test_a_bad_span_and_the_note_on_it_are_one_problem(tmp_path):
    ann = "T1\tPROTEINAS 10 18\tinsulina\n#1\tAnnotatorNotes T1\t67866001\nA1\tNegacion T1\n"
    ann += "T2\tNORMALIZABLES 20 30\tmetformina\n"
    corpus = load_corpus(
        make_corpus(tmp_path, {"caso.txt": TEXT, "caso.ann": ann}), "brat", skip_invalid=True
    )
    (problem,) = corpus.problems
    assert problem.reason.endswith('is "nsulina "; #1, A1 refer to it and are left out with it')
    (doc,) = corpus
    assert [e.id for e in doc.entities] == ["caso_T2"] and doc.notes == () and doc.attributes == ()
