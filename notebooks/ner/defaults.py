"""The NER notebook's model-dependent parameters: its own defaults, and the measured ones of a fallback.

    values, sources, used_file = training_parameters({"learning_rate": None, "epochs": 3}, choice)
    values    # {"learning_rate": 2e-4, "epochs": 3, ...}     (packaged fallback, epochs set by the user)
    sources   # {"learning_rate": "fallback", "epochs": "user", ...}
    used_file # "notebooks/ner/fallback_defaults.json"      (None when no fallback file was read)

The asked model (`PlanTL-GOB-ES/bsc-bio-ehr-es` by default, on a GPU) takes `NOTEBOOK_DEFAULTS`; the
`packaged` fallback (all-MiniLM-L6-v2) takes the values that `bench/train.py --sweep` measured and wrote
into `FALLBACK_DEFAULTS_FILES["packaged"]`. A fallback kind without a file (the `scratch` BERT: not swept
yet) takes the notebook's defaults. A value the user set always wins (`notebooks.common.defaults`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from notebooks.common import defaults
from notebooks.common.fallback import ModelChoice

ROOT = Path(__file__).resolve().parents[2]
# chosen for the asked model, a 125 M-parameter RoBERTa (bsc-bio-ehr-es) fine-tuned on a GPU
NOTEBOOK_DEFAULTS: dict[str, Any] = {
    "epochs": 5,
    "learning_rate": 5e-5,
    "batch_size": 16,
    "max_length": 512,
    "warmup_ratio": 0.1,
}
# each fallback kind's measured values, by repository-relative path (training.json names the file)
FALLBACK_DEFAULTS_FILES = {"packaged": "notebooks/ner/fallback_defaults.json"}


def fallback_defaults_file(choice: ModelChoice) -> str | None:
    """The repository-relative file of the fallback's measured values (None: not a fallback, or a kind
    that has none)."""
    return FALLBACK_DEFAULTS_FILES.get(choice.kind) if choice.fallback else None


def training_parameters(
    given: Mapping[str, Any], choice: ModelChoice
) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """(values, sources, the fallback file read or None) of the parameters in `NOTEBOOK_DEFAULTS`;
    `given` holds the notebook's parameters, None where the user did not set one."""
    file = fallback_defaults_file(choice)
    fallback = defaults.fallback_values(ROOT / file) if file else None
    values, sources = defaults.resolve(given, NOTEBOOK_DEFAULTS, fallback)
    return values, sources, file
