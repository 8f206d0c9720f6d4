"""What `make quickstart` leaves in a run folder, in seconds: answers made by `annotate simulate`, both
models tuned from the notebooks' offline fallbacks, the cards.

    run = build_quickstart_run(tmp / "quickstart", tiny=cached_tiny_run(tmp / "tiny"), cache=tmp / "cache")

- annotations.parquet: every answer `simulated` (`build_run(simulated=True)`), no --annotators-kind;
- models/ner/: the cards' scored model (`write_model`) tuned from the packaged copy of all-MiniLM-L6-v2
  (`write_ner_fallback`), with the tiny run's weights and tokenizer so that the Space has a model;
- models/instruction/: the adapter tuned on the packaged SmolLM2 (`write_instruction_model(fallback=True)`),
  whose folder `cache`/gguf/... (the notebook's ~/.cache/somosnlp) is made here, with a config.json;
- cards/, bias.json, privacy.json by `python -m cards build`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from run_factory.annotated import build_run, fallback_llm_folder, write_instruction_model, write_ner_fallback
from runfolder import RunFolder, write_json

REPORTS = {"metrics.json", "training.json", "emissions.csv", "test_predictions.jsonl"}


def build_quickstart_run(path: Path, tiny: RunFolder, cache: Path) -> RunFolder:
    from cards.write.build import build_cards

    run = build_run(path, simulated=True, annotators_kind=None)
    write_ner_fallback(run)
    for file in sorted(tiny.model("ner").iterdir()):
        if file.is_file() and file.name not in REPORTS:
            shutil.copy2(file, run.model("ner") / file.name)
    write_instruction_model(run, fallback=True, cache=cache)
    write_json(fallback_llm_folder(cache) / "config.json", {"model_type": "llama"})
    build_cards(run.path)
    return run
