"""The instruction notebook's modules: prompts and the loss mask, the causal LM and LoRA, greedy answers,
their scores, plots; `copy_heads` and `context_vectors` build the tiny offline causal LM."""
