"""Batched NER inference with transformers, windowed, for `annotate suggest` (no pipeline, no Argilla).

    model = NerModel.load(Path("runs/x/models/ner"))      # a token-classification folder or hub id
    predictions = model.predict(["Se pauta metformina.", ...], batch_size=32)
    predictions[0].spans        # [(start, end, label, score)], character offsets into the text
    predictions[0].uncertainty  # 1 - the probability of the best tag of the least sure word

Each text is cut into windows of at most the model's length (`stride` sub-tokens shared by two
windows), and every window of every text in a call is one row of the batches, sorted by length so
that padding stays small. A sub-token's probabilities come from the window where it has the most
context on both sides. As the training notebook labels the first sub-token of each word, a word's tag
is its first sub-token's best tag; entities are runs of B-X I-X... words (an I-X after another type
starts an entity too), their span from the first word's start to the last word's end, their score the
mean probability of their words' tags.

Precision: `int8` (what `annotate suggest` uses on the CPU) quantises the encoder's products by a weight
dynamically (weights int8 once, with a scale per output channel; activations quantised per batch); the
classification head stays float32. It runs in ONNX Runtime (`onnx_int8`: the model exported once and
cached), or where that cannot be, in PyTorch (`quantize_dynamic` on the encoder's linear layers);
`runtime` says which. Measured by `bench/active.py` on PharmaCoNER (MiniLM, 800 sentences, 2 cores of
a Xeon with AVX-512 VNNI): ONNX Runtime int8 442 records/s and test F1 0.389, PyTorch int8 313 and
0.370, float32 192 and 0.383, one pipeline call per record 80 (on 2 AVX2-only cores: 180, 136, 105
and 50 records/s); one scale per tensor instead of per channel cost three times as much F1. Where the
CPU has no quantised engine at all it stays float32 (`precision` says so).

Uncertainty of a text (least confidence over words): 1 - min over words of max over tags of p(tag),
so 0 when the model is sure of every word (entity or not) and up to 1 - 1/tags when it hesitates
between all tags on some word; a text without words has 0. It counts doubtful "O" words too (an
entity the model may be missing), and does not grow with the number of entities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.errors import ModelNotFoundError, SuggestionError

Span = tuple[int, int, str, float]
_Best = tuple[list[float], list[int]]  # per position of a window: its best tag's probability, and that tag
STRIDE = 32  # sub-tokens shared by consecutive windows of a long text
# positions per forward pass: on 2 CPU cores MiniLM's int8 forward pass ran about 20 % faster in batches
# of ~1,000 positions than in 32 windows of any length (long windows make large, cache-unfriendly
# activations), and no slower than in 8 windows
MAX_TOKENS = 1024
PRECISIONS = ("int8", "float32")


@dataclass(frozen=True)
class Prediction:
    spans: list[Span]
    uncertainty: float


@dataclass(frozen=True)
class _Window:
    text: int  # index of the text in the call
    input_ids: list[int]
    offsets: list[tuple[int, int]]  # per position; (0, 0) for special tokens
    words: list[int | None]  # word index per position (None: special token)


class NerModel:
    """A token-classification model and its fast tokenizer, on the CPU (or the first GPU)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        name: str,
        precision: str = "float32",
        session: Any = None,
        runtime_note: str = "",
    ) -> None:
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self.precision = precision  # what the model really runs in: float32 | int8
        self.session = session  # an onnx_int8.Int8Session that runs the model instead of PyTorch
        self.runtime = "onnxruntime" if session is not None else "torch"
        self.runtime_note = runtime_note  # why int8 runs in PyTorch rather than ONNX Runtime, if it does
        self.id2label = {int(i): str(t) for i, t in model.config.id2label.items()}
        limits = [tokenizer.model_max_length, getattr(model.config, "max_position_embeddings", 512)]
        # RoBERTa-like models reserve 2 positions (padding_idx + 1)
        roberta_like = getattr(model.config, "model_type", "") in ("roberta", "xlm-roberta", "camembert")
        offset = 2 if roberta_like else 0
        self.max_length = min(int(limits[0]), int(limits[1]) - offset, 512)

    @classmethod
    def load(cls, path: Path | str, precision: str = "float32") -> NerModel:
        if precision not in PRECISIONS:
            raise SuggestionError(f"precision {precision!r}: use {' or '.join(PRECISIONS)}")
        local = Path(path)
        if not local.exists() and (local.is_absolute() or str(path).startswith((".", "runs"))):
            raise ModelNotFoundError(
                f"{path}: no model there; train one (make train RUN=...) or pass --model PATH_OR_HUB_ID"
            )
        if local.is_dir() and not (local / "config.json").exists():
            raise ModelNotFoundError(
                f"{path}: no config.json, not a trained model folder; train one (make train RUN=...) first"
            )
        try:
            from transformers import AutoModelForTokenClassification, AutoTokenizer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # the command's own progress bar is enough
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            model = AutoModelForTokenClassification.from_pretrained(str(path))
        except (OSError, ValueError) as exc:
            detail = " ".join(str(exc).split())[:200]
            raise ModelNotFoundError(
                f"cannot load the NER model {str(path)!r} ({detail}); give a trained model folder or hub id"
            ) from None
        if not tokenizer.is_fast:
            raise SuggestionError(f"{path}: the tokenizer has no fast version (needed for character offsets)")
        model.eval()
        loaded = cls(model, tokenizer, str(path))
        return loaded.quantized() if precision == "int8" else loaded

    def quantized(self, runtime: str = "onnxruntime") -> NerModel:
        """This model in int8 on the CPU: through ONNX Runtime (`onnx_int8`), or where that cannot be
        (not installed, an architecture that does not export) or with `runtime="torch"`, with PyTorch's
        dynamic quantisation of the encoder's linear layers. Itself unchanged when it already is int8,
        or when neither is possible (PyTorch without a quantised engine for this CPU)."""
        import torch

        from annotate.argilla.onnx_int8 import Int8Session, Unavailable

        if self.precision == "int8":
            return self
        head = {name for name, _ in self.model.named_children() if name != self.model.base_model_prefix}
        note = ""
        if runtime == "onnxruntime":
            try:
                return NerModel(
                    self.model, self.tokenizer, self.name, "int8", Int8Session.build(self.model, head)
                )
            except Unavailable as why:
                note = str(why)
        if torch.backends.quantized.engine == "none":
            return self
        return NerModel(_torch_int8(self.model, head), self.tokenizer, self.name, "int8", runtime_note=note)

    @property
    def labels(self) -> list[str]:
        """Entity types the model predicts (tags without their B-/I- prefix), in tag order."""
        seen: dict[str, None] = {}
        for tag in self.id2label.values():
            if tag != "O":
                seen[tag.split("-", 1)[-1]] = None
        return list(seen)

    def predict(
        self, texts: list[str], batch_size: int = 32, max_tokens: int = MAX_TOKENS
    ) -> list[Prediction]:
        """Spans and uncertainty per text; a forward pass takes at most `batch_size` windows and at most
        `max_tokens` positions (padding included), so that long windows go in smaller batches."""
        windows = self._windows(texts)
        best: list[_Best | None] = [None] * len(windows)
        for part in _batches(windows, batch_size, max_tokens):
            ids, mask = _padded([windows[i].input_ids for i in part], self.tokenizer.pad_token_id or 0)
            # only each position's best tag and its probability are used: taken for the whole batch at
            # once, as Python numbers, so decoding never touches a tensor per word
            score_rows, tag_rows = self._best_tags(ids, mask)
            for row, i in enumerate(part):
                n = len(windows[i].input_ids)
                best[i] = (score_rows[row][:n], tag_rows[row][:n])
        by_text: list[list[tuple[_Window, _Best]]] = [[] for _ in texts]
        for window, b in zip(windows, best, strict=True):
            assert b is not None
            by_text[window.text].append((window, b))
        return [self._decode(parts) for parts in by_text]

    def _best_tags(self, ids: Any, mask: Any) -> tuple[list[list[float]], list[list[int]]]:
        """Per row and position: the best tag's probability and the tag."""
        import torch

        if self.session is not None:
            import numpy as np

            logits = self.session(ids, mask)
            tags = logits.argmax(-1)
            # softmax at the best tag: 1 / sum(exp(logit - best logit))
            best = np.take_along_axis(logits, tags[..., None], -1)
            scores = 1.0 / np.exp(logits - best).sum(-1)
            return scores.tolist(), tags.tolist()
        with torch.inference_mode():
            logits = self.model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
            scores, tags = logits.float().softmax(-1).max(-1)
        return scores.tolist(), tags.tolist()

    def _windows(self, texts: list[str]) -> list[_Window]:
        encoded = self.tokenizer(
            texts,
            truncation=True,
            max_length=self.max_length,
            stride=STRIDE,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
        )
        windows = []
        for row, text_index in enumerate(encoded["overflow_to_sample_mapping"]):
            special = encoded["special_tokens_mask"][row]
            words = encoded.word_ids(row)
            windows.append(
                _Window(
                    int(text_index),
                    list(encoded["input_ids"][row]),
                    [tuple(o) for o in encoded["offset_mapping"][row]],
                    [None if special[k] else words[k] for k in range(len(words))],
                )
            )
        return windows

    def _decode(self, parts: list[tuple[_Window, _Best]]) -> Prediction:
        # the best window of each sub-token (by its character offsets): the most context on both sides
        chosen: dict[tuple[int, int], tuple[int, int, float, int]] = {}  # offsets -> (context, word, p, tag)
        for window, (scores, tags) in parts:
            positions = [k for k, w in enumerate(window.words) if w is not None]
            for rank, k in enumerate(positions):
                context = min(rank, len(positions) - 1 - rank)
                key = window.offsets[k]
                word = window.words[k]
                assert word is not None
                if key not in chosen or context > chosen[key][0]:
                    chosen[key] = (context, word, scores[k], tags[k])
        words: dict[int, tuple[int, int, float, int]] = {}  # word -> (start, end, first sub-token's p, tag)
        for (start, end), (_, word, score, tag_id) in sorted(chosen.items()):
            if word not in words:
                words[word] = (start, end, score, tag_id)
            else:
                words[word] = (words[word][0], end, words[word][2], words[word][3])
        spans: list[Span] = []
        current: list[Any] | None = None  # [start, end, label, [probabilities]]
        least = 1.0
        for word in sorted(words):
            start, end, score, tag_id = words[word]
            least = min(least, score)
            tag = self.id2label[tag_id]
            kind, _, label = tag.partition("-") if tag != "O" else ("O", "", "")
            if kind == "I" and current is not None and current[2] == label:
                current[1], current[3] = end, [*current[3], score]
                continue
            if current is not None:
                spans.append(_span(current))
                current = None
            if kind in ("B", "I") and label:
                current = [start, end, label, [score]]
        if current is not None:
            spans.append(_span(current))
        return Prediction(spans, round(1.0 - least, 4) if words else 0.0)


