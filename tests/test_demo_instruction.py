"""The demo's instruction tab: a run with `models/instruction/` gets a second tab and an `/instruct` API; its
Space carries the instruction model (merged weights, or adapter + base with peft pinned) and runs alone.

The fixture is a 1-layer Llama that knows one answer by heart (`run_factory.add_tiny_instruction_model`), so
that the highlights checked here come from the model's own greedy answer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from run_factory import (
    TINY_ANSWER,
    TINY_HUB_BASE,
    TINY_INPUT,
    TINY_INSTRUCTION,
    add_tiny_instruction_model,
    cached_tiny_run,
)

import portable.answers
import portable.errors
import portable.generate
import portable.prompts
from demo.run_config import demo_config, instruction_sources
from demo.runtime.config import DemoConfig
from demo.runtime.instruct import AUTO, Mention, locate, read_extraction
from demo.space import build_space, pins
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = [("metformina", "FARMACO"), ("insulina", "PROTEINA"), ("metformina", "FARMACO")]


def copy_run(source: RunFolder, target: Path, skip: tuple[str, ...] = ()) -> RunFolder:
    shutil.copytree(source.path, target, ignore=shutil.ignore_patterns(*skip) if skip else None)
    return RunFolder(target)


@pytest.fixture(scope="module")
def ner_run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """The NER toy run the other demo tests share: no models/instruction."""
    return cached_tiny_run(tmp_path_factory.getbasetemp() / "demo-tiny-run")


@pytest.fixture(scope="module")
def merged_run(ner_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """The toy run + an instruction model with adapter, tokenizer and merged/ (as `merge_weights=True`)."""
    run = copy_run(ner_run, tmp_path_factory.mktemp("instruction") / "run")
    return add_tiny_instruction_model(run, merged=True)


@pytest.fixture(scope="module")
def adapter_run(merged_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """The same without merged/: the base model (training.json's model_used) + the LoRA adapter."""
    return copy_run(merged_run, tmp_path_factory.mktemp("adapter") / "run", skip=("merged",))


def config_of(run: RunFolder) -> DemoConfig:
    return demo_config(run, model=str(run.model("ner").resolve()))


def front_matter(readme: Path) -> dict:
    _, header, _ = readme.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(header)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def assert_highlights_index_the_text(text: str, highlighted: list, rows: list[list]) -> None:
    """The pieces rebuild the text; each placed row's offsets point at its entity text."""
    assert "".join(piece for piece, _ in highlighted) == text
    for entity, label, start, end in rows:
        assert start is not None and text[start:end] == entity, (entity, label, start, end)
    assert [(p, label) for p, label in highlighted if label] == [(r[0], r[1]) for r in rows]


# -- reading answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pairs", "expected"),
    [
        (
            "Se pauta metformina y después metformina.",
            [("FARMACO", "metformina"), ("FARMACO", "metformina")],
            [Mention("FARMACO", "metformina", 9, 19), Mention("FARMACO", "metformina", 30, 40)],
        ),
        (  # whitespace-insensitive: the answer collapses the text's spaces and line breaks
            "insulina\n  glargina",
            [("PROTEINA", "insulina glargina")],
            [Mention("PROTEINA", "insulina\n  glargina", 0, 19)],
        ),
        (  # out of order: found from the start again; not in the text: listed without offsets
            "metformina e insulina",
            [("PROTEINA", "insulina"), ("FARMACO", "metformina"), ("FARMACO", "aspirina")],
            [
                Mention("PROTEINA", "insulina", 13, 21),
                Mention("FARMACO", "metformina", 0, 10),
                Mention("FARMACO", "aspirina"),
            ],
        ),
    ],
)
def test_mentions_are_located_in_the_text(text: str, pairs: list, expected: list[Mention]) -> None:
    mentions = locate(text, pairs)
    assert mentions == expected
    assert all(text[m.start : m.end] == m.text for m in mentions if m.start is not None)


@pytest.mark.parametrize(
    ("answer", "task", "expected"),
    [
        ("FARMACO: metformina", AUTO, [("FARMACO", "metformina")]),
        ('{"etiqueta": "FARMACO", "texto": "metformina"}', AUTO, [("FARMACO", "metformina")]),
        ("ninguna", AUTO, []),
        ("Nota: no es una extracción", AUTO, None),  # a label the run does not have
        ("FARMACO: metformina\nalgo más", AUTO, None),  # not every line reads as an entity
        ("sí", AUTO, None),
        ("FARMACO: metformina\nalgo más", "extraccion", [("FARMACO", "metformina")]),  # lenient when told
        ("FARMACO", "tipado", None),
    ],
)
def test_only_extraction_answers_are_read_as_entities(answer: str, task: str, expected: list | None) -> None:
    assert read_extraction(answer, task, ["FARMACO", "PROTEINA"]) == expected


