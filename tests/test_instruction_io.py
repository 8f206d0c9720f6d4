"""BioInstruct-style instruction files: what loads, what is refused (naming the file and the line), and
how reviewed records become dataset rows (corrected answer wins, discards dropped)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.instruction_io import (
    InstructionFileError,
    Review,
    decide,
    final_output,
    read_instructions,
    record_metadata,
    reviewed_row,
)

GOOD = [
    {
        "instruction": "Resuma el caso clínico.",
        "input": "Varón de 67 años con diabetes.",
        "output": "Diabetes.",
    },
    {
        "instruction": "¿Qué es la metformina?",
        "input": "",
        "output": "Un antidiabético oral.",
        "split": "test",
    },
]


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_jsonl_file_loads_with_ids_splits_and_extra_columns(tmp_path: Path) -> None:
    records = [GOOD[0] | {"id": "bi-1", "tarea": "resumen", "pais": "MX"}, GOOD[1]]
    rows = read_instructions(jsonl(tmp_path / "bio.jsonl", records))
    assert [r.id for r in rows] == ["bi-1", "bio-2"]
    assert (rows[0].instruction, rows[0].input, rows[0].output) == (
        "Resuma el caso clínico.",
        "Varón de 67 años con diabetes.",
        "Diabetes.",
    )
    assert rows[0].extra == {"tarea": "resumen", "pais": "MX"} and rows[1].split == "test"


def test_a_csv_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "bio.csv"
    path.write_text('instruction,input,output\nResuma.,"Texto, con coma.",Resumen.\n', encoding="utf-8")
    (row,) = read_instructions(path)
    assert (row.id, row.input, row.output) == ("bio-2", "Texto, con coma.", "Resumen.")


def test_a_saved_dataset_folder_loads_with_its_splits(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    DatasetDict({"train": Dataset.from_list([GOOD[0]]), "test": Dataset.from_list([GOOD[1]])}).save_to_disk(
        str(tmp_path / "ds")
    )
    rows = read_instructions(tmp_path / "ds")
    assert sorted((r.split, r.output) for r in rows) == [
        ("test", "Un antidiabético oral."),
        ("train", "Diabetes."),
    ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([GOOD[0], {"instruction": "x", "output": "y"}], r'bad\.jsonl:2: no "input" column.*"input": ""'),
        (
            [GOOD[0], GOOD[1], {"instruction": "  ", "input": "", "output": "y"}],
            r"bad\.jsonl:3: empty instruction",
        ),
        ([{"instruction": "x", "input": "", "output": ""}], r"bad\.jsonl:1: empty output"),
        ([{"instruction": "x", "input": 3, "output": "y"}], r'bad\.jsonl:1: "input" must be text'),
        ([GOOD[0] | {"id": "a"}, GOOD[1] | {"id": "a"}], r"id 'a' is used by more than one record"),
    ],
)
def test_bad_records_name_the_file_and_the_line(tmp_path: Path, lines: list[dict], message: str) -> None:
    with pytest.raises(InstructionFileError, match=message):
        read_instructions(jsonl(tmp_path / "bad.jsonl", lines))


def test_a_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(
        json.dumps(GOOD[0], ensure_ascii=False).encode()
        + b"\n"
        + '{"instruction": "¿Qué es?", "input": "", "output": "Un fármaco."}'.encode("latin-1")
        + b"\n"
    )
    with pytest.raises(
        InstructionFileError, match=r"latin1\.jsonl:2: not UTF-8 \(byte 0xbf at column 18\).*iconv"
    ):
        read_instructions(path)


def test_not_json_and_bad_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "roto.jsonl"
    path.write_text(json.dumps(GOOD[0]) + "\n{roto\n", encoding="utf-8")
    with pytest.raises(InstructionFileError, match=r"roto\.jsonl:2: not JSON"):
        read_instructions(path)
    csv = tmp_path / "x.csv"
    csv.write_text("instruction,output\nA,B\n", encoding="utf-8")
    with pytest.raises(InstructionFileError, match=r"x\.csv:1: the header has no column input"):
        read_instructions(csv)
    empty = tmp_path / "vacio.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InstructionFileError, match="no instruction records"):
        read_instructions(empty)


def test_record_metadata_fills_the_catalogue_from_the_row_or_the_options(tmp_path: Path) -> None:
    rows = read_instructions(jsonl(tmp_path / "bio.jsonl", [GOOD[0] | {"pais": "MX"}, GOOD[1]]))
    defaults = {
        "fuente": "BioInstruct",
        "licencia": "CC-BY-4.0",
        "pais": "desconocido",
        "dominio": "biomedico",
    }
    first, second = (record_metadata(r, defaults) for r in rows)
    assert (first["pais"], second["pais"], first["idioma"], first["tarea"]) == (
        "MX",
        "desconocido",
        "es",
        "instruccion",
    )
    assert (first["documento"], first["split"], second["split"]) == ("bio-1", "sin_split", "test")
    assert json.loads(first["_entities"]) == [] and first["fuente"] == "BioInstruct"


def test_review_decisions() -> None:
    ana, beto, carla = "ana", "beto", "carla"
    assert decide([]) == "pending" and decide([Review(ana, "draft")]) == "pending"
    assert decide([Review(ana, "submitted", rating=4)]) == "kept"
    assert decide([Review(ana, "submitted"), Review(beto, "discarded")]) == "discarded"  # a tie drops it
    assert decide([Review(ana, "submitted"), Review(beto, "submitted"), Review(carla, "discarded")]) == "kept"
    reviews = [
        Review(carla, "submitted", "Respuesta B"),
        Review(beto, "submitted", "Respuesta A"),
        Review(ana, "submitted", "  "),
        Review(ana, "discarded", "Respuesta C"),
    ]
    assert final_output("Original", reviews) == "Respuesta A"  # tie A/B: first reviewer by name
    assert final_output("Original", [Review(ana, "submitted", None, 5)]) == "Original"


def test_reviewed_row_keeps_the_remix_columns_and_averages_ratings() -> None:
    entities = [{"type": "FARMACO", "text": ["metformina"], "offsets": [[9, 19]]}]
    metadata = {
        "documento": "S1",
        "split": "train",
        "_task": "extraccion",
        "_template_id": "t1",
        "_input_offset": 40,
        "_entities": json.dumps(entities),
        "pais": "ES",
        "tarea": "extraccion",
    }
    fields = {"instruction": "Extraiga ...", "input": "Se pautó metformina.", "output": "FARMACO: metformina"}
    kept = reviewed_row(
        "S1#0/t1", fields, metadata, [Review("a", "submitted", None, 4), Review("b", "submitted", None, 5)]
    )
    assert (kept["output"], kept["calidad"], kept["entities"], kept["input_offset"]) == (
        "FARMACO: metformina",
        4.5,
        entities,
        40,
    )
    assert (kept["task"], kept["template_id"], kept["source_record"]) == ("extraccion", "t1", "S1")
    fixed = reviewed_row(
        "S1#0/t1", fields, metadata, [Review("a", "submitted", "FARMACO: metformina 850 mg", 2)]
    )
    assert fixed["output"] == "FARMACO: metformina 850 mg" and fixed["entities"] == []
