"""Run folders for the tests (and bench/demo.py), built the way the stages build them; nothing of it ships.

    run = shared_run(tmp_path_factory)                  # annotated: 3 annotators, agreement, a scored model
    run = cached_tiny_run(tmp / "demo-tiny-run")        # tiny: a 2-layer NER model trained in seconds
    add_tiny_instruction_model(run)                     # + a 1-layer Llama that knows one answer
    run = build_quickstart_run(tmp / "q", tiny)         # simulated answers, both fallbacks, the cards

`files` writes what both kinds share (run.json, codecarbon's emissions.csv, entity scores by the NER
notebook's `entity_scores`); `annotated` holds the cards' run, `tiny` the trained toy models.
"""

from run_factory.annotated import (
    INSTRUCTION_BASE,
    INSTRUCTION_FALLBACK_HUB_ID,
    NER_ASKED,
    NER_FALLBACK_HUB_ID,
    build_run,
    copy_run,
    shared_run,
    write_instruction_model,
    write_ner_fallback,
)
from run_factory.files import EMISSIONS_KG, SAMPLE, write_emissions
from run_factory.quickstart_like import build_quickstart_run
from run_factory.tiny import (
    TINY_ANSWER,
    TINY_EMISSIONS_KG,
    TINY_HUB_BASE,
    TINY_INPUT,
    TINY_INSTRUCTION,
    add_tiny_instruction_model,
    build_tiny_run,
    cached_tiny_run,
)

__all__ = [
    "EMISSIONS_KG",
    "INSTRUCTION_BASE",
    "INSTRUCTION_FALLBACK_HUB_ID",
    "NER_ASKED",
    "NER_FALLBACK_HUB_ID",
    "SAMPLE",
    "TINY_ANSWER",
    "TINY_EMISSIONS_KG",
    "TINY_HUB_BASE",
    "TINY_INPUT",
    "TINY_INSTRUCTION",
    "add_tiny_instruction_model",
    "build_quickstart_run",
    "build_run",
    "build_tiny_run",
    "cached_tiny_run",
    "copy_run",
    "shared_run",
    "write_emissions",
    "write_instruction_model",
    "write_ner_fallback",
]
