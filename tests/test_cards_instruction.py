"""The card of an instruction model (`models/instruction/`, LoRA adapters), in English (README.md) and
Spanish (README_ES.md): Hub metadata read back by huggingface_hub, model-index equal to metrics.json, co2
equal to emissions.csv, the fallback said loudly, the same numbers in both languages, and `cards check`
passing on both cards and naming the file a number was changed against."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from run_factory import (
    INSTRUCTION_BASE,
    INSTRUCTION_FALLBACK_HUB_ID,
    build_run,
    copy_run,
    shared_run,
    write_instruction_model,
)
from typer.testing import CliRunner

from cards.check.card import check_card
from cards.check.known import Known, known_from_run
from cards.cli import app
from cards.write.build import BuildResult, build_cards
from cards.write.model_card import instruction_results
from runfolder import Metrics, RunFolder

CARD = "model-instruction/README.md"
CARD_ES = "model-instruction/README_ES.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, Metrics, BuildResult]:
    run = build_run(tmp_path_factory.mktemp("cards-instruction") / "demo")
    metrics = write_instruction_model(run)
    return run, metrics, build_cards(run.path)


@pytest.fixture(scope="module")
def run(built) -> RunFolder:
    return built[0]


@pytest.fixture(scope="module")
def metrics(built) -> Metrics:
    return built[1]


@pytest.fixture(scope="module")
def fallback(run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, BuildResult]:
    copy = copy_run(run, tmp_path_factory.mktemp("cards-fallback") / "demo")
    write_instruction_model(copy, fallback=True, merged=True)
    return copy, build_cards(copy.path)


@pytest.fixture(scope="module")
def known(run: RunFolder) -> Known:
    return known_from_run(run.path)


def card_data(path: Path):
    from huggingface_hub import ModelCard

    return ModelCard.load(path).data


def test_the_card_is_written_in_english_and_spanish_with_the_run_plots(run: RunFolder, built) -> None:
    folder = run.cards / "model-instruction"
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.md",
        "README_ES.md",
        "learning_curve.png",
        "scores_per_task.png",
    ]
    assert folder / "README.md" in built[2].cards and folder / "README_ES.md" in built[2].cards
    assert built[2].warnings == []


def test_each_dataset_card_links_the_instruction_card_in_its_language(run: RunFolder) -> None:
    english = (run.cards / "dataset" / "README.md").read_text()
    spanish = (run.cards / "dataset" / "README_ES.md").read_text()
    assert "](../model-instruction/README.md)" in english
    assert "](../model-instruction/README_ES.md)" in spanish
    assert "](../model-instruction/README.md)" not in spanish
    assert "[ficha del conjunto](../dataset/README_ES.md)" in (run.cards / CARD_ES).read_text()
    assert "[dataset card](../dataset/README.md)" in (run.cards / CARD).read_text()


def test_the_metadata_is_what_the_hub_reads(run: RunFolder) -> None:
    data = card_data(run.cards / CARD)
    assert data.license == "cc-by-4.0"
    assert data.language == ["es"]
    assert data.base_model == INSTRUCTION_BASE
    assert data.datasets == [run.path.name]
    assert data.pipeline_tag == "text-generation"
    assert data.library_name == "peft"
    assert {"peft", "lora"} <= set(data.tags)
    assert data.model_name == f"{run.path.name}-instruction"


def expected_value(metrics: Metrics, metric: str, config: str | None) -> float:
    scores = metrics.per_task[config] if config else metrics.test
    return (
        getattr(scores.overall, metric) if metric in ("precision", "recall", "f1") else scores.extra[metric]
    )


def test_the_model_index_is_metrics_json(run: RunFolder, metrics: Metrics) -> None:
    results = card_data(run.cards / CARD).eval_results
    found = {(r.metric_type, r.metric_config): r.metric_value for r in results}
    assert {r.dataset_split for r in results} == {"test"}
    assert {config for _, config in found} == {None, *metrics.per_task}
    assert found[("f1", None)] == round(metrics.test.overall.f1, 4)
    assert found[("exact_match", None)] == round(metrics.test.extra["exact_match"], 4)
    for (metric, config), value in found.items():
        assert value == round(expected_value(metrics, metric, config), 4), (metric, config)
    assert ("f1", "extraccion") in found and ("accuracy", "mencion") in found
    assert ("f1", "mencion") not in found  # entity F1 only where it applies


def test_co2_is_emissions_csv_in_grams(run: RunFolder) -> None:
    with (run.model("instruction") / "emissions.csv").open(encoding="utf-8", newline="") as handle:
        kg = float(next(csv.DictReader(handle))["emissions"])
    co2 = card_data(run.cards / CARD).co2_eq_emissions
    assert co2["emissions"] == pytest.approx(kg * 1000, rel=5e-4)
    assert co2["source"] == "codecarbon" and co2["training_type"] == "fine-tuning"
    assert f"{kg * 1000:.3g} g CO2eq" in (run.cards / CARD).read_text()
    assert f"{kg * 1000:.3g} g de CO2eq".replace(".", ",") in (run.cards / CARD_ES).read_text()


def test_the_card_shows_the_training_data_lora_scores_and_loading(run: RunFolder, metrics: Metrics) -> None:
    text = (run.cards / CARD).read_text()
    assert "| task | templates | train | validation | test | all |" in text
    assert "- **Adapters:** rank 16, alpha 32, dropout 0.05, on `query_key_value`" in text
    for name, scores in metrics.per_task.items():
        assert f"| `{name}` | {int(scores.extra['samples'])} | {scores.extra['exact_match']:.3f} |" in text
    assert "PeftModel.from_pretrained(base, " in text
    assert f'AutoModelForCausalLM.from_pretrained("{INSTRUCTION_BASE}")' in text
    assert 'subfolder="merged"' not in text and "fallback" not in text.lower()
    assert "## Environmental Impact" in text and "## Bias, Risks, and Limitations" in text


def es(value: float) -> str:
    """A score as the Spanish card prints it (3 decimals, decimal comma)."""
    return f"{value:.3f}".replace(".", ",")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ") or line.startswith("### ")]


def test_the_spanish_card_has_the_metadata_of_the_english_one(run: RunFolder) -> None:
    assert card_data(run.cards / CARD_ES).to_dict() == card_data(run.cards / CARD).to_dict()


def test_the_spanish_card_states_the_same_scores(run: RunFolder, metrics: Metrics) -> None:
    text = (run.cards / CARD_ES).read_text()
    test = metrics.test
    f1, precision, recall = test.overall.f1, test.overall.precision, test.overall.recall
    exact, rouge = test.extra["exact_match"], test.extra["rouge_l"]
    assert (
        f"el F1 de entidades de las respuestas de extracción es {es(f1)} (precisión {es(precision)}, "
        f"exhaustividad {es(recall)}), la coincidencia exacta es {es(exact)} y el ROUGE-L, {es(rouge)}."
    ) in text
    samples = int(test.extra["samples"])
    row = f"| test | {samples} | {es(exact)} | {es(rouge)} | {es(f1)} | {es(precision)} | {es(recall)} |"
    assert row in text
    assert f"F1 de entidades en test {es(f1)}; coincidencia exacta {es(exact)}; ROUGE-L {es(rouge)}." in text
    for name, scores in metrics.per_task.items():
        samples = int(scores.extra["samples"])
        assert (
            f"| `{name}` | {samples} | {es(scores.extra['exact_match'])} | {es(scores.extra['rouge_l'])} |"
            in text
        )
    # every row about a task, template or label (samples, scores) is the English row in Spanish numbers
    english = (run.cards / CARD).read_text()
    rows = [line for line in english.splitlines() if line.startswith("| `")]
    assert len(rows) > len(metrics.per_task)
    assert [line for line in text.splitlines() if line.startswith("| `")] == [
        r.replace(".", ",") for r in rows
    ]


def test_the_spanish_card_is_in_spanish_with_the_sections_of_the_ner_one(run: RunFolder) -> None:
    from notebooks.instruct.metrics import SCHEME_F1

    text = (run.cards / CARD_ES).read_text()
    assert text.startswith("---\n") and f"# Ficha del modelo {run.path.name}-instruction" in text
    assert headings(text) == headings((run.cards / "model-ner" / "README_ES.md").read_text())
    assert "| tarea | plantillas | train | validation | test | todas |" in text
    assert "- **Adaptadores:** rango 16, alfa 32, dropout 0,05, en `query_key_value`" in text
    assert "(prompt de texto plano; decodificación: voraz)" in text
    assert "Puntuación principal: F1 de entidades de las respuestas analizadas" in text
    assert "No medido: las puntuaciones de entidades por grupo necesitan predicciones" in text
    assert "- **Texto generado.**" in text and "(seguimiento de toda la máquina," in text
    assert "compruébela con `python -m cards check README_ES.md" in text
    assert "La versión en inglés está en `README.md`." in text
    for english in (
        "## Model Details",
        "## Uses",
        "## Training Details",
        "## Evaluation",
        "## Bias, Risks, and Limitations",
        "## Environmental Impact",
        "## Citation",
        "## More Information",
        "Not measured",
        "per-group entity scores",
        "Per task and template",
        SCHEME_F1,
        "plain prompt;",
        "greedy decoding",
        "Generated text",
    ):
        assert english not in text, english
    assert "reserva" not in text  # no fallback
    assert "A Spanish version is in `README_ES.md`." in (run.cards / CARD).read_text()


def test_the_spanish_card_keeps_the_code_examples(run: RunFolder) -> None:
    spanish = code_blocks((run.cards / CARD_ES).read_text())
    assert spanish == code_blocks((run.cards / CARD).read_text())
    assert len(spanish) == 2 and "PeftModel.from_pretrained(base, " in spanish[0]
    assert f'AutoModelForCausalLM.from_pretrained("{INSTRUCTION_BASE}")' in spanish[0]


def test_a_fallback_is_said_loudly_and_is_not_the_base_model(fallback) -> None:
    run, result = fallback
    text = (run.cards / CARD).read_text()
    assert f"> **Warning: fallback model, not `{INSTRUCTION_BASE}`.**" in text
    assert "- **Fallback base model.** Training asked for" in text
    # the adapter sits on the fallback's weights (a copy of a Hub model), never on the model asked for
    assert card_data(run.cards / CARD).base_model == INSTRUCTION_FALLBACK_HUB_ID
    # the card says it must not be published, so a missing base_model is not a gap of `cards check`
    assert not [w for w in result.warnings if "model-instruction" in w]
    checked = CliRunner().invoke(app, ["check", str(run.cards / "model-instruction"), "--run", str(run.path)])
    assert checked.exit_code == 0, checked.output
    # built locally, the card loads the model from the run folder (no Hub id that resolves to nothing)
    assert 'from_pretrained("runs/demo/models/instruction", subfolder="merged")' in text
    assert "/root/" not in text and "offline)" not in text  # no folder of the machine, no exception text
    assert f"{run.cards / CARD_ES}: ok" in checked.output


def test_the_spanish_card_says_the_fallback_loudly_too(fallback) -> None:
    run, _ = fallback
    text = (run.cards / CARD_ES).read_text()
    assert f"> **Aviso: modelo de reserva, no `{INSTRUCTION_BASE}`.**" in text
    assert "que no se pudo cargar (el Hub no era accesible)" in text
    assert "the Hub is not reachable" not in text
    assert "No publique ni use este modelo" in text
    assert "- **Modelo base de reserva.** El entrenamiento pidió" in text
    assert card_data(run.cards / CARD_ES).base_model == INSTRUCTION_FALLBACK_HUB_ID
    assert (
        check_card(run.cards / CARD_ES, run=run.path) == []
    )  # the Spanish warning counts as the English one
    blocks = code_blocks(text)
    # merged/, then the adapter on the Hub model the fallback's weights are a copy of
    assert blocks == code_blocks((run.cards / CARD).read_text()) and len(blocks) == 3
    assert 'from_pretrained("runs/demo/models/instruction", subfolder="merged")' in blocks[0]
    assert f'AutoModelForCausalLM.from_pretrained("{INSTRUCTION_FALLBACK_HUB_ID}")' in blocks[1]


def test_cards_check_passes_on_the_run(run: RunFolder) -> None:
    result = CliRunner().invoke(app, ["check", str(run.cards), "--run", str(run.path)])
    assert result.exit_code == 0, result.output
    assert f"{run.cards / CARD}: ok" in result.output
    assert f"{run.cards / CARD_ES}: ok" in result.output
    assert check_card(run.cards / CARD_ES, run=run.path) == []


def edit_line(text: str, starts: str, cell: int, value: str) -> str:
    """`text` with cell `cell` of the table row starting with `starts` set to `value`."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(starts))
    cells = lines[index].split("|")
    cells[cell] = f" {value} "
    lines[index] = "|".join(cells)
    return "\n".join(lines) + "\n"


