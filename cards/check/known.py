"""What the checker knows: every number of a run's facts, with where it comes from.

    known = known_from_run(Path("runs/demo"))   # facts, bias.json, privacy.json, metrics, training, ...
    known.matches(number)                         # some value of the run prints as this number
    known.nearest(number)                         # the closest one, for the message

`known_values(context)` is the same for a `CardContext` measured by `cards build` (its self-check).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from cards.measure.context import CardContext, measure_run
from cards.measure.notation import Number, find_numbers
from runfolder import RunFolder


@dataclass(frozen=True)
class KnownValue:
    value: float
    name: str
    source: str


@dataclass(frozen=True)
class Known:
    """The run's values, sorted for lookup, and the context the targeted checks read."""

    values: tuple[KnownValue, ...]
    context: CardContext
    _keys: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keys", [v.value for v in self.values])

    def matches(self, number: Number) -> bool:
        target = number.value / 100 if number.percent else number.value
        scale = 100 if number.percent else 1
        tolerance = (0.5 * 10 ** (-number.decimals) + 1e-9 * max(1.0, abs(number.value))) / scale
        i = bisect.bisect_left(self._keys, target - tolerance)
        return i < len(self._keys) and self._keys[i] <= target + tolerance

    def nearest(self, number: Number) -> KnownValue | None:
        target = number.value / 100 if number.percent else number.value
        return min(self.values, key=lambda v: abs(v.value - target), default=None)


def numbers_of(data: object, path: str = "") -> list[tuple[str, float]]:
    """Every number in a JSON-like structure (in strings too, and the length of every list and mapping),
    with its path: what the checker knows."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if isinstance(data, bool) or data is None:
        return []
    if isinstance(data, int | float):
        return [(path, float(data))]
    if isinstance(data, str):
        return [(path, option.value) for options in find_numbers(data) for option in options]
    if not isinstance(data, Iterable):
        return []
    items = list(data.items()) if isinstance(data, Mapping) else list(enumerate(data))
    out = [(f"{path}.length" if path else "length", float(len(items)))]
    for key, value in items:
        out.extend(numbers_of(value, f"{path}.{key}" if path else str(key)))
    return out


def _sources(context: CardContext) -> list[tuple[str, object]]:
    run = context.run
    sources: list[tuple[str, object]] = [
        ("dataset/ and run.json", context.dataset),
        ("bias.json", context.bias),
        ("privacy.json", context.privacy),
        ("the measured limitations", [f.model_dump() for f in context.dataset_findings]),
    ]
    for task, model in context.model_facts.items():
        folder = f"models/{task}"
        sources += [
            (f"{folder}/metrics.json", model.metrics),
            (f"{folder}/training.json", model.training),
            (f"{folder}/emissions.csv", model.emissions),
            (folder, {"test_documents": model.test_documents, "training_minutes": model.training_minutes}),
            ("the measured limitations", [f.model_dump() for f in context.model_findings[task]]),
        ]
        if model.instruction is not None:
            sources.append((f"dataset/instruction and {folder}", model.instruction))
    for name, path in (("agreement.json", run.agreement), ("run.json", run.run_json)):
        if path.exists():
            sources.append((name, run.read_json(path)))
    return sources


def known_values(context: CardContext) -> Known:
    values = [
        KnownValue(value, name, source)
        for source, data in _sources(context)
        for name, value in numbers_of(data)
    ]
    return Known(tuple(sorted(values, key=lambda v: v.value)), context)


def known_from_run(path: Path | RunFolder | None) -> Known:
    """The known values of the run at `path`; bias.json and privacy.json are read, not re-measured."""
    run = path if isinstance(path, RunFolder) else RunFolder(Path(path or "."))
    bias = run.read_json(run.require(run.bias))
    privacy = run.read_json(run.require(run.privacy))
    return known_values(measure_run(run, bias=bias, privacy=privacy))
