"""The NER notebook's model-dependent parameters (`notebooks.ner.defaults`): the asked model takes the
notebook's values, the packaged fallback the values measured by `bench/train.py --sweep`, the user's
values always win; and the notebook leaves those parameters unset, so that the resolution decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebooks.common.fallback import PACKAGED_HUB_ID, ModelChoice
from notebooks.ner.defaults import FALLBACK_DEFAULTS_FILES, NOTEBOOK_DEFAULTS, ROOT, training_parameters

UNSET = dict.fromkeys(NOTEBOOK_DEFAULTS)
ASKED = ModelChoice(asked="PlanTL-GOB-ES/bsc-bio-ehr-es", path="PlanTL-GOB-ES/bsc-bio-ehr-es")
PACKAGED = ModelChoice(
    asked="PlanTL-GOB-ES/bsc-bio-ehr-es", path="/somewhere/model", fallback=True, kind="packaged", reason="x"
)
SCRATCH = ModelChoice(
    asked="PlanTL-GOB-ES/bsc-bio-ehr-es",
    path="/cache/scratch-bert",
    fallback=True,
    kind="scratch",
    reason="x",
)


def measured() -> dict:
    return json.loads((ROOT / FALLBACK_DEFAULTS_FILES["packaged"]).read_text(encoding="utf-8"))


def test_a_fallback_run_without_parameters_takes_the_fallbacks_measured_values() -> None:
    values, sources, used = training_parameters(UNSET, PACKAGED)
    fallback = measured()["values"]
    assert used == "notebooks/ner/fallback_defaults.json"
    assert values == {**NOTEBOOK_DEFAULTS, **fallback}
    assert {sources[name] for name in fallback} == {"fallback"}
    assert {"learning_rate", "epochs"} <= set(fallback), "the sweep measures learning rate x epochs"


def test_parameters_the_user_set_win_over_the_fallback() -> None:
    given = {**UNSET, "learning_rate": 3e-5, "epochs": 7}
    values, sources, used = training_parameters(given, PACKAGED)
    assert (values["learning_rate"], values["epochs"]) == (3e-5, 7)
    assert sources["learning_rate"] == sources["epochs"] == "user"
    assert sources["max_length"] == "fallback" and used == FALLBACK_DEFAULTS_FILES["packaged"]


@pytest.mark.parametrize("choice", [ASKED, SCRATCH], ids=["asked model", "scratch fallback, not swept"])
def test_the_asked_model_and_an_unmeasured_fallback_take_the_notebooks_values(choice: ModelChoice) -> None:
    values, sources, used = training_parameters({**UNSET, "batch_size": 4}, choice)
    assert values == {**NOTEBOOK_DEFAULTS, "batch_size": 4} and used is None
    assert sources == {**dict.fromkeys(NOTEBOOK_DEFAULTS, "default"), "batch_size": "user"}


def test_the_measured_values_are_the_best_validation_row_of_the_sweep_they_come_with() -> None:
    data = measured()
    assert data["model"] == PACKAGED_HUB_ID and data["fallback_kind"] == "packaged"
    assert set(data["values"]) <= set(NOTEBOOK_DEFAULTS)
    assert (
        data["measured_by"].startswith(".venv/bin/python bench/train.py ")
        and "--sweep" in data["measured_by"]
    )
    assert data["subset"]["documents"]["train"] > 0 and data["measured_at"]
    # the best validation F1; fewer epochs, then the lower learning rate, on a tie
    best = max(data["sweep"], key=lambda r: (r["validation_f1"], -r["epochs"], -r["learning_rate"]))
    assert (data["values"]["learning_rate"], data["values"]["epochs"]) == (
        best["learning_rate"],
        best["epochs"],
    )
    assert len({row["learning_rate"] for row in data["sweep"]}) >= 2 and all(
        0 <= row["test_f1"] <= 1 and row["wall_s"] > 0 for row in data["sweep"]
    )


def test_the_notebook_leaves_the_model_dependent_parameters_unset() -> None:
    notebook = json.loads((ROOT / "notebooks" / "finetune_ner.ipynb").read_text(encoding="utf-8"))
    (cell,) = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assigned: dict = {}
    exec("".join(cell["source"]), {}, assigned)  # the parameters cell: plain assignments
    assert {name: assigned[name] for name in NOTEBOOK_DEFAULTS} == UNSET
    assert Path(ROOT / FALLBACK_DEFAULTS_FILES["packaged"]).exists()
