"""What a training run records besides its model: carbon (codecarbon), hardware, library versions.

    tracker = emissions_tracker(out_dir, "ESP")    # writes out_dir/emissions.csv (codecarbon's columns)
    tracker.start(); ...; tracker.stop()
    carbon_summary(tracker)                          # what codecarbon measured, and how, for training.json

codecarbon runs offline (`OfflineEmissionsTracker`: the grid's carbon intensity comes from the country
code, no geolocation call) and without root: where Intel RAPL files are not readable (containers, AMD,
most laptops without a udev rule) it estimates CPU power from the CPU load and the CPU's TDP (4 W per
thread when the model is not in its table), RAM power from the memory in use, GPU power through NVML.
`tracking_mode="process"` counts this process and its children only, not the rest of the machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

import psutil

if TYPE_CHECKING:
    from codecarbon import OfflineEmissionsTracker
    from datasets import DatasetDict

LIBRARIES = (
    "torch",
    "transformers",
    "tokenizers",
    "datasets",
    "accelerate",
    "seqeval",
    "codecarbon",
    "huggingface_hub",
    "numpy",
)


class Carbon(TypedDict):
    """What codecarbon measured, and how (`training.json`'s `carbon`)."""

    tool: str
    energy_kwh: float
    emissions_kg: float
    duration_s: float
    cpu_power_w: float
    gpu_power_w: float
    ram_power_w: float
    country_iso_code: str
    tracking_mode: str
    methods: dict[str, str]  # hardware kind -> how its power was measured (or "estimate")


class Hardware(TypedDict):
    platform: str
    cpu: str
    cpu_count: int | None
    torch_threads: int
    ram_gb: float
    accelerator: str  # cpu | cuda | mps
    gpus: NotRequired[list[str]]


def emissions_tracker(
    output_dir: Path, country_iso_code: str, measure_power_secs: float = 15, project: str = "somosnlp-ner"
) -> OfflineEmissionsTracker:
    """codecarbon's offline tracker writing `output_dir/emissions.csv`, quiet, this process only;
    `project` is the file's project_name column (one per notebook)."""
    from codecarbon import OfflineEmissionsTracker

    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    return OfflineEmissionsTracker(
        country_iso_code=country_iso_code,
        output_dir=str(output_dir),
        output_file="emissions.csv",
        save_to_file=True,
        log_level="error",
        tracking_mode="process",
        measure_power_secs=measure_power_secs,
        project_name=project,
        allow_multiple_runs=True,
    )


def carbon_summary(tracker: OfflineEmissionsTracker) -> Carbon:
    """Energy, emissions and the measuring method of a stopped tracker."""
    data = tracker.final_emissions_data
    methods = {
        type(h).__name__: getattr(h, "_mode", None) or "estimate" for h in getattr(tracker, "_hardware", [])
    }
    return {
        "tool": f"codecarbon {metadata.version('codecarbon')}",
        "energy_kwh": data.energy_consumed,
        "emissions_kg": data.emissions,
        "duration_s": data.duration,
        "cpu_power_w": data.cpu_power,
        "gpu_power_w": data.gpu_power,
        "ram_power_w": data.ram_power,
        "country_iso_code": data.country_iso_code,
        "tracking_mode": data.tracking_mode,
        "methods": methods,
    }


def hardware() -> Hardware:
    """CPU, cores, RAM and accelerators of this machine."""
    import torch

    info: Hardware = {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "accelerator": "cpu",
    }
    if torch.cuda.is_available():
        info["accelerator"] = "cuda"
        info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        info["accelerator"] = "mps"
    return info


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def dataset_fingerprint(dataset_dict: DatasetDict) -> str:
    """One hash of the splits' fingerprints (datasets keeps one per saved split)."""
    digest = hashlib.sha256()
    for split in sorted(dataset_dict):
        digest.update(f"{split}:{dataset_dict[split]._fingerprint}:{len(dataset_dict[split])};".encode())
    return digest.hexdigest()[:16]


def bf16_native() -> bool:
    """True when this machine computes bfloat16 natively: a CUDA GPU that supports it, or a CPU with
    AVX-512 BF16 or AMX instructions. On a CPU with plain AVX-512 oneDNN still accepts bf16 (and
    `torch.ops.mkldnn._is_mkldnn_bf16_supported()` says so) but emulates it: bf16 autocast then trained
    the instruction notebook's SmolLM2-135M about 3x slower than float32 (about 24 s a step against 6 to 8 s,
    batch 8, max length 256, on 2 cores)."""
    import torch

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(bool(getattr(torch.cpu, probe, lambda: False)()) for probe in probes)
    except RuntimeError:
        return False