def edit_yaml(text: str, name: str, value: str) -> str:
    """`text` with the model-index metric named `name` given `value`."""
    lines = text.splitlines()
    index = lines.index(f"      name: {name}")
    lines[index - 1] = f"      value: {value}"
    return "\n".join(lines) + "\n"


TAMPERED = [
    (
        lambda t: edit_line(t, "| `mencion/mencion-si-no` |", 4, "0.123"),
        "rouge_l of mencion/mencion-si-no (test) is 0.123 here but 0.8 in models/instruction/metrics.json",
    ),
    (
        lambda t: edit_line(t, "| test | ", 5, "0.512"),
        "f1 of test overall is 0.512 here but 0.967742 in models/instruction/metrics.json",
    ),
    (
        lambda t: edit_line(t, "| all | |", 3, "87"),
        "train of samples of all is 87 here but 86 in dataset/instruction: write 86",
    ),
    (
        lambda t: edit_yaml(t, "test exact_match (tipado)", "0.9"),
        "model-index test exact_match (tipado) is 0.9 but models/instruction/metrics.json says 0.6667",
    ),
    (
        lambda t: t.replace("  emissions: 2.346\n", "  emissions: 3.5\n"),
        "co2_eq_emissions.emissions is 3.5 but emissions.csv says 2.34567 g",
    ),
]


