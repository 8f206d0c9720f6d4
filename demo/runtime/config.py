"""What the demo shows besides the model: `demo.json` in the Space, built from the run folder by `facts.py`.

    config = DemoConfig.load(Path("demo.json"))     # in the Space
    config.model_source(Path("."))                  # "./model" when copied into the Space, else the hub id
    config.instruction                              # the instruction tab's model, or None (no tab)

Standard library only: this module is copied into the Space as `ner_demo/config.py`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: longer inputs are refused with a message in the UI (~5,000 tokens: about 10 windows of a 512-token model)
MAX_CHARS = 20_000
#: the instruction tab: longest instruction + text (a prompt of ~1,000 tokens) and longest answer
INSTRUCTION_MAX_CHARS = 4_000
MAX_NEW_TOKENS = 128


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
class InstructionConfig:
    """The instruction tab: a causal LM (merged weights, or base model + LoRA adapter) and its examples."""

    model: str  # the merged model, else the base model: a folder (relative to demo.json) or a hub id
    adapter: str | None = None  # the LoRA adapter's folder (it holds the tokenizer too); None when merged
    base_model: str | None = None  # what the training asked for (training.json), for the description
    max_new_tokens: int = MAX_NEW_TOKENS
    max_chars: int = INSTRUCTION_MAX_CHARS
    examples: list[list[str]] = field(default_factory=list)  # [instruction, input, task, expected output]
    labels: list[str] = field(default_factory=list)  # entity labels of the extraction answers
    description: str = ""
    facts: Facts = field(default_factory=Facts)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InstructionConfig:
        return cls(**{**data, "facts": Facts(**data.get("facts", {}))})

    def sources(self, base: Path) -> tuple[str, str | None]:
        """(model, adapter) to load: folders relative to `base` when they exist, else hub ids."""
        adapter = _local(self.adapter, base) if self.adapter else None
        return _local(self.model, base), adapter


def _local(name: str, base: Path) -> str:
    local = Path(name) if Path(name).is_absolute() else base / name
    return str(local) if local.is_dir() else name


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
    instruction: InstructionConfig | None = None  # the second tab, when the run has models/instruction

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoConfig:
        instruction = data.get("instruction")
        return cls(
            **{
                **data,
                "facts": Facts(**data.get("facts", {})),
                "instruction": InstructionConfig.from_dict(instruction) if instruction else None,
            }
        )

    @classmethod
    def load(cls, path: Path) -> DemoConfig:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def model_source(self, base: Path) -> str:
        """The folder when it exists (relative to `base`), else the hub id (`model_repo`, then `model`)."""
        local = Path(self.model) if Path(self.model).is_absolute() else base / self.model
        if local.is_dir():
            return str(local)
        return self.model_repo or self.model
