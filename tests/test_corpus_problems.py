"""Import problems: their one-line form, import_problems.jsonl, and the errors of load_corpus itself."""

from __future__ import annotations

import json
import os

import pytest
from test_corpus_brat import TEXT, make_corpus
from test_corpus_invariants import FIXTURES

from annotate.corpus import ImportProblem, detect_format, load_corpus, read_problems, write_problems
from annotate.errors import CorpusNotFoundError, EmptyCorpusError, UnknownFormatError

REASON = 'T3 PROTEINAS 120 131 says "insulina" but the text there is "insulin"'
PROBLEM = ImportProblem("train/S0004-1.ann", 7, "insulina", "insulin", REASON, "text_mismatch")


def test_a_problem_reads_as_file_line_what_and_what_to_do():
    assert str(PROBLEM) == (
        'train/S0004-1.ann:7: T3 PROTEINAS 120 131 says "insulina" but the text there is "insulin" '
        "(fix the offsets or pass --skip-invalid to continue and list it in import_problems.jsonl)"
    )
    assert not PROBLEM.fatal
    with pytest.raises(ValueError, match="kind"):
        ImportProblem("a.ann", 1, "", "", "", "no_such_kind")


def test_problems_are_written_atomically_and_read_back(tmp_path):
    path = tmp_path / "runs" / "demo" / "import_problems.jsonl"
    write_problems([PROBLEM, PROBLEM], path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == {
        "file": "train/S0004-1.ann", "line": 7, "expected": "insulina", "found": "insulin",
        "reason": PROBLEM.reason, "kind": "text_mismatch",
    }  # fmt: skip
    assert read_problems(path) == [PROBLEM, PROBLEM]
    assert os.listdir(path.parent) == ["import_problems.jsonl"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "import_problems.jsonl"
    write_problems([PROBLEM], path)

    with pytest.raises(TypeError):
        write_problems([PROBLEM, object()], path)  # type: ignore[list-item]
    assert read_problems(path) == [PROBLEM] and os.listdir(tmp_path) == ["import_problems.jsonl"]


def test_skip_invalid_then_write_problems(tmp_path):
    root = make_corpus(tmp_path / "corpus", {"caso.txt": TEXT, "caso.ann": "T1\tPROTEINAS 10 18\tinsulina\n"})
    corpus = load_corpus(root, "brat", skip_invalid=True)
    write_problems(list(corpus.problems), tmp_path / "import_problems.jsonl")
    (problem,) = read_problems(tmp_path / "import_problems.jsonl")
    assert (problem.file, problem.line, problem.expected, problem.found) == (
        "caso.ann",
        1,
        "insulina",
        "nsulina ",
    )


@pytest.mark.parametrize(
    "name, format",
    [("brat", "brat"), ("tabular/casos.jsonl", "jsonl"), ("tabular/casos.csv", "csv"),
     ("tabular/frases.txt", "text"), ("bigbio/casos.jsonl", "bigbio")],
)  # fmt: skip
def test_the_format_is_guessed_from_the_path(name, format):
    assert detect_format(FIXTURES / name) == format
    assert load_corpus(FIXTURES / name).format == format


def test_load_corpus_errors(tmp_path):
    with pytest.raises(CorpusNotFoundError, match="no such file or folder") as caught:
        load_corpus(tmp_path / "nada", "brat")
    assert isinstance(caught.value, FileNotFoundError)
    with pytest.raises(EmptyCorpusError, match="no documents found"):
        load_corpus(tmp_path, "brat")
    with pytest.raises(UnknownFormatError, match="unknown corpus format 'conll'"):
        load_corpus(tmp_path, "conll")
    (tmp_path / "datos.xml").write_text("<a/>", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match="cannot guess"):
        load_corpus(tmp_path / "datos.xml")
    with pytest.raises(UnknownFormatError, match="a brat corpus is a folder"):
        load_corpus(tmp_path / "datos.xml", "brat")


def test_nothing_heavy_is_imported():
    import subprocess
    import sys

    code = "import sys, annotate.corpus; print(sorted({'datasets', 'pandas', 'argilla'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