# -- one source for prompts and answers -------------------------------------------------------------------


#: two stand-in tokenizers (no chat template; one) and the prompts of both, run here and in the Space
TOKENIZERS = """
class Plain:
    chat_template = None

class Chat:
    chat_template = "x"

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        return f"<user>{messages[0]['content']}</user><assistant>"

def prompts_of(prompt_text):
    tokenizers = (Plain(), Chat())
    texts = ("Se pautó metformina.", "")
    return [prompt_text(t, "Extraiga los fármacos.", text) for t in tokenizers for text in texts]
"""
SHARED = (
    TOKENIZERS
    + """
import json, sys
from pathlib import Path
from portable import answers, errors, generate, prompts

modules = (answers, errors, generate, prompts)
out = {
    "files": [str(Path(m.__file__).resolve()) for m in modules],
    "names": sorted({name for m in modules for name in vars(m)}),
    "extraction": [answers.parse_answer("extraccion", a) for a in json.loads(sys.argv[1])],
    "mencion": answers.parse_answer("mencion", "Sí."),
    "tipado": answers.parse_answer("tipado", "FARMACO."),
    "prompts": prompts_of(prompts.prompt_text),
}
try:
    answers.parse_answer("otra", "x")
except ValueError:
    out["otra"] = "ValueError"
print(json.dumps(out))
"""
)
SHARED_ANSWERS = ["FARMACO: a\nPROTEINA: b", "ninguna", '{"etiqueta": "X", "texto": "y"}', "basura"]


