"""What an instruction model sees before its answer, the same in training, on test and in the demo.

    prompt_ids(tokenizer, prompt_text(tokenizer, "Extraiga ...", "Se pautó metformina."))

The prompt is the tokenizer's chat template (one user turn: instruction, a blank line, the input) when it
has one, else a plain Spanish prompt (`PLAIN`). The tokenizer is any Hugging Face tokenizer (only its
`chat_template`, `apply_chat_template` and `__call__` are used). Standard library only: the Space copies
this package whole.
"""

from __future__ import annotations

from typing import Any

PLAIN = "### Instrucción:\n{instruction}\n\n### Entrada:\n{input}\n\n### Respuesta:\n"
PLAIN_NO_INPUT = "### Instrucción:\n{instruction}\n\n### Respuesta:\n"


def user_message(instruction: str, input: str) -> str:
    return f"{instruction}\n\n{input}" if input else instruction


def has_chat_template(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def prompt_text(tokenizer: Any, instruction: str, input: str) -> str:
    """What the model sees before its answer."""
    if has_chat_template(tokenizer):
        messages = [{"role": "user", "content": user_message(instruction, input)}]
        return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    return (PLAIN if input else PLAIN_NO_INPUT).format(instruction=instruction, input=input)


def prompt_ids(tokenizer: Any, prompt: str) -> list[int]:
    """The prompt's token ids; a chat template writes its own special tokens, a plain prompt gets them."""
    return list(tokenizer(prompt, add_special_tokens=not has_chat_template(tokenizer))["input_ids"])
