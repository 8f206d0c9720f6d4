"""Code the notebooks import: small tested modules, so that the notebooks show the training loop only.

- `ner/`: what `finetune_ner.ipynb` needs: `data` (label alignment, windows), `trainer` (Trainer glue),
  `metrics` (seqeval, strict IOB2), `predictions` (the test predictions file), `plots`.
- `instruct/`: what `finetune_instruct.ipynb` needs: `data` (prompts, the loss mask), `model` (the causal
  LM, LoRA; offline, SmolLM2-135M-Instruct from PyPI, converted once from its GGUF, with its own training
  defaults), `generate` (greedy answers), `metrics` (exact match, ROUGE-L, entity F1), `plots`.
- `common/`: what both read and write: `run_inputs` (the run folder's views), `outputs` (staging and
  publishing `models/<task>/`), `tracking` (codecarbon, hardware, versions), `fallback` (offline models),
  `defaults` (parameters that fit the model trained), `figures` (matplotlib without a display).
- `errors`: every error the notebooks stop with.

Dependencies go one way: `ner`/`instruct` -> `common` -> `errors` -> the run folder (`runfolder`).
"""
