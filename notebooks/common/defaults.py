"""Training parameters that fit the model actually trained.

The notebooks' parameter cells leave the model-dependent parameters at `None` ("not set"). When the asked
model is used, `None` takes the notebook's default (chosen for that model, e.g. bloom-560m on a GPU); when
the notebook falls back to a packaged model, it takes that model's own tested value, read from a JSON file
written by a measured sweep (`fallback_defaults.json` beside the notebook's modules). A value the user set
always wins. `training.json` records where each value came from.

    values, sources = resolve({"learning_rate": None, "epochs": 3}, NOTEBOOK, fallback_values(path))
    values    # {"learning_rate": 1e-3, "epochs": 3}
    sources   # {"learning_rate": "fallback", "epochs": "user"}

A fallback defaults file:
    {"model": "HuggingFaceTB/SmolLM2-135M-Instruct", "values": {"learning_rate": 1e-3, ...},
     "measured_by": "bench/instruct.py --corpus ../shared/data/pharmaconer --sweep", "sweep": [...]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from notebooks.errors import ParameterError

USER, FALLBACK, DEFAULT = "user", "fallback", "default"


def fallback_values(path: Path) -> dict[str, Any]:
    """The `values` of a fallback defaults file (raises `ParameterError` naming the file when broken)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        values = data["values"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ParameterError(
            f"{path}: cannot read the fallback's training defaults ({exc}); restore the file from git"
        ) from exc
    if not isinstance(values, dict):
        raise ParameterError(f"{path}: 'values' must be an object of parameter: value")
    return values


def resolve(
    given: Mapping[str, Any], notebook: Mapping[str, Any], fallback: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(values, sources) for every parameter of `notebook`: the user's value when not None, else the
    fallback's (when the notebook fell back and the file has it), else the notebook's default."""
    unknown = sorted(set(given) - set(notebook))
    if unknown:
        raise ParameterError(f"no default for {unknown}: add them to the notebook's defaults")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, default in notebook.items():
        if given.get(name) is not None:
            values[name], sources[name] = given[name], USER
        elif fallback is not None and name in fallback:
            values[name], sources[name] = fallback[name], FALLBACK
        else:
            values[name], sources[name] = default, DEFAULT
    return values, sources


def describe(values: Mapping[str, Any], sources: Mapping[str, str]) -> str:
    """One line per source, e.g. "fallback: learning_rate=0.001, epochs=1 | user: max_steps=30"."""
    groups: dict[str, list[str]] = {}
    for name, value in values.items():
        groups.setdefault(sources[name], []).append(f"{name}={value}")
    return " | ".join(f"{source}: {', '.join(items)}" for source, items in groups.items())
