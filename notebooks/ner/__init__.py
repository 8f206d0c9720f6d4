"""The NER notebook's modules: windows of sub-words, the Trainer, strict IOB2 scores, predictions, plots."""
