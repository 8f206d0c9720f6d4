"""Code the notebooks import: small tested modules, so that the notebooks show the training loop only.

`finetune_ner.ipynb` imports `ner_data` (label alignment, windows), `ner_metrics` (seqeval, strict IOB2),
`ner_trainer` (Trainer glue), `run_inputs` (reading the run folder), `fallback` (an offline model),
`tracking` (codecarbon, hardware, versions) and `ner_outputs` (the files of `models/ner/`).
"""