TAMPERED_ES = [
    (
        lambda t: edit_line(t, "| `mencion/mencion-si-no` |", 4, "0,123"),
        "rouge_l of mencion/mencion-si-no (test) is 0,123 here but 0.8 in models/instruction/metrics.json: "
        "write 0,800",
    ),
    (
        lambda t: edit_line(t, "| test | ", 5, "0,512"),
        "f1 of test overall is 0,512 here but 0.967742 in models/instruction/metrics.json: write 0,968",
    ),
    (
        lambda t: edit_line(t, "| todas | |", 3, "87"),
        "train of samples of all is 87 here but 86 in dataset/instruction: write 86",
    ),
    (
        lambda t: re.sub(r"(; coincidencia exacta )[\d,]+;", r"\g<1>0,9876;", t),
        "0,9876 does not come from the run folder",
    ),
    (
        lambda t: edit_yaml(t, "test exact_match (tipado)", "0.9"),
        "model-index test exact_match (tipado) is 0.9 but models/instruction/metrics.json says 0.6667",
    ),
    (
        lambda t: t.replace("  emissions: 2.346\n", "  emissions: 3.5\n"),
        "co2_eq_emissions.emissions is 3.5 but emissions.csv says 2.34567 g",
    ),
]


@pytest.mark.parametrize(
    ("card", "edit", "message"),
    [(CARD, *case) for case in TAMPERED] + [(CARD_ES, *case) for case in TAMPERED_ES],
    ids=[f"en-{n}" for n in ("task", "overall", "samples", "index", "co2")]
    + [f"es-{n}" for n in ("task", "overall", "samples", "summary", "index", "co2")],
)
def test_a_tampered_number_is_reported_with_its_file(
    run: RunFolder, known: Known, tmp_path: Path, card: str, edit, message: str
) -> None:
    path = tmp_path / card
    path.parent.mkdir(parents=True)
    source = (run.cards / card).read_text()
    path.write_text(edit(source), encoding="utf-8")
    assert path.read_text() != source
    gaps = [str(g) for g in check_card(path, known=known)]
    assert any(message in g and g.startswith(str(path)) for g in gaps), gaps