def _torch_int8(model: Any, head: set[str]) -> Any:
    """`model` with the linear layers outside `head` dynamically quantised by PyTorch (a scale per row)."""
    import warnings

    import torch

    linear = {
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and name.split(".", 1)[0] not in head
    }
    with warnings.catch_warnings():  # torch.ao's deprecation notice: the API still works as documented
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig

        spec = dict.fromkeys(linear, per_channel_dynamic_qconfig)  # a scale per output row
        return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)


def _batches(windows: list[_Window], rows: int, max_tokens: int) -> list[list[int]]:
    """Window indexes in batches, shortest windows first: at most `rows` windows and `max_tokens`
    positions (rows x the longest) each; a window longer than `max_tokens` goes alone."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    batches: list[list[int]] = []
    part: list[int] = []
    for i in order:  # ascending lengths: the window being added is the batch's longest
        if part and (len(part) >= max(rows, 1) or (len(part) + 1) * len(windows[i].input_ids) > max_tokens):
            batches.append(part)
            part = []
        part.append(i)
    return [*batches, part] if part else batches


def _padded(rows: list[list[int]], pad: int) -> tuple[Any, Any]:
    """(input_ids, attention_mask) as int64 arrays of the rows padded to the longest."""
    import numpy as np

    longest = max(len(r) for r in rows)
    ids = np.full((len(rows), longest), pad, dtype=np.int64)
    mask = np.zeros((len(rows), longest), dtype=np.int64)
    for n, r in enumerate(rows):
        ids[n, : len(r)] = r
        mask[n, : len(r)] = 1
    return ids, mask


def _span(current: list[Any]) -> Span:
    start, end, label, scores = current
    return (start, end, label, round(min(max(sum(scores) / len(scores), 0.0), 1.0), 4))
