"""What the instruction tab shares with the training notebook and the remix, from their one source.

    prompt_ids(tokenizer, prompt_text(tokenizer, "Extraiga ...", "Se pautó metformina."))   # as in training
    generate(model, tokenizer, [ids], max_new_tokens=128)                                 # greedy, as on test
    parse_answer("extraccion", "FARMACO: metformina")                   # [("FARMACO", "metformina")]

In the workspace this module re-exports `notebooks.instruct.data`, `notebooks.instruct.generate` and
`annotate.remix_answers`. The Space has neither package: `python -m demo space` writes its
`ner_demo/instruct_shared.py` with the source of exactly these names copied out of those modules
(`demo.space.shared_source`), so the demo prompts and reads answers the way the model was trained and scored.
"""

from __future__ import annotations

from portable.answers import EXTRACTION_TASKS, TASKS, parse_answer, parse_entities
from portable.errors import AnswerFormatError
from portable.generate import generate
from portable.prompts import prompt_ids, prompt_text

#: module -> the top-level names the Space's copy needs (with what they call), in source order
SOURCES = {
    "portable/prompts.py": (
        "PLAIN",
        "PLAIN_NO_INPUT",
        "user_message",
        "has_chat_template",
        "prompt_text",
        "prompt_ids",
    ),
    "portable/generate.py": ("generate",),
    "portable/answers.py": (
        "EXTRACTION_TASKS",
        "TASKS",
        "NONE_ANSWER",
        "Pair",
        "parse_answer",
        "parse_entities",
        "_entity_line",
        "_clean",
        "_space",
        "_plain",
    ),
}
#: names whose workspace definition depends on the rest of the workspace, replaced in the Space's copy
REPLACED = {"AnswerFormatError": "class AnswerFormatError(ValueError):\n    pass\n"}

__all__ = [
    "EXTRACTION_TASKS",
    "TASKS",
    "AnswerFormatError",
    "generate",
    "parse_answer",
    "parse_entities",
    "prompt_ids",
    "prompt_text",
]