def test_the_space_copy_of_the_shared_code_behaves_like_the_workspace(
    merged_space: Path, tmp_path: Path
) -> None:
    """The Space's own `portable/` (no project on the path) prompts and reads answers as the workspace's."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-c", SHARED, json.dumps(SHARED_ANSWERS)],
        cwd=merged_space,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    copy = json.loads(result.stdout)
    workspace = (portable.answers, portable.errors, portable.generate, portable.prompts)
    assert all(Path(f).is_relative_to(merged_space.resolve()) for f in copy["files"])
    assert {"EXTRACTION_TASKS", "TASKS", "AnswerFormatError", "generate", "parse_answer"} <= set(
        copy["names"]
    )
    assert {"parse_entities", "prompt_ids", "prompt_text"} <= set(copy["names"])
    assert {n for m in workspace for n in vars(m)} == set(copy["names"])
    expected = [portable.answers.parse_answer("extraccion", a) for a in SHARED_ANSWERS]
    assert copy["extraction"] == json.loads(json.dumps(expected))
    assert copy["mencion"] is True and copy["tipado"] == "FARMACO"
    assert copy["otra"] == "ValueError"
    tokenizers: dict = {}
    exec(TOKENIZERS, tokenizers)
    assert copy["prompts"] == tokenizers["prompts_of"](portable.prompts.prompt_text)


# -- the app -----------------------------------------------------------------------------------------------


def test_merged_weights_are_preferred_else_the_base_model_and_the_adapter(
    merged_run: RunFolder, adapter_run: RunFolder
) -> None:
    assert instruction_sources(merged_run) == (
        str((merged_run.model("instruction") / "merged").resolve()),
        None,
    )
    base = json.loads((adapter_run.model("instruction") / "training.json").read_text())["model_used"]
    assert instruction_sources(adapter_run) == (base, str(adapter_run.model("instruction").resolve()))
    config = config_of(adapter_run).instruction
    assert config is not None and config.labels == ["FARMACO", "PROTEINA"]
    assert config.max_new_tokens == 32  # the training's, from training.json
    assert config.examples[0] == [TINY_INSTRUCTION, TINY_INPUT, "extraccion", TINY_ANSWER]
    assert demo_config(adapter_run, max_new_tokens=7).instruction.max_new_tokens == 7  # type: ignore[union-attr]


def tabs_and_apis(app) -> tuple[list[str], set[str]]:
    config = app.get_config_file()
    tabs = [c["props"]["label"] for c in config["components"] if c["type"] == "tabitem"]
    return tabs, {d["api_name"] for d in config["dependencies"] if d.get("api_name")}


def test_the_app_has_two_tabs_with_an_instruction_model_and_none_without(
    ner_run: RunFolder, merged_run: RunFolder
) -> None:
    from demo.runtime.app import build_app
    from demo.runtime.instruct import Instructor
    from demo.runtime.predict import Tagger

    tagger = Tagger.from_pretrained(str(ner_run.model("ner")))
    plain = config_of(ner_run)
    assert plain.instruction is None
    tabs, apis = tabs_and_apis(build_app(plain, tagger))
    assert tabs == [] and "analyze" in apis and "instruct" not in apis
    config = config_of(merged_run)
    assert config.instruction is not None
    instructor = Instructor.from_config(config.instruction, Path.cwd())  # not loaded until asked
    tabs, apis = tabs_and_apis(build_app(config, tagger, instructor))
    assert tabs == ["Entidades", "Instrucciones"] and {"analyze", "instruct"} <= apis
    assert instructor._loaded is None
    without = demo_config(merged_run, model=str(merged_run.model("ner")), instruction=False)
    assert without.instruction is None


def test_instruct_api_answers_and_highlights_the_entities_in_the_text(adapter_run: RunFolder) -> None:
    """Through gradio_client, on the app served in this process (base model + adapter applied by peft)."""
    from gradio_client import Client

    from demo.runtime.app import build_app
    from demo.runtime.instruct import Instructor
    from demo.runtime.predict import Tagger

    config = config_of(adapter_run)
    assert config.instruction is not None and config.instruction.adapter is not None
    instructor = Instructor.from_config(config.instruction, Path.cwd())
    app = build_app(config, Tagger.from_pretrained(config.model), instructor)
    app.queue().launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{app.server_port}", verbose=False)
        answer, highlighted, table, status = client.predict(
            TINY_INSTRUCTION, TINY_INPUT, api_name="/instruct"
        )
        empty = client.predict("", TINY_INPUT, "extraccion", api_name="/instruct")
    finally:
        app.close()
    assert answer == TINY_ANSWER
    pieces = [(h["token"], h["class_or_confidence"]) for h in highlighted]
    assert_highlights_index_the_text(TINY_INPUT, pieces, table["data"])
    assert [(row[0], row[1]) for row in table["data"]] == EXPECTED
    assert table["data"][2][2] > table["data"][0][2]  # the repeated mention is its second occurrence
    assert status == "Extracción: 3 entidades."
    assert empty[0] == "" and empty[1] is None and "vacío" in empty[3]


def test_questions_too_long_or_not_extractions_get_a_status(merged_run: RunFolder) -> None:
    from demo.runtime.app import instruct
    from demo.runtime.instruct import Instructor

    config = config_of(merged_run).instruction
    assert config is not None
    instructor = Instructor.from_config(config, Path.cwd())
    answer, highlighted, rows, status = instruct(instructor, config, "x" * 4000, "y", AUTO)
    assert answer == "" and highlighted is None and rows == [] and "4.001 caracteres" in status
    answer, highlighted, rows, status = instruct(instructor, config, TINY_INSTRUCTION, TINY_INPUT, "tipado")
    assert answer == TINY_ANSWER and highlighted is None and rows == []
    assert status.startswith("Respuesta leída (tipado)")


# -- the Space ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged_space(merged_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_space(
        merged_run, tmp_path_factory.mktemp("merged-space") / "space", model_repo="org/tiny-ner"
    )


@pytest.fixture(scope="module")
def adapter_space(adapter_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_space(adapter_run, tmp_path_factory.mktemp("adapter-space") / "space")


def requirement_pins(space: Path) -> dict[str, str]:
    lines = (space / "requirements.txt").read_text().splitlines()
    return dict(x.split("==") for x in lines if "==" in x and not x.startswith("#"))


def test_a_space_with_merged_weights_needs_no_peft(merged_space: Path) -> None:
    present = files(merged_space)
    assert {
        "instruction/model.safetensors",
        "instruction/config.json",
        "instruction/tokenizer.json",
    } <= present
    assert not any(p.startswith("instruction-base/") for p in present)
    assert {"ner_demo/instruct.py", "portable/prompts.py", "portable/answers.py"} <= present
    assert "peft" not in requirement_pins(merged_space)
    config = json.loads((merged_space / "demo.json").read_text())["instruction"]
    assert config["model"] == "instruction" and config["adapter"] is None
    readme = (merged_space / "README.md").read_text()
    assert 'api_name="/instruct"' in readme and "## Instrucciones" in readme
    assert front_matter(merged_space / "README.md")["models"] == ["org/tiny-ner"]  # the tuned base is local


def test_a_space_with_the_adapter_carries_the_base_and_pins_peft(adapter_space: Path) -> None:
    present = files(adapter_space)
    assert {"instruction/adapter_config.json", "instruction/adapter_model.safetensors"} <= present
    assert {"instruction/tokenizer.json", "instruction-base/model.safetensors"} <= present
    assert (
        not {"instruction/training.json", "instruction/metrics.json", "instruction/emissions.csv"} & present
    )
    assert requirement_pins(adapter_space)["peft"] == pins(("peft",))["peft"]
    project = (ROOT / "requirements.txt").read_text()
    assert f"peft=={requirement_pins(adapter_space)['peft']}" in project
    config = json.loads((adapter_space / "demo.json").read_text())["instruction"]
    assert (config["model"], config["adapter"]) == ("instruction-base", "instruction")


def test_a_hub_base_model_is_listed_in_the_readme_and_not_copied(
    adapter_run: RunFolder, tmp_path: Path
) -> None:
    run = copy_run(adapter_run, tmp_path / "run")
    training = run.model("instruction") / "training.json"
    tuned = {"model_used": TINY_HUB_BASE, "model_used_hub_id": TINY_HUB_BASE}  # as the notebook writes them
    training.write_text(json.dumps({**json.loads(training.read_text()), **tuned}))
    space = build_space(run, tmp_path / "space", model_repo="org/tiny-ner", dataset_repo="org/tiny")
    assert front_matter(space / "README.md")["models"] == ["org/tiny-ner", TINY_HUB_BASE]
    assert not (space / "instruction-base").exists()
    assert json.loads((space / "demo.json").read_text())["instruction"]["model"] == TINY_HUB_BASE
    assert "peft" in requirement_pins(space)


def test_no_instruction_leaves_the_space_as_before(merged_run: RunFolder, tmp_path: Path) -> None:
    space = build_space(merged_run, tmp_path / "space", instruction=False)
    assert not (space / "instruction").exists()
    assert json.loads((space / "demo.json").read_text())["instruction"] is None
    assert "## Instrucciones" not in (space / "README.md").read_text()


ASK = """
import json, sys
from pathlib import Path
from ner_demo.app import build_app, instruct
from ner_demo.config import DemoConfig
from ner_demo.instruct import Instructor
from ner_demo.predict import Tagger

