"""Argilla project templates per task (DESIGN.md, "Project templates"), with Spanish guidelines.

| task           | settings                                                                     |
|----------------|------------------------------------------------------------------------------|
| ner            | TextField `text` + SpanQuestion `entidades` (labels from the corpus)         |
|                | (+ read-only markdown TextField `contexto`: the sentences around the record) |
| classification | TextField `text` + LabelQuestion / MultiLabelQuestion `etiqueta`            |
| instruction    | fields instruction/input/output + TextQuestion `respuesta_corregida`        |
|                | + RatingQuestion `calidad` + Somos NLP catalogue metadata                    |

Every template has the metadata properties `documento`, `split`, `fuente`, `licencia`, `longitud`,
`segmento` and allows extra metadata: the corpus's own annotations travel with each record in
`_gold` (JSON) so the simulator and the export can compare against them, and `_offset`/`_gap` let the
export reassemble documents with their original offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from annotate.errors import TemplateError

if TYPE_CHECKING:
    import argilla as rg

TASKS = ("ner", "classification", "instruction")
SPAN_QUESTION, LABEL_QUESTION = "entidades", "etiqueta"
CONTEXT_FIELD = "contexto"  # the segments around a sentence/paragraph record, never annotated
CORRECTED_QUESTION, RATING_QUESTION = "respuesta_corregida", "calidad"
#: the question whose answers make each task's dataset (used to recognise a template on the server)
MAIN_QUESTION = {"ner": SPAN_QUESTION, "classification": LABEL_QUESTION, "instruction": RATING_QUESTION}
CATALOGUE_COLUMNS = ("idioma", "pais", "dominio", "tarea", "fuente", "licencia")

GUIDELINES_NER = """# Guía de anotación: entidades

Marque en el texto cada mención de las categorías siguientes, seleccionando exactamente las palabras
que la forman (sin artículos ni signos de puntuación alrededor):

{labels}

- Si la misma entidad aparece varias veces, márquela todas las veces.
- Las sugerencias precargadas (de la anotación original o de un modelo) pueden estar mal: corríjalas,
  bórrelas o añada lo que falte antes de enviar.
- Si un registro no contiene ninguna entidad, envíelo sin marcar nada.
- El campo «Contexto», cuando aparece, muestra las frases de alrededor (la del registro, en negrita)
  para resolver abreviaturas, negaciones o a qué fármaco corresponde una dosis: solo se lee; las
  entidades se marcan únicamente en «Texto».
- Use «Descartar» solo si el texto es ilegible o no es un texto clínico.
"""

GUIDELINES_CLASSIFICATION = """# Guía de anotación: clasificación

Lea el texto completo y elija {how} de estas categorías:

{labels}

- Las sugerencias precargadas pueden estar mal: compruébelas antes de enviar.
- Use «Descartar» solo si el texto es ilegible o no corresponde al dominio.
"""

GUIDELINES_INSTRUCTION = """# Guía de revisión: instrucciones

Cada registro tiene una instrucción, una entrada opcional y una respuesta generada.

