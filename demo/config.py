"""What the demo shows besides the model: `demo.json` in the Space, built from the run folder by `facts.py`.

    config = DemoConfig.load(Path("demo.json"))     # in the Space
    config.model_source(Path("."))                  # "./model" when copied into the Space, else the hub id

Standard library only: this module is copied into the Space as `ner_demo/config.py`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: longer inputs are refused with a message in the UI (~5,000 tokens: about 10 windows of a 512-token model)
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Facts:
    """The model card's key facts; None when the run folder does not have them."""

    test_f1: float | None = None
    test_precision: float | None = None
    test_recall: float | None = None
    test_support: int | None = None
    per_label_f1: dict[str, float] = field(default_factory=dict)
    scheme: str | None = None
    emissions_g: float | None = None  # grams of CO2eq (codecarbon writes kg)
    energy_kwh: float | None = None
    training_s: float | None = None


@dataclass(frozen=True)
class DemoConfig:
    title: str
    model: str  # a folder (relative to demo.json when it is in the Space) or a hub model id
    model_repo: str | None = None  # hub ids, for the links
    dataset_repo: str | None = None
    description: str = ""
    examples: list[str] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    max_chars: int = MAX_CHARS
    concurrency: int = 1  # predictions run at once; the queue holds the others

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoConfig:
        return cls(**{**data, "facts": Facts(**data.get("facts", {}))})

    @classmethod
    def load(cls, path: Path) -> DemoConfig:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def model_source(self, base: Path) -> str:
        """The folder when it exists (relative to `base`), else the hub id (`model_repo`, then `model`)."""
        local = Path(self.model) if Path(self.model).is_absolute() else base / self.model
        if local.is_dir():
            return str(local)
        return self.model_repo or self.model
