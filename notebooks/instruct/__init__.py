"""The instruction notebook's modules: prompts and the loss mask, the causal LM (a Hub model, a GGUF file,
or offline the packaged SmolLM2-135M-Instruct) and LoRA, greedy answers, their scores, plots."""
