"""`python -m cards check`: a card (ours or hand-written) against the hackathon's requirements and the
Hub's card spec.

    gaps = check_card(Path("runs/demo/cards/dataset/README.md"), run=Path("runs/demo"))
    for gap in gaps: print(gap)      # README.md:42: section "Bias" is empty: write ...

What is checked:
- the YAML header parses, the Hub reads it (`DatasetCard`/`ModelCard`), and the required fields are there
  and valid (`cards.check_metadata`);
- the required sections exist and are not empty (`REQUIRED`, headings in English or Spanish);
- no placeholder is left ("[More Information Needed]", TODO, XX, Lorem, unrendered {{ }});
- with a run folder, every number agrees with it (`cards.check_numbers`).
The card kind is "model" when its metadata has `model-index`, `base_model` or `pipeline_tag`, else
"dataset"; `kind=` overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cards.markdown import Page, parse


@dataclass(frozen=True)
class Gap:
    """What is wrong where. `kind` "field": a Hub metadata field the run cannot fill (e.g. no Hub id of the
    base model); every other gap is "content"."""

    path: Path
    line: int | None
    message: str
    kind: str = "content"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Requirement:
    name: str
    pattern: str  # matched against heading titles, case-insensitive
    heading: str  # what to add, English / Spanish
    what: str  # what to write in it


DATASET = (
    Requirement(
        "summary",
        r"dataset (card|description|summary)|^descripci|resumen|summary",
        "## Dataset Description / ## Descripción",
        "what the data is, its size, language and task",
    ),
    Requirement(
        "structure",
        r"structure|splits|estructura|particiones",
        "## Dataset Structure / ## Estructura",
        "views, fields, documents and entities per split",
    ),
    Requirement(
        "creation",
        r"creation|curation|creaci[oó]n|curaci[oó]n",
        "## Dataset Creation / ## Creación",
        "how the data was collected, processed and curated",
    ),
    Requirement(
        "source",
        r"source data|provenance|datos de origen|procedencia|origen de los datos",
        "### Source Data / ### Datos de origen",
        "where the texts come from and who wrote them",
    ),
    Requirement(
        "annotation",
        r"annotation|anotaci[oó]n",
        "#### Annotation process / #### Proceso de anotación",
        "who annotated, with which guidelines, and the agreement (agreement.json)",
    ),
    Requirement(
        "personal",
        r"personal|sensitive|privacy|privacidad|sensible",
        "#### Personal and Sensitive Information / #### Información personal y sensible",
        "the personal-data scan (privacy.json): counts per kind and what was done",
    ),
    Requirement(
        "bias",
        r"bias|sesgo",
        "## Bias, Risks, and Limitations / ## Sesgos, riesgos y limitaciones",
        "label balance, sex/age mentions, variety, per-group scores (bias.json)",
    ),
    Requirement(
        "limitations",
        r"limitation|limitaci|risk|riesgo",
        "### Limitations / ### Limitaciones",
        "limits measured for this dataset (size, imbalance, agreement)",
    ),
    Requirement(
        "uses",
        r"\buses?\b|intended|\busos?\b|uso previsto",
        "## Uses / ## Usos",
        "intended and out-of-scope uses",
    ),
    Requirement("license", r"licen[cs]", "## License / ## Licencia", "the licence of the data"),
    Requirement(
        "citation", r"citation|\bcita", "## Citation / ## Cita", "how to cite the data and its source"
    ),
)
MODEL = (
    Requirement(
        "description",
        r"model (card|description|details)|^descripci|detalles del modelo",
        "## Model Details / ## Detalles del modelo",
        "what the model does, base model, labels, licence",
    ),
    Requirement(
        "uses",
        r"\buses?\b|intended|\busos?\b|uso previsto",
        "## Uses / ## Usos",
        "intended and out-of-scope uses",
    ),
    Requirement(
        "training",
        r"training|entrenamiento",
        "## Training Details / ## Detalles del entrenamiento",
        "training data and procedure (training.json)",
    ),
    Requirement(
        "hyperparameters",
        r"hyper-?parameters|hiperpar[aá]metros",
        "#### Training Hyperparameters / #### Hiperparámetros",
        "every hyper-parameter (training.json)",
    ),
    Requirement(
        "evaluation",
        r"evaluation|results|evaluaci[oó]n|resultados",
        "## Evaluation / ## Evaluación",
        "test scores overall and per label (metrics.json)",
    ),
    Requirement(
        "bias",
        r"bias|sesgo",
        "## Bias, Risks, and Limitations / ## Sesgos, riesgos y limitaciones",
        "scores per sex/age group (bias.json) and known failure modes",
    ),
    Requirement(
        "limitations",
        r"limitation|limitaci|risk|riesgo",
        "### Limitations / ### Limitaciones",
        "limits measured for this model",
    ),
    Requirement(
        "environment",
        r"environmental|carbon|co2|emission|impacto ambiental|huella|emisiones",
        "## Environmental Impact / ## Impacto ambiental",
        "energy and CO2eq in grams (emissions.csv), hardware, duration, region",
    ),
)
PLACEHOLDERS = (
    (
        re.compile(r"\[More Information Needed\]|\[Se necesita más información\]", re.IGNORECASE),
        "the Hub template's placeholder",
    ),
    (re.compile(r"\b(?:TODO|TBD|FIXME)\b"), "a to-do marker"),
    (re.compile(r"\bX{2,}\b"), "a placeholder number"),
    (re.compile(r"\blorem\b", re.IGNORECASE), "placeholder text"),
    (re.compile(r"\{\{.*?\}\}|\{%.*?%\}"), "an unrendered template expression"),
    (re.compile(r"\[optional\]", re.IGNORECASE), "a template marker"),
)


def card_kind(metadata: dict[str, Any], path: Path) -> str:
    if any(k in metadata for k in ("model-index", "base_model", "pipeline_tag")):
        return "model"
    if any(k in metadata for k in ("task_categories", "size_categories", "annotations_creators")):
        return "dataset"
    return "model" if path.parent.name.startswith("model") else "dataset"


def check_sections(path: Path, page: Page, kind: str) -> list[Gap]:
    gaps = []
    for requirement in DATASET if kind == "dataset" else MODEL:
        matching = [s for s in page.sections if re.search(requirement.pattern, s.title, re.IGNORECASE)]
        if not matching:
            gaps.append(
                Gap(
                    path,
                    None,
                    f'missing section "{requirement.name}": add "{requirement.heading}" '
                    f"with {requirement.what}",
                )
            )
        elif not any(page.content(s) and any(t.strip() for _, t in page.content(s)) for s in matching):
            section = matching[0]
            gaps.append(
                Gap(path, section.line, f'section "{section.title}" is empty: write {requirement.what}')
            )
    return gaps


def check_placeholders(path: Path, page: Page) -> list[Gap]:
    gaps = []
    for number, line in enumerate(page.lines, 1):
        for pattern, what in PLACEHOLDERS:
            if match := pattern.search(line):
                gaps.append(
                    Gap(
                        path,
                        number,
                        f'"{match.group()}" is {what}: replace it with the fact (or remove the sentence)',
                    )
                )
    return gaps


def detect_language(path: Path) -> str:
    return "es" if re.search(r"[_.-]es\.md$", path.name, re.IGNORECASE) else "en"


def check_card(
    path: Path,
    run: Path | None = None,
    *,
    kind: str | None = None,
    task: str | None = None,
    known: Any = None,
) -> list[Gap]:
    """Every gap of the card at `path` (empty when it passes)."""
    from cards.check_metadata import check_metadata, read_metadata

    page = parse(path.read_text(encoding="utf-8"))
    metadata, gaps = read_metadata(path, page)
    kind = kind or card_kind(metadata, path)
    gaps += check_metadata(path, page, metadata, kind)
    gaps += check_sections(path, page, kind)
    gaps += check_placeholders(path, page)
    if run is not None or known is not None:
        from cards.check_numbers import check_numbers, known_from_run

        known = known or known_from_run(run)
        gaps += check_numbers(path, page, metadata, kind, known, task)
    return gaps
