"""`annotate remix`: the adjudicated dataset of a run -> instruction samples in `dataset/instruction/`.

    report = remix(RunFolder("runs/demo"), templates=DEFAULT_TEMPLATES, per_record=2, seed=13)

Each document of `dataset/bigbio_kb` is cut into sentences (or paragraphs, `segmento` in the YAML) that
keep their offsets; each segment gets `per_record` samples from different templates of
`templates.yaml` (drawn by weight among the templates that apply, with a generator seeded by the
seed and the segment id, so the result does not depend on the order of the documents). Documents of
`dataset/labels`, when there is one, give classification samples. A sample:

    {"id": "S0004-1#2/extraccion-todas-lineas", "instruction": "Extraiga todas las entidades ...",
     "input": "Se pautó metformina 850 mg.", "output": "NORMALIZABLES: metformina",
     "task": "extraccion", "template_id": "extraccion-todas-lineas", "source_record": "S0004-1",
     "input_offset": 120, "entities": [{"type": "NORMALIZABLES", "text": ["metformina"],
     "offsets": [[9, 19]]}], "idioma": "es", "pais": "ES", "dominio": "biomedico",
     "tarea": "extraccion", "fuente": "PharmaCoNER", "licencia": "CC-BY-4.0", "calidad": null}

`entities` are the gold entities of the input at offsets into it (`input_offset` + offset = document
offset). Splits stay those of the source; a document found in two splits is an error.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotate.corpus import Document, Entity, Segment, load_corpus, segment
from annotate.remix.templates import Template, TemplateSet, load_templates
from annotate.views import check_splits, save_instruction_view, split_name
from portable.answers import NO, YES, format_entities, format_labels
from runfolder import RunFolder, RunInfo

if TYPE_CHECKING:
    from datasets import Dataset

DEFAULT_TEMPLATES = Path(__file__).with_name("templates.yaml")
Row = dict[str, Any]


@dataclass
class RemixReport:
    documents: int
    segments: int
    templates: int
    splits: dict[str, int] = field(default_factory=dict)
    per_task: dict[str, int] = field(default_factory=dict)


def remix(
    run: RunFolder, templates: Path = DEFAULT_TEMPLATES, per_record: int = 2, seed: int = 13
) -> RemixReport:
    """Write `dataset/instruction` from `dataset/bigbio_kb` (+ `dataset/labels`); atomically."""
    template_set = load_templates(templates)
    source = run.require(run.dataset_view("bigbio_kb"))
    info = run.read_json(run.run_json, RunInfo)
    documents = list(load_corpus(str(source), "bigbio"))
    check_splits((d.id, d.split) for d in documents)
    labels = sorted({*info.labels, *(e.label for d in documents for e in d.entities)})
    by_split, segments = span_samples(documents, labels, template_set, per_record, seed)
    for split, rows in labelled_samples(run, template_set, per_record, seed).items():
        by_split.setdefault(split, []).extend(rows)
    catalogue = catalogue_columns(info)
    by_split = {split: [row | catalogue for row in rows] for split, rows in by_split.items()}
    save_instruction_view(
        run,
        by_split,
        f"Instruction samples remixed by `annotate remix` from dataset/bigbio_kb of run {info.name!r} "
        f"with the templates of {Path(templates).name} ({per_record} per segment, seed {seed}).",
    )
    tasks: dict[str, int] = {}
    for row in (r for rows in by_split.values() for r in rows):
        tasks[row["task"]] = tasks.get(row["task"], 0) + 1
    splits = {split: len(rows) for split, rows in sorted(by_split.items())}
    return RemixReport(
        len(documents), segments, len(template_set.plantillas), splits, dict(sorted(tasks.items()))
    )


def span_samples(
    documents: Sequence[Document], labels: Sequence[str], templates: TemplateSet, per_record: int, seed: int
) -> tuple[dict[str, list[Row]], int]:
    """Samples of every segment of every document, by split; and the number of segments."""
    by_split: dict[str, list[Row]] = {}
    segments = 0
    for document in documents:
        for seg in segment(document, templates.segmento):
            segments += 1
            rng = random.Random(f"{seed}|{seg.id}")
            if not seg.entities and rng.random() >= templates.segmentos_sin_entidades:
                continue
            rows = segment_samples(seg, labels, templates, rng, per_record)
            by_split.setdefault(split_name(document.split), []).extend(rows)
    return by_split, segments


def catalogue_columns(info: RunInfo) -> Row:
    """The Somos NLP catalogue columns every sample carries (besides `tarea`)."""
    corpus = info.corpus
    return {
        "idioma": "es",
        "pais": corpus.country or "desconocido",
        "dominio": corpus.domain or "biomedico",
        "fuente": corpus.source or corpus.path,
        "licencia": corpus.licence or "desconocida",
    }


def segment_samples(
    seg: Segment, labels: Sequence[str], templates: TemplateSet, rng: random.Random, per_record: int
) -> list[Row]:
    """Up to `per_record` samples of one segment, each from a different applicable template."""
    ordered = sorted(seg.entities, key=lambda e: (e.start, e.end, e.label))
    usable = [t for t in templates.plantillas if t.tarea != "clasificacion" and applies(t, ordered, labels)]
    rows = []
    for template in pick(usable, per_record, rng):
        instruction, output = fill(template, ordered, labels, rng)
        rows.append(sample(template, instruction, seg.text, output, seg.doc_id, seg.id, seg.start, ordered))
    return rows


def applies(template: Template, entities: Sequence[Entity], labels: Sequence[str]) -> bool:
    if not labels:
        return False
    return template.tarea != "tipado" or bool(unambiguous(entities))


def unambiguous(entities: Sequence[Entity]) -> list[Entity]:
    """Entities whose text has one label in the segment (so "what type is X?" has one answer)."""
    types: dict[str, set[str]] = {}
    for entity in entities:
        types.setdefault(mention(entity), set()).add(entity.label)
    return [e for e in entities if len(types[mention(e)]) == 1]


def mention(entity: Entity) -> str:
    return " ".join(entity.text)


def pick(templates: Sequence[Template], n: int, rng: random.Random) -> list[Template]:
    """`n` different templates drawn by weight (all of them when there are fewer)."""
    pool, chosen = list(templates), list[Template]()
    while pool and len(chosen) < n:
        template = rng.choices(pool, weights=[t.peso for t in pool])[0]
        pool.remove(template)
        chosen.append(template)
    return chosen


def fill(
    template: Template, entities: Sequence[Entity], labels: Sequence[str], rng: random.Random
) -> tuple[str, str]:
    """(instruction, output) of a span task for the entities of one segment."""
    present = sorted({e.label for e in entities})
    values = {"etiquetas": ", ".join(labels)}
    if template.tarea == "extraccion":
        output = format_entities([(e.label, mention(e)) for e in entities], template.formato)
    elif template.tarea == "extraccion_etiqueta":
        values["etiqueta"] = rng.choice(present or list(labels))
        chosen = [(e.label, mention(e)) for e in entities if e.label == values["etiqueta"]]
        output = format_entities(chosen, template.formato)
    elif template.tarea == "tipado":
        entity = rng.choice(unambiguous(entities))
        values["mencion"], output = mention(entity), entity.label
    else:  # mencion: a label that is there half of the time (when one is)
        label = rng.choice(present) if present and rng.random() < 0.5 else rng.choice(list(labels))
        values["etiqueta"], output = label, YES if label in present else NO
    return template.instruccion.format(**values), output


def sample(
    template: Template,
    instruction: str,
    text: str,
    output: str,
    doc_id: str,
    record_id: str,
    offset: int,
    entities: Sequence[Entity] = (),
) -> Row:
    return {
        "id": f"{record_id}/{template.id}",
        "instruction": instruction,
        "input": text,
        "output": output,
        "task": template.tarea,
        "template_id": template.id,
        "source_record": doc_id,
        "input_offset": offset,
        "entities": [
            {"type": e.label, "text": list(e.text), "offsets": [[s.start, s.end] for s in e.offsets]}
            for e in entities
        ],
        "tarea": template.tarea,
        "calidad": None,
    }


def labelled_samples(
    run: RunFolder, templates: TemplateSet, per_record: int, seed: int
) -> dict[str, list[Row]]:
    """Classification samples from `dataset/labels` (one row per document: text + label or labels)."""
    path = run.dataset_view("labels")
    usable = [t for t in templates.plantillas if t.tarea == "clasificacion"]
    if not path.exists() or not usable:
        return {}
    from datasets import load_from_disk

    data = load_from_disk(str(path))
    check_splits((str(row["id"]), split) for split in data for row in data[split])
    names = {split: document_labels(data[split]) for split in data}
    every = sorted({label for rows in names.values() for labels in rows for label in labels})
    out: dict[str, list[Row]] = {}
    for split in data:
        for row, gold in zip(data[split], names[split], strict=True):
            rng = random.Random(f"{seed}|{row['id']}")
            for template in pick(usable, per_record, rng):
                instruction = template.instruccion.format(etiquetas=", ".join(every))
                item = sample(
                    template, instruction, row["text"], format_labels(gold), str(row["id"]), str(row["id"]), 0
                )
                out.setdefault(split_name(split), []).append(item)
    return out


def document_labels(split: Dataset) -> list[list[str]]:
    """Sorted label names per row of a `labels` split (`label`: str or ClassLabel; or `labels`: list)."""
    column = "labels" if "labels" in split.column_names else "label"
    feature = split.features[column]
    feature = getattr(feature, "feature", feature)
    names = getattr(feature, "names", None)
    rows = []
    for value in split[column]:
        values = value if isinstance(value, list) else [value]
        rows.append(sorted(names[v] if names and isinstance(v, int) else str(v) for v in values))
    return rows
