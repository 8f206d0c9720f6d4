"""A tiny trained NER model and run folder, built in seconds, for the demo tests and bench/demo.py.

    run = build_tiny_run(Path("runs/tiny"))      # dataset/, models/ner/ (+ metrics.json, emissions.csv)
    add_tiny_instruction_model(run)              # + models/instruction/ (LoRA adapter), dataset/instruction/

A WordPiece tokenizer trained with `tokenizers` on the corpus text, a 2-layer BERT with a 64-token window
(so that any real text is windowed), trained for a few seconds on the `tokens` view: it memorises a few
drug names and predicts little else. The files are the ones the training notebook writes, with the same
shapes (`Metrics` scored by the notebook's `entity_scores`, codecarbon's emissions.csv), so every later
stage can run on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from run_factory.files import documents, scores, write_emissions, write_run_json
from runfolder import Metrics, RunFolder, Scores, SplitMetrics, TrainingInfo, write_json

MAX_LENGTH = 64
TINY_EMISSIONS_KG = 0.000123  # what the tiny model's emissions.csv says: 0.123 g


def train_tokenizer(texts: list[str], vocab_size: int = 800):
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertTokenizerFast

    trainer = BertWordPieceTokenizer(lowercase=True, strip_accents=False)
    trainer.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=1)
    return BertTokenizerFast(
        vocab=trainer.get_vocab(), do_lower_case=True, strip_accents=False, model_max_length=MAX_LENGTH
    )


def tiny_model(tag_names: list[str], vocab_size: int, seed: int):
    import torch
    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_LENGTH,
        id2label=dict(enumerate(tag_names)),
        label2id={t: i for i, t in enumerate(tag_names)},
    )
    return BertForTokenClassification(config)


def encode(tokenizer, rows: list[dict[str, Any]]):
    """Word-level tags on the first sub-word of each word (-100 elsewhere), as the notebook does."""
    import torch

    batch = tokenizer(
        [r["tokens"] for r in rows],
        is_split_into_words=True,
        truncation=True,
        padding=True,
        return_tensors="pt",
    )
    labels = []
    for i, row in enumerate(rows):
        previous, tags = None, []
        for word in batch.word_ids(i):
            tags.append(-100 if word is None or word == previous else row["ner_tags"][word])
            previous = word
        labels.append(tags)
    batch["labels"] = torch.tensor(labels)
    return batch


def fit(model, tokenizer, rows: list[dict[str, Any]], epochs: int, batch_size: int = 6) -> None:
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small gains nothing from threads, and a busy machine hurts them
    model.train()
    try:
        for _ in range(epochs):
            for start in range(0, len(rows), batch_size):
                loss = model(**encode(tokenizer, rows[start : start + batch_size])).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
    finally:
        torch.set_num_threads(threads)
        model.eval()


def predict_tags(model, tokenizer, rows: list[dict[str, Any]], names: list[str]) -> list[list[str]]:
    import torch

    batch = encode(tokenizer, rows)
    with torch.no_grad():
        best = model(**{k: v for k, v in batch.items() if k != "labels"}).logits.argmax(-1)
    out = []
    for i, row in enumerate(rows):
        tags = ["O"] * len(row["tokens"])
        for position, label in enumerate(batch["labels"][i].tolist()):
            if label != -100:
                tags[batch.word_ids(i)[position]] = names[best[i, position].item()]
        out.append(tags)
    return out


def build_tiny_run(path: Path, epochs: int = 40, seed: int = 0, overwrite: bool = False) -> RunFolder:
    """`path`/run.json, dataset/{bigbio_kb,tokens} and models/ner/ from the sample corpus."""
    if path.exists() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{path} is not empty: a toy run would replace its dataset and model; pick a new folder"
        )
    import datasets

    from annotate.views import build_views, save_views

    datasets.disable_progress_bars()

    run = RunFolder(path)
    docs = documents()
    views = build_views(docs)
    save_views(views, run)
    write_run_json(run)
    tokens = views["tokens"]
    names = tokens["train"].features["ner_tags"].feature.names
    tokenizer = train_tokenizer([d.text for d in docs])
    model = tiny_model(names, tokenizer.vocab_size, seed)
    fit(model, tokenizer, list(tokens["train"]), epochs)
    int_to_str = tokens["test"].features["ner_tags"].feature.int2str
    test = list(tokens["test"])
    gold = [int_to_str(row["ner_tags"]) for row in test]
    pred = predict_tags(model, tokenizer, test, names)
    metrics = Metrics(task="ner", model=str(run.model("ner")), test=scores(gold, pred, names))
    with run.atomic_dir(run.model("ner")) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        write_json(tmp / "metrics.json", metrics)
        write_emissions(tmp / "emissions.csv", TINY_EMISSIONS_KG)
    return run


def cached_tiny_run(path: Path) -> RunFolder:
    """`build_tiny_run(path)` unless a previous call already built it (tests share one per session)."""
    run = RunFolder(path)
    if not (run.model("ner") / "metrics.json").exists():
        build_tiny_run(path, overwrite=True)
    return run


#: the one question the tiny instruction model knows by heart (`add_tiny_instruction_model`)
TINY_INSTRUCTION = (
    "Extraiga todas las entidades del texto de estos tipos: FARMACO, PROTEINA. Escriba una por línea con "
    "el formato «ETIQUETA: texto»."
)
TINY_INPUT = "Se pauta metformina y se pide insulina; la metformina se mantiene."
TINY_ANSWER = "FARMACO: metformina\nPROTEINA: insulina\nFARMACO: metformina"
TINY_HUB_BASE = "somosnlp/tiny-instruct-base"  # what training.json says was asked for


def add_tiny_instruction_model(
    run: RunFolder, merged: bool = False, steps: int = 80, seed: int = 0, base: Path | None = None
) -> RunFolder:
    """`models/instruction/` and `dataset/instruction/` in `run`, in the notebook's shapes, in seconds.

    A 1-layer Llama with a byte-level BPE vocabulary, trained until it answers TINY_INSTRUCTION about
    TINY_INPUT with TINY_ANSWER (greedy), then wrapped in a fresh LoRA adapter (an identity: same answers).
    The adapter and tokenizer go to models/instruction/, the base model to `base` (default
    RUN/tiny-instruct-base, named as `model_used` in training.json); with `merged`, merged/ too."""
    import datasets
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from tiny_llm import byte_level_tokenizer, tiny_llama_config
    from transformers import LlamaForCausalLM

    from notebooks.instruct.data import encode

    datasets.disable_progress_bars()
    samples = [
        {"instruction": TINY_INSTRUCTION, "input": TINY_INPUT, "output": TINY_ANSWER, "task": "extraccion"},
        {
            "instruction": "¿Aparece en el texto alguna mención de tipo PROTEINA? Responda «sí» o «no».",
            "input": "Se pide insulina.",
            "output": "sí",
            "task": "mencion",
        },
    ]
    rows = [{**s, "template_id": f"{s['task']}-tiny", "id": f"tiny-{i}"} for i, s in enumerate(samples)]
    split = datasets.Dataset.from_list(rows)
    datasets.DatasetDict({"train": split, "validation": split, "test": split}).save_to_disk(
        str(run.dataset_view("instruction"))
    )
    tokenizer = byte_level_tokenizer(
        [s[k] for s in samples for k in ("instruction", "input", "output")], 1000
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(tiny_llama_config(tokenizer, layers=1))
    example = encode(tokenizer, TINY_INSTRUCTION, TINY_INPUT, TINY_ANSWER, max_length=512)
    assert example is not None
    batch = {k: torch.tensor([example[k]]) for k in ("input_ids", "labels")}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in `fit`: threads only slow a model this small down
    model.train()
    try:
        for _ in range(steps):
            model(**batch).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    finally:
        torch.set_num_threads(threads)
        model.eval()
    base = base or run.path / "tiny-instruct-base"
    model.save_pretrained(str(base))
    tokenizer.save_pretrained(str(base))
    lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"])
    adapter = get_peft_model(model, lora)
    training = TrainingInfo(
        task="instruction",
        base_model=TINY_HUB_BASE,
        model_used=str(base.resolve()),
        hyperparameters={"method": "LoRA", "lora_r": 2, "max_new_tokens": 32, "merge_weights": merged},
        hardware={"device": "cpu"},
        libraries={},
        wall_time_s=1.0,
        dataset_fingerprint="tiny",
        train_samples=len(rows),
        steps=steps,
        started_at="2024-01-01T00:00:00",
        finished_at="2024-01-01T00:00:01",
    )
    metrics = Metrics(
        task="instruction",
        model=str(run.model("instruction")),
        scheme="entity F1 of the parsed answers of extraction samples ((label, text) pairs, micro)",
        test=SplitMetrics(
            overall=Scores(precision=1.0, recall=1.0, f1=1.0, support=3),
            per_label={
                "FARMACO": Scores(precision=1.0, recall=1.0, f1=1.0, support=2),
                "PROTEINA": Scores(precision=1.0, recall=1.0, f1=1.0, support=1),
            },
        ),
    )
    with run.atomic_dir(run.model("instruction")) as tmp:
        adapter.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if merged:
            adapter.merge_and_unload().save_pretrained(str(tmp / "merged"))
            tokenizer.save_pretrained(str(tmp / "merged"))
        write_json(tmp / "metrics.json", metrics)
        write_json(tmp / "training.json", training)
        write_emissions(tmp / "emissions.csv", TINY_EMISSIONS_KG)
    return run