config = DemoConfig.load(Path("demo.json"))
instructor = Instructor.from_config(config.instruction, Path("."))
build_app(config, Tagger.from_pretrained(config.model_source(Path("."))), instructor)
answer, highlighted, rows, status = instruct(instructor, config.instruction, sys.argv[1], sys.argv[2], None)
out = {"answer": answer, "highlighted": highlighted, "rows": rows, "modules": sorted(sys.modules)}
print(json.dumps(out))
"""


@pytest.mark.parametrize("kind", ["adapter", pytest.param("merged", marks=pytest.mark.slow)])
def test_the_space_app_answers_on_its_own(
    kind: str, merged_space: Path, adapter_space: Path, tmp_path: Path
) -> None:
    """In the Space folder, with no project on the path, offline: the Blocks build and the model answers."""
    space = {"merged": merged_space, "adapter": adapter_space}[kind]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "LANG": "C.UTF-8"}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    result = subprocess.run(
        [sys.executable, "-c", ASK, TINY_INSTRUCTION, TINY_INPUT],
        cwd=space,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["answer"] == TINY_ANSWER
    assert_highlights_index_the_text(TINY_INPUT, out["highlighted"], out["rows"])
    assert not {"annotate", "notebooks", "demo"} & {m.split(".")[0] for m in out["modules"]}
    assert ("peft" in out["modules"]) == (kind == "adapter")


@pytest.mark.slow
def test_the_built_space_serves_instruct_to_gradio_client(adapter_space: Path, tmp_path: Path) -> None:
    from gradio_client import Client
    from test_demo_app import clean_env, serving

    from annotate.local import processes

    port = processes.free_port()
    with serving(
        [sys.executable, "app.py"], adapter_space, clean_env(tmp_path, port), port, tmp_path / "log"
    ) as url:
        client = Client(url, verbose=False)
        answer, highlighted, table, status = client.predict(
            TINY_INSTRUCTION, TINY_INPUT, api_name="/instruct"
        )
        analyzed = client.predict(TINY_INPUT, api_name="/analyze")
    assert answer == TINY_ANSWER and status == "Extracción: 3 entidades."
    assert_highlights_index_the_text(
        TINY_INPUT, [(h["token"], h["class_or_confidence"]) for h in highlighted], table["data"]
    )
    assert "".join(h["token"] for h in analyzed[0]) == TINY_INPUT
