"""What a card claims that the run folder can refute: a folder of this machine, the base model, people.

    gaps = check_machine_paths(path, page)                          # any card, no run needed
    gaps = check_base_model(path, page, metadata, known, "ner")     # base_model = the weights tuned
    gaps = check_people(path, page, known)                          # no people where answers were simulated

- No absolute path of the machine anywhere in the file (header, prose, code): a card is read on the Hub,
  where `/home/ana/...` names nothing; corpora go by name or URL, models by Hub id or run-folder path.
- `base_model` is the Hub id of the weights actually fine-tuned: training.json `model_used_hub_id`, or
  `model_used` when it is a Hub id; a model built from scratch has none.
- Where annotations.parquet says the answers were made by `annotate simulate`, no sentence says that N
  people (annotators, experts) annotated the data; with people and the simulator, no more people than
  answered.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from cards.check.gap import Gap
from cards.check.known import Known
from cards.check.markdown import Page
from cards.facts.model_folder import base_hub_id

#: the first folders of absolute paths on Linux and macOS, and a Windows drive
ROOTS = "tmp|root|home|usr|var|opt|mnt|srv|work|Users|private|Volumes|etc|scratch|media|nix|gpfs|data"
BEFORE, PATH_REST = r"(?<![\w.:/~-])", r"[^\s`'\")\]]*"  # not inside a URL or a relative path; up to a quote
ABSOLUTE = re.compile(rf"{BEFORE}/(?:{ROOTS})/{PATH_REST}|\b[A-Za-z]:\\{PATH_REST}")
#: a claim that N people annotated, in English and Spanish (N: group "n"); "N simulated annotators" is none
PEOPLE_CLAIMS = (
    re.compile(r"\b(?:annotated|labell?ed|reviewed)\b[^.\n]{0,40}?\bby (?P<n>\d+) (?!simulated)(?=\w)", re.I),
    re.compile(r"\b(?P<n>\d+) (?:people|persons|human annotators|domain experts|crowd annotators)\b", re.I),
    re.compile(
        r"\b(?:anotad[oa]s?|etiquetad[oa]s?|revisad[oa]s?)\b[^.\n]{0,40}?\bpor (?P<n>\d+) "
        r"(?!anotadores simulados)(?=\w)",
        re.I,
    ),
    re.compile(r"\banotaron\b[^.\n]{0,40}?\b(?P<n>\d+) (?!anotadores simulados)(?=\w)", re.I),
    re.compile(r"\b(?P<n>\d+) (?:personas|expertos del dominio|anotadores de colaboración abierta)\b", re.I),
)


def machine_paths() -> re.Pattern[str]:
    """`ABSOLUTE`, and this machine's own folders whatever their root (home, temporary folder, checkout)."""
    found = {str(Path.home()), tempfile.gettempdir(), os.getcwd()}
    prefixes = sorted((p for p in found if len(Path(p).parts) > 1), key=len, reverse=True)
    mine = "|".join(re.escape(p.rstrip(os.sep) + os.sep) for p in prefixes)
    return re.compile(f"{ABSOLUTE.pattern}|{BEFORE}(?:{mine}){PATH_REST}" if mine else ABSOLUTE.pattern)


def check_machine_paths(path: Path, page: Page) -> list[Gap]:
    pattern = machine_paths()
    return [
        Gap(
            path,
            number,
            f"{match.group()!r} is a folder of this machine, which names nothing on the Hub: name a corpus "
            "by its name or URL and a model by its Hub id or its path inside the run folder",
        )
        for number, line in enumerate(page.lines, 1)
        if (match := pattern.search(line))
    ]


def _line_of(page: Page, key: str) -> int | None:
    return next((n for n, line in enumerate(page.lines, 1) if line.startswith(f"{key}:")), None)


def check_base_model(path: Path, page: Page, metadata: dict[str, Any], known: Known, task: str) -> list[Gap]:
    training = known.context.model_facts[task].training
    expected = base_hub_id(training)
    given = metadata.get("base_model")
    given = given if isinstance(given, list) else [given] if given else []
    source = f"models/{task}/training.json"
    if expected is None and given:
        return [
            Gap(
                path,
                _line_of(page, "base_model"),
                f"base_model is {given[0]!r} but {source} says the model was built from scratch "
                f"({training.fallback_kind or 'no Hub id'}): remove base_model",
            )
        ]
    if expected is not None and given and given != [expected]:
        return [
            Gap(
                path,
                _line_of(page, "base_model"),
                f"base_model is {given[0]!r} but {source} says the weights tuned are {expected!r} "
                f"(model_used_hub_id; {training.base_model!r} was asked for): write base_model: {expected}",
            )
        ]
    return []


def check_people(path: Path, page: Page, known: Known) -> list[Gap]:
    annotation = known.context.dataset.annotation
    if annotation is None or annotation.origin not in ("simulated", "mixed"):
        return []
    people = annotation.people
    gaps = []
    for number, line in page.prose:
        for pattern in PEOPLE_CLAIMS:
            for match in pattern.finditer(line):
                if int(match.group("n")) > people:
                    said = "no person" if people == 0 else f"{people} people and `annotate simulate`"
                    gaps.append(
                        Gap(
                            path,
                            number,
                            f'"{match.group().strip()}" claims people, but annotations.parquet says {said} '
                            "gave the answers: say that `annotate simulate` made them",
                        )
                    )
    return gaps
