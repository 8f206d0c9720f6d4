"""Hub metadata vocabularies: licence identifiers, size categories, tasks.

    license_id("CC BY 4.0")        # "cc-by-4.0"
    size_category(30)              # "n<1K"
    TASKS["ner"].pipeline_tag      # "token-classification"

The licence identifiers are the Hub's list (hub-docs `repositories-licenses.md`); a licence that is not
in it becomes "other" with `license_name`, a missing one "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HUB_LICENSES = frozenset(
    """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
    bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda
    cc cc0-1.0 cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0
    cc-by-nc-4.0 cc-by-nd-4.0 cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0
    cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0 cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0
    epl-2.0 etalab-2.0 eupl-1.1 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl lgpl-2.1 lgpl-3.0 isc lppl-1.3c
    ms-pl mpl-2.0 odc-by odbl openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr
    deepfloyd-if-license llama2 gemma unknown other""".split()  # noqa: SIM905
)

#: the Hub's `size_categories` values, by upper bound (exclusive)
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
ANNOTATIONS_CREATORS = frozenset(
    {"crowdsourced", "expert-generated", "found", "machine-generated", "no-annotation", "other"}
)


@dataclass(frozen=True)
class Task:
    task_category: str
    task_id: str | None
    pipeline_tag: str


TASKS = {
    "ner": Task("token-classification", "named-entity-recognition", "token-classification"),
    "classification": Task("text-classification", "multi-class-classification", "text-classification"),
    "instruction": Task("text-generation", None, "text-generation"),
}


def task_of(task: str) -> Task:
    return TASKS.get(task, TASKS["ner"])


def _slug(licence: str) -> str:
    text = licence.strip().lower()
    for pattern, short in (
        (r"creative commons", "cc"),
        (r"attribution", "by"),
        (r"non[- ]?commercial", "nc"),
        (r"share[- ]?alike", "sa"),
        (r"no[- ]?derivatives?", "nd"),
    ):
        text = re.sub(pattern, short, text)
    text = re.sub(r"\blicen[cs]e\b|\bversion\b|\binternational\b|\bpublic\b|\bdeed\b|\bv(?=\d)", " ", text)
    return re.sub(r"-+", "-", re.sub(r"[\s_/]+", "-", text.strip())).strip("-")


def license_id(licence: str | None) -> str:
    """The Hub identifier of a licence as people write it ("CC BY-SA 4.0", "Apache 2.0", "Creative Commons
    Attribution 4.0 International (CC BY 4.0)"); "other" when it is not on the Hub's list."""
    if not licence or not licence.strip():
        return "unknown"
    for candidate in (licence, *re.findall(r"\(([^)]*)\)", licence), re.sub(r"\([^)]*\)", "", licence)):
        slug = _slug(candidate)
        for option in (slug, f"cc-{slug}"):
            if option in HUB_LICENSES:
                return option
    return "other"


def size_category(count: int) -> str:
    return next((name for bound, name in SIZE_CATEGORIES if count < bound), "n>1T")


def is_hub_id(name: str | None) -> bool:
    """ "org/name" (a Hub repository id), not a local path."""
    return (
        bool(name)
        and re.fullmatch(r"[\w.-]+/[\w.-]+", name or "") is not None
        and not (name or "").startswith(("/", "."))
    )