@pytest.mark.parametrize(("card", "value"), [(CARD, "0.999"), (CARD_ES, "0,999")], ids=["en", "es"])
def test_the_cli_fails_on_a_tampered_card(run: RunFolder, tmp_path: Path, card: str, value: str) -> None:
    path = tmp_path / card
    path.parent.mkdir(parents=True)
    path.write_text(edit_line((run.cards / card).read_text(), "| `tipado/tipado-entidad` |", 3, value))
    result = CliRunner().invoke(app, ["check", str(path), "--run", str(run.path)])
    assert result.exit_code == 1
    message = f"exact_match of tipado/tipado-entidad (test) is {value} here but 0.666667 in "
    assert message + "models/instruction/metrics.json" in result.output


def test_a_test_split_without_extraction_is_scored_by_rouge_l() -> None:
    from notebooks.instruct.metrics import SCHEME_ROUGE, score

    metrics = score(["mencion", "mencion"], ["si-no", "si-no"], ["sí", "no"], ["sí", "sí"], model="m")
    assert metrics.scheme == SCHEME_ROUGE
    overall = {metric: value for _, metric, value, config in instruction_results(metrics) if config is None}
    assert overall == {"accuracy": 0.5, "exact_match": 0.5, "rouge_l": 0.5}


def test_without_an_instruction_model_there_is_no_instruction_card(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run = shared_run(tmp_path_factory, cards=True)
    assert sorted(p.name for p in run.cards.iterdir()) == ["dataset", "model-ner"]
