"""A card staged for publishing (`demo publish`) names the repos it is published with.

    hub = HubRepos.named("somosnlp/demo", ["ner", "instruction"])
    gaps = check_published(path, page, metadata, "model", hub, task="ner")

- a model card's `datasets:` is exactly the dataset repo (`ORG/NAME`), and the card names its own repo
  (`ORG/NAME-<task>`: "How to Get Started" loads it from there);
- a Space README's `models:` lists the published model repos and `datasets:` the dataset repo;
- no card links a file by a relative path (`../dataset/README.md`): on the Hub each card is alone in its
  repo, so the links are the repos' URLs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from cards.check.gap import Gap
from cards.check.markdown import Page
from cards.measure.context import HubRepos

RELATIVE_LINK = re.compile(r"\]\((\.\./[^)]*)\)")


def _line_of(page: Page, key: str) -> int | None:
    return next((n for n, line in enumerate(page.lines, 1) if line.startswith(f"{key}:")), None)


def _listed(metadata: dict[str, Any], key: str) -> list[Any]:
    value = metadata.get(key)
    return value if isinstance(value, list) else [] if value is None else [value]


def _field(path: Path, page: Page, metadata: dict[str, Any], key: str, expected: list[str]) -> list[Gap]:
    given = _listed(metadata, key)
    if sorted(map(str, given)) == sorted(expected):
        return []
    return [
        Gap(
            path,
            _line_of(page, key),
            f"{key} is {given} but the run is published as {expected}: write {key}: {expected} "
            "(`python -m demo publish` writes the staged cards with the repo ids)",
        )
    ]


def check_published(
    path: Path, page: Page, metadata: dict[str, Any], kind: str, hub: HubRepos, task: str | None
) -> list[Gap]:
    gaps: list[Gap] = []
    if kind == "space":
        gaps += _field(path, page, metadata, "models", sorted(hub.models.values()))
        gaps += _field(path, page, metadata, "datasets", [hub.dataset])
    if kind == "model":
        gaps += _field(path, page, metadata, "datasets", [hub.dataset])
        own = hub.model(task) if task else None
        if own and own not in "\n".join(page.lines):
            gaps.append(
                Gap(path, None, f"the card never names its repo {own}: load the model from it (snippets)")
            )
    for number, line in enumerate(page.lines, 1):
        gaps += [
            Gap(
                path,
                number,
                f"{link.group(1)} is a relative link, which leads nowhere on the Hub: link the repo's URL",
            )
            for link in RELATIVE_LINK.finditer(line)
        ]
    return gaps