- Si la respuesta es correcta y completa, déjela tal cual; si no, escriba la respuesta corregida.
- Puntúe la calidad del par instrucción-respuesta de 1 (inservible) a 5 (perfecta).
- Use «Descartar» si la instrucción no tiene sentido, contiene datos personales o no es del dominio.
"""


def _metadata() -> list[rg.TermsMetadataProperty | rg.IntegerMetadataProperty]:
    import argilla as rg

    return [
        rg.TermsMetadataProperty(name="documento", title="Documento"),
        rg.TermsMetadataProperty(name="split", title="Partición"),
        rg.TermsMetadataProperty(name="fuente", title="Fuente"),
        rg.TermsMetadataProperty(name="licencia", title="Licencia"),
        rg.IntegerMetadataProperty(name="longitud", title="Longitud (caracteres)"),
        rg.IntegerMetadataProperty(name="segmento", title="Segmento del documento"),
    ]


def _label_list(labels: Sequence[str]) -> str:
    return "\n".join(f"- **{label}**" for label in labels)


def build_settings(
    task: str,
    labels: Sequence[str] = (),
    *,
    overlapping: bool = False,
    multi_label: bool = False,
    min_submitted: int = 1,
    context: bool = False,
) -> rg.Settings:
    """The `rg.Settings` of a task's project; `context` adds the `contexto` field (ner, classification)."""
    import argilla as rg

    distribution = rg.TaskDistribution(min_submitted=min_submitted)
    text_fields = [rg.TextField(name="text", title="Texto")]
    if context:
        text_fields.append(
            rg.TextField(
                name=CONTEXT_FIELD,
                title="Contexto en el documento (solo lectura; anote en «Texto»)",
                required=False,
                use_markdown=True,
            )
        )
    if task == "ner":
        if not labels:
            raise TemplateError("an NER project needs at least one entity label; the corpus has none")
        return rg.Settings(
            guidelines=GUIDELINES_NER.format(labels=_label_list(labels)),
            fields=text_fields,
            questions=[
                rg.SpanQuestion(
                    name=SPAN_QUESTION,
                    field="text",
                    labels=list(labels),
                    title="Entidades",
                    allow_overlapping=overlapping,
                    required=True,
                )
            ],
            metadata=_metadata(),
            allow_extra_metadata=True,
            distribution=distribution,
        )
    if task == "classification":
        if len(labels) < 2:
            raise TemplateError(
                f"a classification project needs at least two labels; the corpus has {list(labels)}"
            )
        question = rg.MultiLabelQuestion if multi_label else rg.LabelQuestion
        return rg.Settings(
            guidelines=GUIDELINES_CLASSIFICATION.format(
                how="todas las que correspondan" if multi_label else "una", labels=_label_list(labels)
            ),
            fields=text_fields,
            questions=[question(name=LABEL_QUESTION, labels=list(labels), title="Categoría")],
            metadata=_metadata(),
            allow_extra_metadata=True,
            distribution=distribution,
        )
    if task == "instruction":
        catalogue = [rg.TermsMetadataProperty(name=c, title=c.capitalize()) for c in CATALOGUE_COLUMNS[:4]]
        return rg.Settings(
            guidelines=GUIDELINES_INSTRUCTION,
            fields=[
                rg.TextField(name="instruction", title="Instrucción"),
                rg.TextField(name="input", title="Entrada", required=False),
                rg.TextField(name="output", title="Respuesta"),
            ],
            questions=[
                rg.TextQuestion(name=CORRECTED_QUESTION, title="Respuesta corregida", required=False),
                rg.RatingQuestion(name=RATING_QUESTION, values=[1, 2, 3, 4, 5], title="Calidad"),
            ],
            metadata=[*_metadata(), *catalogue],
            allow_extra_metadata=True,
            distribution=distribution,
        )
    raise TemplateError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")


def task_of(dataset: rg.Dataset) -> str | None:
    """Which template a dataset on the server was made from (None: not one of ours)."""
    names = {q.name for q in dataset.settings.questions}
    for task, question in MAIN_QUESTION.items():
        if question in names:
            return task
    return None


def has_context(dataset: rg.Dataset) -> bool:
    """Whether a dataset on the server has the `contexto` field (datasets made before it do not)."""
    return any(f.name == CONTEXT_FIELD for f in dataset.settings.fields)


def check_compatible(dataset: rg.Dataset, task: str, labels: Sequence[str]) -> None:
    """Loading into an existing dataset: same task, and every label already configured."""
    found = task_of(dataset)
    if found != task:
        raise TemplateError(
            f"dataset {dataset.name!r} in workspace {dataset.workspace.name!r} "
            f"is a {found or 'foreign'} project, "
            f"not {task}; choose another --dataset name or delete it first"
        )
    if task in ("ner", "classification"):
        question = dataset.settings.questions[MAIN_QUESTION[task]]
        configured = {label for label in question.labels}
        missing = sorted(set(labels) - configured)
        if missing:
            raise TemplateError(
                f"dataset {dataset.name!r} has labels {sorted(configured)} "
                f"but the corpus also has {missing}; "
                "Argilla cannot add labels to a published question: load into a new --dataset"
            )
