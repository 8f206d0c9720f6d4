"""Who may curate and what the curators decided: the curation dataset `<name>-curacion` in the workspace
`<workspace>-curacion` (made by `annotate adjudicate`, read by `annotate export`).

    curation = curated_answers(client, dataset, users)
    curation.spans["S0004-1#2"]          # [(start, end, label), ...] a curator submitted for that record
    curation.ignored_line()             # "ignored 2 curation answers from users who may not curate: ..."

A curation answer counts only when its user may curate: owners and admins (Argilla lets them into every
workspace), and the members of the curation workspace (only `adjudicate --curator` or an owner/admin
adds anyone to it). When several curators answered a record, the latest answer wins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotate.argilla import templates
from annotate.argilla.answers import Answer, ResponseTimes, read_answers

if TYPE_CHECKING:
    import argilla as rg

CURATION_SUFFIX = "-curacion"  # of the curation dataset and of its workspace
CURATOR_ROLES = ("owner", "admin")  # Argilla lets them into every workspace: they may always curate


@dataclass(frozen=True)
class Curation:
    """The curators' decisions, by the original record id, and the curation answers that do not count."""

    spans: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    curators: tuple[str, ...] = ()  # who decided at least one record
    ignored: dict[str, int] = field(default_factory=dict)  # username -> submitted answers not counted

    def ignored_line(self) -> str | None:
        if not self.ignored:
            return None
        who = ", ".join(f"{name} ({n})" for name, n in sorted(self.ignored.items()))
        return (
            f"ignored {sum(self.ignored.values())} curation answers from users who may not curate: {who} "
            f"(name curators with `python -m annotate adjudicate --curator USER`)"
        )


def curation_dataset_name(dataset: rg.Dataset) -> str:
    return dataset.name + CURATION_SUFFIX


def curation_workspace_name(dataset: rg.Dataset) -> str:
    return dataset.workspace.name + CURATION_SUFFIX


def may_curate(client: rg.Argilla, curation_workspace: rg.Workspace) -> set[str]:
    """User ids whose curation answers count: owners and admins, and the members of the curation workspace
    (only `adjudicate --curator` or an owner/admin adds anyone to it)."""
    allowed = {str(u.id) for u in client.users if u.role in CURATOR_ROLES}
    return allowed | {str(u.id) for u in curation_workspace.users}


def curated_answers(client: rg.Argilla, dataset: rg.Dataset, users: dict[str, str]) -> Curation:
    """Submitted curator answers of `<name>-curacion` in `<workspace>-curacion`; when several curators
    answered a record the latest answer wins. A curation dataset left in the annotators' own workspace
    (made before curation moved apart) is read only to report its answers as ignored."""
    ignored: Counter[str] = Counter()
    legacy = client.datasets(name=curation_dataset_name(dataset), workspace=dataset.workspace)
    if legacy is not None:
        ignored.update(a.annotator for a in _curation_submissions(client, legacy, users)[0])
    workspace = client.workspaces(curation_workspace_name(dataset))
    curation = (
        client.datasets(name=curation_dataset_name(dataset), workspace=workspace) if workspace else None
    )
    if curation is None:
        return Curation(ignored=dict(ignored))
    allowed = may_curate(client, workspace)
    answers, times = _curation_submissions(client, curation, users)
    latest: dict[str, Answer] = {}
    for a in sorted(answers, key=lambda a: times.get((a.record_id, a.user_id), ("", ""))[1]):
        if a.user_id in allowed:
            latest[a.record_id] = a
        else:
            ignored[a.annotator] += 1
    return Curation(
        {rid: [(s["start"], s["end"], s["label"]) for s in a.value or []] for rid, a in latest.items()},
        tuple(sorted({a.annotator for a in latest.values()})),
        dict(ignored),
    )


def _curation_submissions(
    client: rg.Argilla, curation: rg.Dataset, users: dict[str, str]
) -> tuple[list[Answer], ResponseTimes]:
    _, answers, times = read_answers(client, curation, users)
    chosen = [a for a in answers if a.question == templates.SPAN_QUESTION and a.status == "submitted"]
    return chosen, times
