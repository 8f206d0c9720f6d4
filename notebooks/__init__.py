"""Code the notebooks import: small tested modules, so that the notebooks show the training loop only.

- `ner/`: what `finetune_ner.ipynb` needs: `data` (label alignment, windows), `trainer` (Trainer glue),
  `metrics` (seqeval, strict IOB2), `predictions` (the test predictions file), `plots`.
- `instruct/`: what `finetune_instruct.ipynb` needs: `data` (prompts, the loss mask), `model` (the causal
  LM, LoRA), `generate` (greedy answers), `metrics` (exact match, ROUGE-L, entity F1), `plots`, and the
  hand-wired offline causal LM (`copy_heads`, `context_vectors`).
- `common/`: what both read and write: `run_inputs` (the run folder's views), `outputs` (staging and
  publishing `models/<task>/`), `tracking` (codecarbon, hardware, versions), `fallback` (offline models),
  `figures` (matplotlib without a display).
- `errors`: every error the notebooks stop with.

Dependencies go one way: `ner`/`instruct` -> `common` -> `errors` -> the run folder (`runfolder`).
"""
