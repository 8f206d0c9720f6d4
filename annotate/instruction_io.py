"""Instruction data in and out: BioInstruct-style files -> rows, reviewed Argilla records -> dataset rows.

    {"instruction": "Resuma el caso clínico.", "input": "Varón de 67 años ...", "output": "Diabetes ..."}

    instruction,input,output                      (CSV/TSV with a header; a `datasets` folder or hub name
    Resuma el caso clínico.,Varón de 67 ...,...    with these columns works too)

    rows = read_instructions(Path("bioinstruct.jsonl"))     # [InstructionRow], checked
    kept = [review(r) for r in reviewed]                      # corrected answer wins, discards dropped

`instruction`, `input` and `output` are required in every record (`input` may be ""); `instruction` and
`output` must not be empty. Optional: `id`, `split`, `task`/`tarea`, `template_id`, `source_record`, the
catalogue columns (`idioma`, `pais`, `dominio`, `fuente`, `licencia`) and, from `annotate remix`,
`input_offset` and `entities`. Any problem (a missing column, an empty instruction, a line that is not
UTF-8 or not JSON) is an `InstructionFileError` naming the file and the line, raised before anything
is sent to Argilla.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.errors import CorpusNotFoundError, InstructionFileError

REQUIRED = ("instruction", "input", "output")
OPTIONAL = (
    "task",
    "template_id",
    "source_record",
    "idioma",
    "pais",
    "dominio",
    "tarea",
    "fuente",
    "licencia",
)


@dataclass(frozen=True)
class InstructionRow:
    id: str
    instruction: str
    input: str
    output: str
    split: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # OPTIONAL columns, input_offset, entities


def read_instructions(source: Path | str, format: str = "auto") -> list[InstructionRow]:
    """Every record of a JSONL/CSV/TSV file, a `save_to_disk` folder or a `datasets` name, checked."""
    path = Path(source)
    kind = format if format != "auto" else detect(path)
    if kind == "jsonl":
        records = jsonl_records(path)
    elif kind == "csv":
        records = csv_records(path)
    elif kind in ("datasets", "bigbio"):
        records = dataset_records(str(source))
    else:
        raise InstructionFileError(f"{source}: format {kind!r} is not jsonl, csv or datasets")
    rows = [to_row(where, number, record, path.stem) for where, number, record in records]
    if not rows:
        raise InstructionFileError(f"{source}: no instruction records in it")
    duplicates = [i for i, n in Counter(r.id for r in rows).items() if n > 1]
    if duplicates:
        raise InstructionFileError(f"{source}: id {duplicates[0]!r} is used by more than one record")
    return rows


def detect(path: Path) -> str:
    if path.is_dir():
        return "datasets"
    if path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    if path.suffix.lower() in (".jsonl", ".json"):
        return "jsonl"
    return "datasets" if not path.exists() else "unknown"


def utf8_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusNotFoundError(f"{path}: no such file") from None
    lines = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError as exc:
            raise InstructionFileError(
                f"{path}:{number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                "re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`"
            ) from None
    return lines


def jsonl_records(path: Path):
    for number, line in enumerate(utf8_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InstructionFileError(
                f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})"
            ) from None
        if not isinstance(record, dict):
            raise InstructionFileError(
                f"{path}:{number}: a JSON object is expected, found {type(record).__name__}"
            )
        yield str(path), number, record


def csv_records(path: Path):
    text = "\n".join(utf8_lines(path))
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InstructionFileError(
            f"{path}:1: the header has no column {', '.join(missing)} (found {reader.fieldnames})"
        )
    line = 2
    for record in reader:
        yield str(path), line, record
        line = reader.line_num + 1


def dataset_records(source: str):
    import datasets

    try:
        local = Path(source).is_dir()
        data = datasets.load_from_disk(source) if local else datasets.load_dataset(source)
    except FileNotFoundError as exc:
        raise CorpusNotFoundError(f"{source}: not a file, folder or loadable dataset ({exc})") from None
    splits = data.items() if hasattr(data, "items") else [(None, data)]
    for split, rows in splits:
        for number, record in enumerate(rows, start=1):
            default_id = f"{Path(source).name}-{split}-{number}" if split else f"{Path(source).name}-{number}"
            yield (
                f"{source}[{split}]" if split else source,
                number,
                {"split": split, "id": default_id, **record},
            )


def to_row(where: str, number: int, record: dict[str, Any], stem: str) -> InstructionRow:
    for column in REQUIRED:
        if column not in record:
            hint = ' (write "input": "" when there is none)' if column == "input" else ""
            raise InstructionFileError(
                f'{where}:{number}: no "{column}" column; '
                f"every record needs instruction, input and output{hint}"
            )
        if not isinstance(record[column], str | None):
            raise InstructionFileError(
                f'{where}:{number}: "{column}" must be text, found {type(record[column]).__name__}'
            )
    for column in ("instruction", "output"):
        if not (record[column] or "").strip():
            raise InstructionFileError(f"{where}:{number}: empty {column}; write one or remove the record")
    extra: dict[str, Any] = {c: str(record[c]) for c in OPTIONAL if record.get(c) not in (None, "")}
    if record.get("input_offset") is not None:
        extra["input_offset"] = int(record["input_offset"])
    if record.get("entities"):
        extra["entities"] = record["entities"]
    return InstructionRow(
        id=str(record.get("id") or f"{stem}-{number}"),
        instruction=record["instruction"].strip(),
        input=(record["input"] or "").strip(),
        output=record["output"].strip(),
        split=str(record["split"]) if record.get("split") else None,
        extra=extra,
    )


# -- Argilla records and reviews -------------------------------------------------------------------------


def record_metadata(row: InstructionRow, defaults: dict[str, str]) -> dict[str, Any]:
    """Metadata of the record of `row`: the template's properties + what export needs to rebuild it.

    `defaults` gives fuente, licencia, pais and dominio when the row has none."""
    extra = row.extra
    task = extra.get("task") or extra.get("tarea") or "instruccion"
    return {
        "documento": extra.get("source_record", row.id),
        "split": row.split or "sin_split",
        "fuente": extra.get("fuente", defaults["fuente"]),
        "licencia": extra.get("licencia", defaults["licencia"]),
        "longitud": len(row.input or row.instruction),
        "segmento": 0,
        "idioma": extra.get("idioma", "es"),
        "pais": extra.get("pais", defaults["pais"]),
        "dominio": extra.get("dominio", defaults["dominio"]),
        "tarea": extra.get("tarea", task),
        "_task": task,
        "_template_id": extra.get("template_id", ""),
        "_input_offset": int(extra.get("input_offset", 0)),
        "_entities": json.dumps(extra.get("entities", []), ensure_ascii=False),
    }


@dataclass(frozen=True)
class Review:
    """One reviewer's answer to one record: status and the values of both questions."""

    annotator: str
    status: str  # submitted | discarded | draft
    corrected: str | None = None
    rating: int | None = None


