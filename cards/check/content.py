"""What a card must hold: the required sections (headings in English or Spanish), none of them empty,
and no placeholder left ("[More Information Needed]", TODO, XX, Lorem, unrendered {{ }}).

    gaps = check_sections(path, page, "dataset") + check_placeholders(path, page)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cards.check.gap import Gap
from cards.check.markdown import Page


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
