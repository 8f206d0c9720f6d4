"""Rendering a card: the language's Jinja template, strict about missing facts, into a Hub card object.

    content = render("dataset", "es", card_data=data, d=dataset, ...)   # templates/dataset.es.md.j2
    card = DatasetCard(content)                                         # parses the YAML header

huggingface_hub's `RepoCard.from_template` renders with a bare `jinja2.Template`, where a missing fact
silently becomes an empty string; here the environment uses `StrictUndefined`, so a template that names
a fact the run does not have fails loudly instead of printing a card with a hole in it. The YAML header
is `card_data.to_yaml()`, exactly what `from_template` puts there.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from cards.measure.groups import GROUP_NAMES
from cards.measure.notation import Numbers
from cards.write.phrases import phrases

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "es")
README = {"en": "README.md", "es": "README_ES.md"}
# Model cards written in fewer languages than LANGUAGES, by task; none today: every model card (ner,
# instruction) has a template per language, README.md + README_ES.md.
MODEL_LANGUAGES: dict[str, tuple[str, ...]] = {}
# words both cards use: the corpus's languages and the task, by card language
LANGUAGE_NAMES = {
    "en": {
        "es": "Spanish",
        "en": "English",
        "ca": "Catalan",
        "eu": "Basque",
        "gl": "Galician",
        "pt": "Portuguese",
    },
    "es": {
        "es": "español",
        "en": "inglés",
        "ca": "catalán",
        "eu": "euskera",
        "gl": "gallego",
        "pt": "portugués",
    },
}
TASK_NAMES = {
    "en": {
        "ner": "named entity recognition",
        "classification": "text classification",
        "instruction": "instruction following",
    },
    "es": {
        "ner": "reconocimiento de entidades nombradas",
        "classification": "clasificación de textos",
        "instruction": "seguimiento de instrucciones",
    },
}


def model_languages(task: str) -> tuple[str, ...]:
    return MODEL_LANGUAGES.get(task, LANGUAGES)


def model_readme(task: str, lang: str) -> str:
    """The file name of the model card of `task` in `lang`, or in English when there is none in `lang`."""
    return README[lang if lang in model_languages(task) else "en"]


@cache
def environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(kind: str, lang: str, **context: Any) -> str:
    """`templates/<kind>.<lang>.md.j2` with `n` (number formats), `names` (group names) and `phrase` (the
    words for a code, `cards.write.phrases`) added."""
    template = environment().get_template(f"{kind}.{lang}.md.j2")
    text = template.render(
        n=Numbers(lang), names=GROUP_NAMES[lang], phrase=phrases(lang), lang=lang, **context
    )
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text
