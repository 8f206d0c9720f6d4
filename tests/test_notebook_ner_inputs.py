"""The notebook's inputs and outputs without training: the run folder's `dataset/tokens` (missing or
malformed -> one line naming the file and the stage), the offline model choice, and `models/ner/` files."""

from __future__ import annotations

from pathlib import Path

import pytest

from notebooks.common import fallback, outputs, tracking
from notebooks.common.run_inputs import load_tokens
from notebooks.errors import ModelUnavailableError, NotebookInputError
from notebooks.ner.predictions import write_predictions
from runfolder import RunFolder, RunFolderError

STAGE = "python -m annotate export"


def tokens_dict(splits=("train", "validation", "test"), names=("O", "B-FARMACO", "I-FARMACO")):
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    features = Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=list(names))),
        }
    )
    row = {"id": "d1", "tokens": ["con", "metformina"], "ner_tags": [0, 1]}
    return DatasetDict({s: Dataset.from_list([row], features=features) for s in splits})


def test_a_missing_view_names_the_file_and_the_stage(tmp_path: Path) -> None:
    with pytest.raises(RunFolderError, match=rf"dataset/tokens is missing; it is made by `{STAGE}"):
        load_tokens(RunFolder(tmp_path / "runs" / "nada"))


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (
            lambda p: (p / "dataset_dict.json").write_text("{not json"),
            "cannot be read as a saved DatasetDict",
        ),
        (lambda p: tokens_dict(splits=("train", "validation")).save_to_disk(str(p)), "has no split test"),
        (lambda p: tokens_dict(names=("O", "FARMACO")).save_to_disk(str(p)), "are not IOB2"),
        (lambda p: tokens_dict()["train"].save_to_disk(str(p)), "single Dataset"),
    ],
)
def test_a_malformed_view_names_the_file_and_the_stage(tmp_path: Path, make, problem: str) -> None:
    run = RunFolder(tmp_path)
    run.dataset_view("tokens").mkdir(parents=True)
    make(run.dataset_view("tokens"))
    with pytest.raises(NotebookInputError) as error:
        load_tokens(run)
    message = str(error.value)
    assert str(run.dataset_view("tokens")) in message and problem in message and STAGE in message
    assert error.value._render_traceback_() == [f"NotebookInputError: {message}"]  # one line in Jupyter
    assert "\n" not in message


def test_a_good_view_loads(tmp_path: Path) -> None:
    run = RunFolder(tmp_path)
    tokens_dict().save_to_disk(str(run.dataset_view("tokens")))
    assert load_tokens(run)["test"][0]["tokens"] == ["con", "metformina"]


def test_no_hub_and_no_fallback_stops_with_one_line(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailableError) as error:
        fallback.choose_model("PlanTL-GOB-ES/modelo-que-no-existe", allow_fallback=False)
    message = error.value._render_traceback_()
    assert len(message) == 1 and "modelo-que-no-existe cannot be loaded" in message[0]
    assert "allow_offline_fallback=True" in message[0]


def test_the_scratch_fallback_is_built_once_and_cached(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SOMOSNLP_CACHE", str(tmp_path))
    texts = ["Paciente con metformina y enalapril"] * 10
    choice = fallback.choose_model("PlanTL-GOB-ES/no-existe", True, texts, prefer=("scratch",))
    assert choice.fallback and choice.kind == "scratch" and "HF_HUB_OFFLINE" in choice.reason
    assert Path(choice.path).parent == tmp_path / "fallback"
    stamp = (Path(choice.path) / "config.json").stat().st_mtime_ns
    assert fallback.scratch_model(texts) == Path(choice.path)
    assert (Path(choice.path) / "config.json").stat().st_mtime_ns == stamp  # not rebuilt
    assert "using the offline fallback (scratch)" in choice.describe()


def test_a_local_folder_is_used_as_is(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert fallback.choose_model(str(tmp_path), allow_fallback=False).path == str(tmp_path)


def test_predictions_file_and_atomic_publish(tmp_path: Path) -> None:
    run = RunFolder(tmp_path)
    staging = outputs.staging_dir(run, "ner")
    outputs.checkpoints_dir(staging).mkdir()
    write_predictions(
        staging / "test_predictions.jsonl", ["d1"], [["con", "insulina"]], [["O", "B-P"]], [["O", "O"]]
    )
    with pytest.raises(ValueError, match="d2: tokens, gold and pred differ"):
        write_predictions(staging / "x.jsonl", ["d2"], [["a"]], [["O"]], [["O", "O"]])
    (staging / "x.jsonl").unlink()
    out = outputs.publish(run, staging, "ner")
    assert outputs.read_jsonl(out / "test_predictions.jsonl") == [
        {"id": "d1", "tokens": ["con", "insulina"], "gold": ["O", "B-P"], "pred": ["O", "O"]}
    ]
    assert sorted(p.name for p in run.models.iterdir()) == ["ner"]  # staging and checkpoints are gone


def test_versions_hardware_and_fingerprint() -> None:
    versions = tracking.library_versions()
    assert {"python", "torch", "transformers", "codecarbon"} <= set(versions)
    info = tracking.hardware()
    assert info["cpu_count"] >= 1 and info["accelerator"] in ("cpu", "cuda", "mps")
    assert tracking.dataset_fingerprint(tokens_dict()) == tracking.dataset_fingerprint(tokens_dict())


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "native"), [(False, False, False), (True, False, True), (False, True, True)]
)
def test_bf16_only_where_the_cpu_has_bf16_instructions(monkeypatch, avx512_bf16, amx, native) -> None:
    """Plain AVX-512 is not enough: oneDNN accepts bf16 there (the old probe said yes) but emulates it."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    assert tracking.bf16_native() is native
