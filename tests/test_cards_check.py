"""`python -m cards check`: a placeholder, a missing or empty section, bad metadata and a number changed by
hand are each reported with where and what to write; the generated cards pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from run_factory import shared_run
from typer.testing import CliRunner

from cards.check.card import check_card
from cards.check.known import Known, known_from_run
from cards.cli import app
from runfolder import RunFolder

FIXTURES = Path(__file__).parent / "fixtures" / "cards"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return shared_run(tmp_path_factory, cards=True)


@pytest.fixture(scope="module")
def known(run: RunFolder) -> Known:
    return known_from_run(run.path)


def edited(run: RunFolder, tmp_path: Path, card: str, old: str, new: str, count: int = 1) -> Path:
    """A copy of `card` (e.g. "model-ner/README.md", in a folder of the same name) with `old` -> `new`."""
    source = (run.cards / card).read_text(encoding="utf-8")
    assert old in source, old
    target = tmp_path / card
    target.parent.mkdir(parents=True)
    target.write_text(source.replace(old, new, count), encoding="utf-8")
    return target


def messages(path: Path, known: Known | None = None) -> list[str]:
    return [str(gap) for gap in check_card(path, known=known)]


@pytest.mark.parametrize(
    "card", ["dataset/README.md", "dataset/README_ES.md", "model-ner/README.md", "model-ner/README_ES.md"]
)
def test_generated_cards_pass_with_and_without_the_run(run: RunFolder, known: Known, card: str) -> None:
    assert messages(run.cards / card) == []
    assert messages(run.cards / card, known) == []


def test_a_placeholder_is_reported_with_its_line(run: RunFolder, tmp_path: Path) -> None:
    path = edited(
        run, tmp_path, "dataset/README.md", "## License\n", "## License\n\n[More Information Needed]\n"
    )
    line = path.read_text().splitlines().index("[More Information Needed]") + 1
    assert messages(path) == [
        f'{path}:{line}: "[More Information Needed]" is the Hub template\'s placeholder: '
        "replace it with the fact (or remove the sentence)"
    ]


def test_a_missing_section_says_what_to_add(run: RunFolder, tmp_path: Path) -> None:
    path = edited(run, tmp_path, "model-ner/README.md", "## Environmental Impact", "## Notes")
    assert messages(path) == [
        f'{path}: missing section "environment": add "## Environmental Impact / ## Impacto ambiental" with '
        "energy and CO2eq in grams (emissions.csv), hardware, duration, region"
    ]


def test_an_empty_section_is_reported(run: RunFolder, tmp_path: Path) -> None:
    source = (run.cards / "dataset" / "README.md").read_text()
    citation = source[source.index("## Citation") : source.index("## License")]
    path = edited(run, tmp_path, "dataset/README.md", citation, "## Citation\n\n<!-- to do -->\n\n")
    line = path.read_text().splitlines().index("## Citation") + 1
    assert messages(path) == [
        f'{path}:{line}: section "Citation" is empty: write how to cite the data and its source'
    ]


def test_an_f1_changed_by_hand_fails_with_the_right_value(
    run: RunFolder, known: Known, tmp_path: Path
) -> None:
    path = edited(
        run,
        tmp_path,
        "model-ner/README.md",
        "| `FARMACO` | 0.846 | 0.917 | 0.880 | 12 |",
        "| `FARMACO` | 0.846 | 0.917 | 0.950 | 12 |",
    )
    line = path.read_text().splitlines().index("| `FARMACO` | 0.846 | 0.917 | 0.950 | 12 |") + 1
    assert messages(path) == []  # without the run, the card is complete
    assert messages(path, known) == [
        f"{path}:{line}: f1 of FARMACO (test) is 0.950 here but 0.88 in models/ner/metrics.json: write 0.880"
    ]


def test_a_spanish_number_changed_by_hand_fails(run: RunFolder, known: Known, tmp_path: Path) -> None:
    alpha = json.loads(run.agreement.read_text())["questions"]["spans"]["overall"]["alpha_u"]["value"]
    shown = f"{alpha:.3f}".replace(".", ",")
    path = edited(run, tmp_path, "dataset/README_ES.md", f"| alpha_u | {shown} |", "| alpha_u | 0,905 |")
    (gap,) = messages(path, known)
    assert gap.endswith(f"overall alpha_u is 0,905 here but {alpha:.6g} in agreement.json: write {shown}")


def test_a_number_in_the_prose_that_the_run_does_not_have(
    run: RunFolder, known: Known, tmp_path: Path
) -> None:
    path = edited(
        run, tmp_path, "model-ner/README.md", "Test F1 0.867 (validation", "Test F1 0.912 (validation"
    )
    (gap,) = messages(path, known)
    assert "0.912 does not come from the run folder (nearest: " in gap
    assert gap.endswith("write the measured value or remove the number")


def test_emissions_in_kilograms_are_caught(run: RunFolder, known: Known, tmp_path: Path) -> None:
    path = edited(run, tmp_path, "model-ner/README.md", "  emissions: 1.235\n", "  emissions: 0.00123456\n")
    (gap,) = messages(path, known)
    assert (
        "co2_eq_emissions.emissions is 0.00123456 but emissions.csv says 1.23456 g (it is the value in kg; "
        "the Hub wants grams): write 1.23456" in gap
    )


def test_a_model_index_value_changed_by_hand(run: RunFolder, known: Known, tmp_path: Path) -> None:
    path = edited(run, tmp_path, "model-ner/README.md", "      value: 0.88\n", "      value: 0.98\n")
    (gap,) = messages(path, known)
    assert "model-index test f1 (FARMACO) is 0.98 but models/ner/metrics.json says 0.8800: write 0.88" in gap


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("license: cc-by-4.0", "license: CC BY 4.0", "license 'CC BY 4.0' is not a Hub licence id"),
        ("pipeline_tag: token-classification\n", "", "metadata field 'pipeline_tag' is missing"),
        (
            "    - type: precision\n      value: 0.8667\n",
            "    - type: precision\n",
            "the Hub cannot read the metadata",
        ),
        (
            "  training_type: fine-tuning\n",
            "  training_type: training\n",
            "training_type must be fine-tuning or",
        ),
        ("language:\n- es\n", "language:\n- es\n  bad: [\n", "the YAML metadata does not parse"),
    ],
)
def test_bad_model_metadata(run: RunFolder, tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = edited(run, tmp_path, "model-ner/README.md", old, new)
    assert any(expected in message for message in messages(path)), messages(path)


def test_a_hand_written_card_from_the_hub_template_lists_every_gap(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    shutil.copy(FIXTURES / "handwritten_dataset_card.md", path)
    found = messages(path)
    for expected in [
        "metadata field 'task_categories' is missing",
        "metadata field 'size_categories' is missing",
        "metadata field 'annotations_creators' is missing",
        'missing section "personal"',
        'missing section "license"',
        'missing section "uses"',
        '"[More Information Needed]"',
        '"TODO" is a to-do marker',
        '"XX" is a placeholder number',
        '"Lorem" is placeholder text',
        '"[optional]" is a template marker',
        'section "Bias, Risks, and Limitations" is empty',
    ]:
        assert any(expected in message for message in found), (expected, found)


def test_cli_exit_codes_and_output(run: RunFolder, tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["check", str(run.cards / "dataset" / "README_ES.md")])
    assert good.exit_code == 0 and good.output == f"{run.cards / 'dataset' / 'README_ES.md'}: ok\n"
    path = tmp_path / "README.md"
    shutil.copy(FIXTURES / "handwritten_dataset_card.md", path)
    bad = runner.invoke(app, ["check", str(path)])
    assert bad.exit_code == 1
    assert bad.output.startswith(f"{path}: ") and "gaps\n  " in bad.output
    missing = runner.invoke(app, ["check", str(tmp_path / "nothing.md")])
    assert missing.exit_code == 1 and "no such card or folder" in str(missing.exception)


def test_cited_years_are_not_numbers_of_the_run(run: RunFolder, known: Known, tmp_path: Path) -> None:
    path = edited(
        run,
        tmp_path,
        "dataset/README.md",
        "### Label balance\n",
        "### Label balance\n\nAs in Krippendorff (2004) and (Gonzalez-Agirre et al., 2019).\n",
    )
    assert messages(path, known) == []
