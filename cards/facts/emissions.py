"""codecarbon's emissions.csv -> `EmissionsFacts` (grams of CO2eq, as the Hub's `co2_eq_emissions` wants).

codecarbon writes a row with `emissions` in kg CO2eq, `energy_consumed` in kWh and `duration` in seconds
when a tracker stops, and also on each `flush()` (totals so far, same `run_id`, appended). So the last
row of each `run_id` is that run's total, and a folder trained in several sessions (several run ids)
adds them up; location and hardware are taken from the last row.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from cards.facts.model import EmissionsFacts
from runfolder import RunFolderError

REQUIRED = ("emissions", "energy_consumed", "duration")


def _float(row: dict[str, str], column: str) -> float | None:
    try:
        value = float(row.get(column) or "nan")
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _text(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def _sum(rows: list[dict[str, str]], column: str) -> float | None:
    values = [_float(r, column) for r in rows]
    present = [v for v in values if v is not None]
    return sum(present) if len(present) == len(values) else None


def hardware_text(
    gpu_count: int | None, gpu_model: str | None, cpu_model: str | None, cpus: float | None
) -> str | None:
    if gpu_count and gpu_model:
        return f"{gpu_count} x {gpu_model}" if gpu_model[0].isalpha() else gpu_model
    if cpu_model:
        return f"CPU: {cpu_model}" + (f" ({int(cpus)} cores)" if cpus else "")
    return None


def read_emissions(path: Path) -> EmissionsFacts:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise RunFolderError(f"{path}: cannot be read ({exc})") from None
    if not rows or any(c not in rows[0] for c in REQUIRED):
        raise RunFolderError(
            f"{path} is not a codecarbon emissions file (needs the columns {', '.join(REQUIRED)} and a row); "
            "re-run training with codecarbon's EmissionsTracker"
        )
    rows = list({row.get("run_id") or str(i): row for i, row in enumerate(rows)}.values())  # last per run
    kg, kwh, seconds = (_sum(rows, c) for c in REQUIRED)
    if kg is None or kwh is None or seconds is None:
        raise RunFolderError(f"{path}: a row has no numeric emissions/energy_consumed/duration")
    last = rows[-1]
    country, region = _text(last, "country_name"), _text(last, "region")
    gpu_count = _float(last, "gpu_count")
    gpu_model, cpu_model = _text(last, "gpu_model"), _text(last, "cpu_model")
    return EmissionsFacts(
        grams=kg * 1000,
        kg=kg,
        energy_kwh=kwh,
        cpu_energy_kwh=_sum(rows, "cpu_energy"),
        gpu_energy_kwh=_sum(rows, "gpu_energy"),
        ram_energy_kwh=_sum(rows, "ram_energy"),
        duration_s=seconds,
        duration_min=seconds / 60,
        runs=len(rows),
        country_name=country,
        country_iso_code=_text(last, "country_iso_code"),
        region=region,
        cloud_provider=_text(last, "cloud_provider"),
        cloud_region=_text(last, "cloud_region"),
        on_cloud={"Y": True, "N": False}.get((_text(last, "on_cloud") or "").upper()),
        location=", ".join(p for p in (region.title() if region else None, country) if p) or None,
        cpu_model=cpu_model,
        gpu_model=gpu_model,
        gpu_count=int(gpu_count) if gpu_count else None,
        hardware=hardware_text(
            int(gpu_count) if gpu_count else None, gpu_model, cpu_model, _float(last, "cpu_count")
        ),
        tracking_mode=_text(last, "tracking_mode"),
        codecarbon_version=_text(last, "codecarbon_version"),
    )
