"""`annotate remix`: the sample corpus's adjudicated dataset -> instruction samples, checked by hand and by
invariants (offsets, labels, splits, answers that score F1 = 1.0 against their own gold)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.corpus import Entity, Segment, Span, load_corpus
from annotate.errors import RemixError
from annotate.remix.samples import DEFAULT_TEMPLATES, remix, segment_samples
from annotate.remix.templates import load_templates
from annotate.views import build_views, save_views
from notebooks.instruct.metrics import entity_scores
from portable.answers import EXTRACTION_TASKS, parse_answer
from runfolder import CorpusInfo, RunFolder, RunInfo, write_json

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample" / "brat"
CATALOGUE = {
    "idioma": "es",
    "pais": "ES",
    "dominio": "biomedico",
    "fuente": "muestra",
    "licencia": "CC-BY-4.0",
}


def make_run(path: Path) -> RunFolder:
    run = RunFolder(path)
    save_views(build_views(list(load_corpus(SAMPLE, "brat"))), run)
    corpus = CorpusInfo(path=str(SAMPLE), format="brat", licence="CC-BY-4.0", source="muestra", country="ES")
    write_json(
        run.run_json, RunInfo(name=path.name, task="ner", corpus=corpus, labels=["FARMACO", "PROTEINA"])
    )
    return run


@pytest.fixture(scope="module")
def remixed(tmp_path_factory: pytest.TempPathFactory):
    from datasets import load_from_disk

    run = make_run(tmp_path_factory.mktemp("runs") / "muestra")
    report = remix(run)
    return report, load_from_disk(str(run.dataset_view("instruction")))


def rows(dataset) -> list[dict]:
    return [dict(row, split=split) for split in dataset for row in dataset[split]]


def test_hand_checked_samples_of_one_document(remixed) -> None:
    _, dataset = remixed
    doc = [r for r in rows(dataset) if r["source_record"] == "sintetico-train-01"]
    by_id = {r["id"]: r for r in doc}
    first = by_id["sintetico-train-01#0/extraccion-todas-lineas"]
    assert first["input"] == (
        "Varón de 67 años con diabetes mellitus tipo 2 en tratamiento con metformina 850 mg cada 12 horas."
    )
    assert (first["output"], first["input_offset"], first["split"]) == ("FARMACO: metformina", 0, "train")
    assert first["entities"] == [{"type": "FARMACO", "text": ["metformina"], "offsets": [[65, 75]]}]
    assert first["instruction"].startswith(
        "Extraiga todas las entidades del texto de estos tipos: FARMACO, PROTEINA."
    )
    third = by_id["sintetico-train-01#2/extraccion-etiqueta"]
    assert (third["input"], third["input_offset"]) == ("La hemoglobina glicosilada es de 8,2 %.", 117)
    assert third["output"] == "PROTEINA: hemoglobina glicosilada" and "tipo PROTEINA" in third["instruction"]
    assert third["entities"][0]["offsets"] == [[3, 26]]
    assert {k: first[k] for k in CATALOGUE} == CATALOGUE and first["tarea"] == first["task"] == "extraccion"
    assert first["calidad"] is None


def test_every_input_and_entity_maps_back_to_its_document(remixed) -> None:
    _, dataset = remixed
    texts = {d.id: d.text for d in load_corpus(SAMPLE, "brat")}
    for row in rows(dataset):
        text, offset = texts[row["source_record"]], row["input_offset"]
        assert text[offset : offset + len(row["input"])] == row["input"]
        for entity in row["entities"]:
            assert [row["input"][s:e] for s, e in entity["offsets"]] == entity["text"]
            assert entity["type"] in ("FARMACO", "PROTEINA")


def test_splits_are_the_corpus_splits_and_no_document_is_in_two(remixed) -> None:
    _, dataset = remixed
    assert set(dataset) == {"train", "validation", "test"}
    docs = {split: set(dataset[split]["source_record"]) for split in dataset}
    assert not docs["train"] & docs["validation"] and not docs["train"] & docs["test"]
    assert not docs["validation"] & docs["test"]
    expected = {"train": "sintetico-train", "validation": "sintetico-dev", "test": "sintetico-test"}
    assert all(d.startswith(expected[split]) for split, ids in docs.items() for d in ids)
    assert len({r["id"] for r in rows(dataset)}) == len(rows(dataset))


def gold_pairs(row: dict, label: str | None) -> list[tuple[str, str]]:
    return [(e["type"], " ".join(e["text"])) for e in row["entities"] if label in (None, e["type"])]


def test_answers_parse_and_score_f1_1_against_their_own_gold(remixed) -> None:
    _, dataset = remixed
    samples = rows(dataset)
    extraction = [r for r in samples if r["task"] in EXTRACTION_TASKS]
    gold, pred = [], []
    for row in extraction:
        label = None
        if row["task"] == "extraccion_etiqueta":
            label = row["instruction"].split("menciones de tipo ")[1].split()[0]
        gold.append(gold_pairs(row, label))
        pred.append(parse_answer(row["task"], row["output"], strict=True))
    assert sum(map(len, gold)) > 20 and entity_scores(gold, pred).overall.f1 == 1.0
    for row in (r for r in samples if r["task"] == "tipado"):
        mention = row["instruction"].split("«")[1].split("»")[0]
        assert parse_answer("tipado", row["output"], strict=True) in {
            e["type"] for e in row["entities"] if " ".join(e["text"]) == mention
        }
    for row in (r for r in samples if r["task"] == "mencion"):
        label = row["instruction"].split("de tipo ")[1].split("?")[0]
        assert parse_answer("mencion", row["output"], strict=True) == any(
            e["type"] == label for e in row["entities"]
        )


def test_report_and_samples_per_segment(remixed) -> None:
    report, dataset = remixed
    assert report.documents == 30 and report.templates == 6
    assert report.splits == {split: len(data) for split, data in dataset.items()}
    assert set(report.per_task) == {"extraccion", "extraccion_etiqueta", "tipado", "mencion"}
    per_segment: dict[str, list[str]] = {}
    for row in rows(dataset):
        per_segment.setdefault(row["id"].split("/")[0], []).append(row["template_id"])
    assert all(len(t) <= 2 and len(set(t)) == len(t) for t in per_segment.values())


def test_the_same_seed_gives_the_same_samples(tmp_path: Path) -> None:
    from datasets import load_from_disk

    run = make_run(tmp_path / "a")
    remix(run, seed=13)
    first = load_from_disk(str(run.dataset_view("instruction")))["train"]["id"]
    remix(run, seed=13)
    assert load_from_disk(str(run.dataset_view("instruction")))["train"]["id"] == first
    remix(run, seed=14, per_record=1)
    assert load_from_disk(str(run.dataset_view("instruction")))["train"]["id"] != first


def segment_of(
    text: str, *entities: tuple[str, int, int] | tuple[str, tuple[tuple[int, int], ...]]
) -> Segment:
    made = []
    for n, (label, *where) in enumerate(entities, start=1):
        spans = where[0] if isinstance(where[0], tuple) else ((where[0], where[1]),)
        made.append(
            Entity(f"d_T{n}", label, tuple(Span(s, e) for s, e in spans), tuple(text[s:e] for s, e in spans))
        )
    return Segment("d", 0, 10, 10 + len(text), text, tuple(made))


def test_discontinuous_and_repeated_mentions_and_ambiguous_typing() -> None:
    text = "Insulina y metformina; después metformina y proteína C reactiva."
    seg = segment_of(
        text, ("PROTEINA", 0, 8), ("FARMACO", 11, 21), ("FARMACO", 31, 41), ("PROTEINA", ((44, 52), (53, 63)))
    )
    templates = load_templates(DEFAULT_TEMPLATES)
    samples = segment_samples(seg, ["FARMACO", "PROTEINA"], templates, random.Random(0), per_record=10)
    extraction = next(s for s in samples if s["template_id"] == "extraccion-todas-lineas")
    assert extraction["output"] == (
        "PROTEINA: Insulina\nFARMACO: metformina\nFARMACO: metformina\nPROTEINA: proteína C reactiva"
    )
    assert extraction["input_offset"] == 10 and extraction["entities"][3]["offsets"] == [[44, 52], [53, 63]]
    assert {s["template_id"] for s in samples} == {t.id for t in templates.plantillas} - {
        "clasificacion-documento"
    }
    # the same text with two labels cannot be asked "what type is it?"
    ambiguous = segment_of("hierro y hierro", ("FARMACO", 0, 6), ("PROTEINA", 9, 15))
    tasks = {
        s["task"]
        for s in segment_samples(ambiguous, ["FARMACO", "PROTEINA"], templates, random.Random(0), 10)
    }
    assert "tipado" not in tasks and "extraccion" in tasks


def test_classification_samples_from_the_labels_view(tmp_path: Path) -> None:
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value, load_from_disk

    run = make_run(tmp_path / "run")
    features = Features(
        {"id": Value("string"), "text": Value("string"), "label": ClassLabel(names=["cardio", "renal"])}
    )
    DatasetDict(
        {
            "train": Dataset.from_list(
                [{"id": "c1", "text": "Dolor torácico.", "label": 0}], features=features
            ),
            "test": Dataset.from_list(
                [{"id": "c2", "text": "Fallo renal agudo.", "label": 1}], features=features
            ),
        }
    ).save_to_disk(str(run.dataset_view("labels")))
    report = remix(run, per_record=1)
    assert report.per_task["clasificacion"] == 2
    data = load_from_disk(str(run.dataset_view("instruction")))
    (c2,) = [r for r in data["test"] if r["task"] == "clasificacion"]
    assert (c2["input"], c2["output"], c2["source_record"]) == ("Fallo renal agudo.", "renal", "c2")
    assert "cardio, renal" in c2["instruction"] and parse_answer("clasificacion", c2["output"]) == ["renal"]


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("plantillas:\n  - {id: a, tarea: tipado, instruccion: '¿Es {etiqueta}?'}\n", "uses {etiqueta}"),
        ("plantillas:\n  - {id: a, tarea: resumen, instruccion: x}\n", "template 'a' field tarea"),
        (
            "plantillas:\n  - {id: a, tarea: mencion, instruccion: x}\n"
            "  - {id: a, tarea: mencion, instruccion: y}\n",
            "used twice",
        ),
        ("plantillas: [\n", ":2: not valid UTF-8 YAML"),
        ("plantillas:\n  - {id: a, tarea: tipado, instruccion: 'JSON {\"x\": 1}'}\n", "braces"),
        ("plantillas: []\n", "plantillas"),
    ],
)
def test_bad_templates_name_the_file_and_the_template(tmp_path: Path, yaml: str, message: str) -> None:
    path = tmp_path / "plantillas.yaml"
    path.write_text(yaml, encoding="utf-8")
    with pytest.raises(RemixError, match=message) as error:
        load_templates(path)
    assert str(path) in str(error.value)


def test_shipped_templates_load() -> None:
    templates = load_templates(DEFAULT_TEMPLATES)
    assert {t.tarea for t in templates.plantillas} == {
        *EXTRACTION_TASKS,
        "tipado",
        "mencion",
        "clasificacion",
    }


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "annotate", "remix", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_writes_the_view_and_says_what_it_did(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    done = cli("--run", str(run.path), "--per-record", "1", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert "instruction samples" in done.stdout and str(run.dataset_view("instruction")) in done.stdout
    assert (run.dataset_view("instruction") / "dataset_dict.json").exists()


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    done = cli("--run", str(tmp_path / "vacio"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "dataset/bigbio_kb is missing" in done.stderr and "annotate export" in done.stderr
    bad = tmp_path / "p.yaml"
    bad.write_text("plantillas: [\n", encoding="utf-8")
    run = make_run(tmp_path / "run")
    done = cli("--run", str(run.path), "--templates", str(bad))
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and str(bad) in done.stderr
    assert not run.dataset_view("instruction").exists()
