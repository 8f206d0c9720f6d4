"""The instruction tab's model: an instruction and a text in, the LLM's answer out, with the entities of an
extraction answer found back in the text.

    instructor = Instructor.from_config(config.instruction, Path("."))    # loads on first use (or warm())
    answer = instructor("Extraiga los fármacos ...", "Se pautó metformina.")
    mentions = locate("Se pautó metformina.", [("FARMACO", "metformina")])  # [Mention('FARMACO', 9, 19, ...)]

The prompt is the training notebook's (`prompt_text`: the tokenizer's chat template, else the plain Spanish
prompt), the decoding its test decoding (`generate`: greedy, stops at the end-of-sequence token, at most
`max_new_tokens`), and extraction answers are read with the remix's `parse_entities`: all three come from
`portable/`, which the Space carries whole. The model is merged weights, or a base model with the LoRA
adapter applied by peft (and merged once loaded, for speed).

Standard library + transformers/torch (+ peft for an adapter), `portable.*` and `.config`: copied into the
Space as `ner_demo/instruct.py`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portable.answers import EXTRACTION_TASKS, parse_answer, parse_entities
from portable.errors import AnswerFormatError
from portable.generate import generate
from portable.prompts import prompt_ids, prompt_text

from .config import InstructionConfig

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    Loaded = tuple[PreTrainedTokenizerBase, PreTrainedModel]  # (tokenizer, causal LM)

AUTO = "automática"  # the task of a free instruction: an extraction if the answer reads as one


@dataclass(frozen=True)
class Mention:
    """An entity of an extraction answer, at its place in the text (start/end None when it is not there)."""

    label: str
    text: str
    start: int | None = None
    end: int | None = None


def locate(text: str, pairs: list[tuple[str, str]]) -> list[Mention]:
    """Each (label, text) of an answer at its next occurrence in `text` (answers list mentions in text
    order, a repeated mention again), whitespace-insensitive; else its first occurrence; else unplaced."""
    mentions, position = [], 0
    for label, mention in pairs:
        pattern = re.compile(r"\s+".join(re.escape(word) for word in mention.split()))
        found = (pattern.search(text, position) or pattern.search(text)) if mention.split() else None
        if found is None:
            mentions.append(Mention(label, mention))
            continue
        mentions.append(Mention(label, found[0], found.start(), found.end()))
        position = max(position, found.end())
    return mentions


def instruction_problem(instruction: str, text: str, max_chars: int) -> str | None:
    """What is wrong with the question (no instruction, too long), in words for the user; None when fine."""
    if not instruction.strip():
        return "Escribe una instrucción (el campo está vacío)."
    if len(instruction) + len(text) > max_chars:
        size, limit = (f"{n:_}".replace("_", ".") for n in (len(instruction) + len(text), max_chars))
        return f"La instrucción y el texto tienen {size} caracteres y el máximo es {limit}: acórtalos."
    return None


def read_extraction(answer: str, task: str, labels: list[str]) -> list[tuple[str, str]] | None:
    """The (label, text) pairs of an extraction answer; None when the answer is not an extraction.

    A known extraction task is read leniently (unreadable lines skipped). With `AUTO` the answer counts as an
    extraction only when every line reads as one (or it is "ninguna") and, when `labels` are known, every
    label is one of them: an answer to another kind of instruction is left alone."""
    if task in EXTRACTION_TASKS:
        return parse_entities(answer)
    if task != AUTO:
        return None
    try:
        pairs = parse_entities(answer, strict=True)
    except AnswerFormatError:
        return None
    if not answer.strip() or (labels and any(label not in labels for label, _ in pairs)):
        return None
    return pairs


def describe_answer(answer: str, task: str, mentions: list[Mention] | None) -> str:
    """The status line under the answer."""
    if not answer:
        return "El modelo no ha generado ninguna respuesta."
    if mentions is not None:
        if not mentions:
            try:
                parse_entities(answer, strict=True)
            except AnswerFormatError:
                return "Extracción: ninguna línea de la respuesta se lee como «ETIQUETA: texto»."
            return "Extracción: ninguna entidad."
        missing = sum(m.start is None for m in mentions)
        noun = "entidad" if len(mentions) == 1 else "entidades"
        text = f"Extracción: {len(mentions)} {noun}"
        return text + (f" ({missing} no aparece(n) en el texto)." if missing else ".")
    if task not in (AUTO, *EXTRACTION_TASKS):
        value = parse_answer(task, answer)
        if value is not None:
            shown = {True: "sí", False: "no"}.get(value, value) if isinstance(value, bool) else value
            return f"Respuesta leída ({task}): {', '.join(shown) if isinstance(shown, list) else shown}."
        return f"La respuesta no sigue el formato de la tarea {task}."
    return "Respuesta libre (no es una extracción de entidades)."


class Instructor:
    """A causal LM that answers one instruction at a time; `load` runs once, on first use or `warm()`."""

    def __init__(self, load: Callable[[], Loaded], max_new_tokens: int) -> None:
        self._load, self.max_new_tokens = load, max_new_tokens
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()  # one load, one generation at a time (generate switches padding sides)

    @classmethod
    def from_config(cls, config: InstructionConfig, base: Path) -> Instructor:
        model, adapter = config.sources(base)
        return cls(lambda: load_model(model, adapter), config.max_new_tokens)

    @classmethod
    def from_model(
        cls, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel, max_new_tokens: int
    ) -> Instructor:
        return cls(lambda: (tokenizer, model), max_new_tokens)

    def loaded(self) -> Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def warm(self) -> threading.Thread:
        """Load in the background, so that the first question does not wait for it."""
        thread = threading.Thread(target=self.loaded, name="load-instruction-model", daemon=True)
        thread.start()
        return thread

    def prompt(self, instruction: str, text: str) -> list[int]:
        tokenizer, _ = self.loaded()
        return prompt_ids(tokenizer, prompt_text(tokenizer, instruction, text))

    def room(self) -> int:
        """How many prompt tokens fit with `max_new_tokens` after them."""
        tokenizer, model = self.loaded()
        positions = getattr(model.config, "max_position_embeddings", None) or 2048
        length = tokenizer.model_max_length if 0 < tokenizer.model_max_length < 1_000_000 else positions
        return min(length, positions) - self.max_new_tokens

    def __call__(self, instruction: str, text: str) -> str:
        tokenizer, model = self.loaded()
        ids = self.prompt(instruction, text)
        with self._lock:
            return generate(model, tokenizer, [ids], max_new_tokens=self.max_new_tokens, batch_size=1)[0]


def load_model(model: str, adapter: str | None = None) -> Loaded:
    """(tokenizer, model): merged weights, or `model` + the LoRA `adapter` (its folder has the tokenizer)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(adapter or model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    llm = AutoModelForCausalLM.from_pretrained(model)
    if adapter:
        from peft import PeftModel

        llm = PeftModel.from_pretrained(llm, adapter).merge_and_unload()
    return tokenizer, llm.eval()
