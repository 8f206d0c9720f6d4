"""int8 NER inference through ONNX Runtime, for `annotate suggest` on the CPU.

    session = Int8Session.build(model, head={"classifier"})   # Unavailable where it cannot be built
    logits = session(input_ids, attention_mask)                 # int64 arrays in, float32 logits out

The token-classification model is exported once to ONNX (TorchScript exporter, opset 17, batch and
length dynamic, attention as its plain matrix products: `EXPORT`), then its matrix products by a
weight are quantised dynamically (weights int8 with a scale per output channel, activations per batch:
`onnxruntime.quantization.quantize_dynamic` with `MatMulConstBOnly`), the classification head left in
float32: the scheme of PyTorch's `quantize_dynamic` on the encoder's linear layers, which ran 1.3-1.4x
slower on 2 CPU cores and cost 1.6-1.9 F1 points more on PharmaCoNER (bench/active.py measures both).
The products of attention (activations by activations) stay float32.

The quantised file is cached by content: `$SOMOSNLP_CACHE/ner-onnx/<sha256>.onnx` (default
`~/.cache/somosnlp`), the hash taken over the weights, the configuration and the versions of torch and
onnxruntime. It is built in a temporary folder and renamed, so a crash half way leaves no cache entry
(the next build removes a killed build's folder once it is an hour old), and a lost cache is rebuilt
on the next call (about 6 s for MiniLM). `build` raises `Unavailable`, saying why, when onnxruntime is
not installed or the architecture does not export: the caller falls back to PyTorch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OPSET = 17
# how the graph is exported, part of the cache key: attention as its plain matrix products (the model's
# "eager" attention), which ONNX Runtime ran 1.5x faster on paragraphs and 1.1x on sentences than the
# export of PyTorch's scaled_dot_product_attention with its mask (MiniLM int8, 2 CPU cores)
EXPORT = "eager-attention"
BUILDING = ".building-"  # prefix of a build's temporary folder in the cache
STALE_S = 3600.0  # a build folder untouched this long was left by a killed process


def cache_dir() -> Path:
    """The project's cache root as the notebooks' `cache_root` reads it (`$SOMOSNLP_CACHE`, else
    ~/.cache/somosnlp: one setting moves every cache), then `ner-onnx`."""
    return Path(os.environ.get("SOMOSNLP_CACHE", Path.home() / ".cache" / "somosnlp")) / "ner-onnx"


def fingerprint(model: Any) -> str:
    """sha256 of the weights (names, shapes, bytes), the configuration and the runtime versions."""
    import onnxruntime
    import torch

    digest = hashlib.sha256()
    config = model.config.to_dict()
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    versions = f"torch {torch.__version__} onnxruntime {onnxruntime.__version__} opset {OPSET} {EXPORT}"
    digest.update(versions.encode())
    for name, tensor in model.state_dict().items():
        digest.update(f"{name} {tuple(tensor.shape)} {tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


class Unavailable(Exception):
    """Why ONNX Runtime cannot run this model: the caller falls back to PyTorch."""


class Int8Session:
    """An ONNX Runtime session over the cached int8 file of one model."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(threads, 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: Any, attention_mask: Any) -> Any:
        (logits,) = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})
        return logits

    @classmethod
    def build(cls, model: Any, head: set[str]) -> Int8Session:
        """The session for `model`, its int8 file built and cached first if needed (`Unavailable` if it
        cannot be: onnxruntime missing, or an architecture the exporter does not handle)."""
        if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
            raise Unavailable("onnxruntime and onnx are not installed (pip install -r requirements.txt)")
        import torch

        path = cache_dir() / f"{fingerprint(model)}.onnx"
        if not path.exists():
            try:
                _export_int8(model, head, path)
            except Exception as exc:  # any exporter failure means: use PyTorch instead
                detail = " ".join(str(exc).split())[:160]
                raise Unavailable(f"{type(model).__name__} does not export to ONNX ({detail})") from None
        return cls(path, torch.get_num_threads())


def _export_int8(model: Any, head: set[str], target: Path) -> None:
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_builds(target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=BUILDING) as tmp:
        exported, quantised = Path(tmp) / "model.onnx", Path(tmp) / "int8.onnx"
        example = torch.ones((2, 8), dtype=torch.long)
        dynamic = {0: "batch", 1: "length"}
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad(), _eager_attention(model):
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notices
            torch.onnx.export(
                model.eval(),
                (example, torch.ones_like(example)),
                str(exported),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "logits": dynamic},
                opset_version=OPSET,
                dynamo=False,
            )
        graph = onnx.load(str(exported), load_external_data=False).graph
        keep_float = [n.name for n in graph.node if n.name.lstrip("/").split("/", 1)[0] in head]
        quiet = logging.getLogger()
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the quantiser's advice to pre-process, logged on the root logger
        try:
            quantize_dynamic(
                str(exported),
                str(quantised),
                weight_type=QuantType.QInt8,
                per_channel=True,
                nodes_to_exclude=keep_float,
                extra_options={"MatMulConstBOnly": True},
            )
        finally:
            quiet.setLevel(level)
        os.replace(quantised, target)  # whole or not at all


@contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """The model's attention as plain matrix products while it is exported (`EXPORT`), then as it was;
    unchanged for a model that cannot switch (it exports as it is)."""
    config = getattr(model, "config", None)
    before = getattr(config, "_attn_implementation", None)
    switch = before not in (None, "eager") and hasattr(model, "set_attn_implementation")
    if switch:
        try:
            model.set_attn_implementation("eager")
        except (ValueError, NotImplementedError):
            switch = False
    try:
        yield
    finally:
        if switch:
            model.set_attn_implementation(before)


def _remove_stale_builds(folder: Path) -> None:
    """Remove the build folders a killed process left (older than STALE_S: a build in progress in
    another process is younger)."""
    import shutil
    import time

    for leftover in folder.glob(f"{BUILDING}*"):
        try:
            if time.time() - leftover.stat().st_mtime > STALE_S:
                shutil.rmtree(leftover, ignore_errors=True)
        except FileNotFoundError:  # another process removed it first
            pass