def decide(reviews: list[Review]) -> str:
    """kept | discarded | pending: discarded when at least as many reviewers discarded as submitted."""
    submitted = sum(r.status == "submitted" for r in reviews)
    discarded = sum(r.status == "discarded" for r in reviews)
    if not submitted and not discarded:
        return "pending"
    return "discarded" if discarded >= submitted else "kept"


def final_output(original: str, reviews: list[Review]) -> str:
    """The most frequent corrected answer of the submitted reviews (ties: first reviewer by name), else the
    original output."""
    answers = [
        r.corrected.strip()
        for r in sorted(reviews, key=lambda r: r.annotator)
        if r.status == "submitted" and r.corrected and r.corrected.strip()
    ]
    return Counter(answers).most_common(1)[0][0] if answers else original


def reviewed_row(record_id: str, fields: dict, metadata: dict, reviews: list[Review]) -> dict[str, Any]:
    """A `dataset/instruction` row (remix columns) from a kept record."""
    original = fields.get("output") or ""
    output = final_output(original, reviews)
    ratings = [r.rating for r in reviews if r.status == "submitted" and r.rating is not None]
    entities = json.loads(metadata.get("_entities") or "[]") if output == original else []
    return {
        "id": record_id,
        "instruction": fields.get("instruction") or "",
        "input": fields.get("input") or "",
        "output": output,
        "task": metadata.get("_task") or metadata.get("tarea") or "instruccion",
        "template_id": metadata.get("_template_id") or "",
        "source_record": metadata.get("documento") or record_id,
        "idioma": metadata.get("idioma") or "es",
        "pais": metadata.get("pais") or "desconocido",
        "dominio": metadata.get("dominio") or "desconocido",
        "tarea": metadata.get("tarea") or "instruccion",
        "fuente": metadata.get("fuente") or "",
        "licencia": metadata.get("licencia") or "desconocida",
        "input_offset": int(metadata.get("_input_offset") or 0),
        "entities": entities,
        "calidad": sum(ratings) / len(ratings) if ratings else None,
    }
