"""`make quickstart`: the whole journey on the sample corpus (or CORPUS=...), one stage after another.

    local Argilla -> load (gold suggestions, 3 submissions per record) -> team -> simulate 3 annotators
    -> adjudicate -> export -> remix (instructions) -> train NER -> suggest (next round) -> train LLM
    (quick) -> cards -> Space -> demo

The model in the loop, once: the simulated annotators answer every record of the first dataset, so the
round that follows is the corpus loaded again as DATASET-ronda-2 (no gold suggestions, nobody's answers
yet, its own run folder beside RUN), where `annotate suggest` has the first NER model pre-annotate the
pending records, most uncertain first in everyone's queue; the summary says where the suggestions went.

Each stage is the same command a team runs by hand (printed before it runs), so any stage can be re-run
alone from the run folder. The local Argilla and the demo are owned here: Ctrl-C stops both. With an
Argilla already configured (ARGILLA_API_URL + ARGILLA_API_KEY) that one is used instead of a local one.
Environment: CORPUS, FORMAT, RUN (default runs/quickstart), NO_SIMULATE=1 (stop after the team is made,
for people to annotate; go on with `make dataset`, `make train`, `make cards`, `make demo`),
QUICKSTART_EXIT=1 (leave once everything is written), ARGILLA_HOME (default .argilla), ARGILLA_PORT,
DEMO_PORT.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from annotate.errors import QuickstartError
from annotate.local.processes import free_port, http_ok
from annotate.local.serve import LocalArgilla, ServeOptions
from runfolder import RunFolder

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "annotate" / "sample"


@dataclass
class Journey:
    corpus: Path
    format: str
    run: Path
    dataset: str
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    suggested: str | None = None  # what `annotate suggest` said it did (its last line)

    def step(self, name: str, argv: list[str], capture: bool = False) -> str:
        """Run one stage's command, showing it; a failure ends the journey with the stage named. With
        `capture`, its standard output is printed once it ends and returned."""
        print(f"\n== {name}: {' '.join(argv)}", flush=True)
        started = time.monotonic()
        result = subprocess.run(
            argv, cwd=ROOT, env=self.env, stdout=subprocess.PIPE if capture else None, text=True
        )
        self.timings[name] = time.monotonic() - started
        if capture:
            print(result.stdout, end="", flush=True)
        if result.returncode != 0:
            raise QuickstartError(
                f"the quickstart stopped at stage '{name}' (exit code {result.returncode}); "
                f"fix what it printed above and re-run `make quickstart` or that stage alone"
            )
        return result.stdout or ""

    @property
    def next_round(self) -> str:
        """The dataset of the round after the simulated one (in the same workspace)."""
        return f"{self.dataset}-ronda-2"


def sample_options(corpus: Path) -> list[str]:
    if corpus.resolve() != (SAMPLE / "brat").resolve():
        return ["--source", corpus.name]
    return [
        "--licence",
        "CC-BY-4.0",
        "--source",
        "Somos NLP workspace sample (synthetic)",
        "--pretty-name",
        "Casos clínicos sintéticos (muestra)",
        "--domain",
        "clinical case snippets",
        "--synthetic",
        "--country",
        "ES",
    ]


def load_argv(journey: Journey, dataset: str, run: Path, extra: list[str] | None = None) -> list[str]:
    """`annotate load` of the journey's corpus into `dataset` (in the journey's workspace), 3 answers each."""
    return [
        sys.executable,
        "-m",
        "annotate",
        "load",
        "--corpus",
        str(journey.corpus),
        "--format",
        journey.format,
        "--dataset",
        dataset,
        "--workspace",
        journey.dataset,
        *(extra or []),
        "--min-submitted",
        "3",
        "--run",
        str(run),
        "--skip-invalid",
        *sample_options(journey.corpus),
    ]


def annotation_stages(journey: Journey, simulate: bool) -> None:
    py, run = sys.executable, str(journey.run)
    journey.step("load", load_argv(journey, journey.dataset, journey.run, ["--suggestions", "gold"]))
    journey.step(
        "team",
        [
            py,
            "-m",
            "annotate",
            "team",
            "--file",
            str(SAMPLE / "equipo.csv"),
            "--workspace",
            journey.dataset,
            "--secrets-file",
            str(journey.run / "team-passwords.csv"),
        ],
    )
    if not simulate:
        return
    journey.step(
        "simulate",
        [
            py,
            "-m",
            "annotate",
            "simulate",
            "--dataset",
            journey.dataset,
            "--workspace",
            journey.dataset,
            "--annotators",
            "3",
            "--noise",
            "0.1",
            "--seed",
            "13",
        ],
    )
    journey.step(
        "adjudicate",
        [py, "-m", "annotate", "adjudicate", "--dataset", journey.dataset, "--workspace", journey.dataset],
    )
    journey.step(
        "export",
        [
            py,
            "-m",
            "annotate",
            "export",
            "--dataset",
            journey.dataset,
            "--workspace",
            journey.dataset,
            "--run",
            run,
        ],
    )


def model_stages(journey: Journey) -> None:
    py, run = sys.executable, str(journey.run)
    journey.step("remix", [py, "-m", "annotate", "remix", "--run", run])
    journey.step("train NER", ["make", "--no-print-directory", "train", f"RUN={run}", "QUICK=1", f"PY={py}"])
    suggest_stages(journey)
    journey.step(
        "train LLM",
        ["make", "--no-print-directory", "train-instruct", f"RUN={run}", "QUICK=1", f"PY={py}"],
    )
    journey.step("cards", [py, "-m", "cards", "build", "--run", run])
    journey.step("space", [py, "-m", "demo", "space", "--run", run])


def suggest_stages(journey: Journey) -> None:
    """The next round: the corpus again, without gold suggestions, pre-annotated by the first NER model."""
    py, dataset, workspace = sys.executable, journey.next_round, journey.dataset
    journey.step("load next round", load_argv(journey, dataset, journey.run.parent / dataset))
    said = journey.step(
        "suggest",
        [
            py,
            "-m",
            "annotate",
            "suggest",
            "--run",
            str(journey.run),
            "--dataset",
            dataset,
            "--workspace",
            workspace,
            "--records",
            "pending",
            "--order",
            "uncertainty",
        ],
        capture=True,
    )
    lines = [line for line in said.splitlines() if line.startswith("suggested on ")]
    journey.suggested = lines[-1] if lines else None


def start_demo(journey: Journey, port: int) -> subprocess.Popen:
    print(f"\n== demo: {sys.executable} -m demo --run {journey.run} --port {port}", flush=True)
    demo = subprocess.Popen(
        [sys.executable, "-m", "demo", "--run", str(journey.run), "--port", str(port)],
        cwd=ROOT,
        env=journey.env,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and demo.poll() is None:
        if http_ok(f"http://127.0.0.1:{port}/"):
            return demo
        time.sleep(1)
    demo.kill()
    raise QuickstartError(
        f"the demo did not answer on port {port}; run `make demo RUN={journey.run}` to see why"
    )


def summary(journey: Journey, argilla_url: str, login: str, demo_url: str | None) -> str:
    """Every artifact with its path, where to log in, and the headline numbers read from the run folder."""
    run = RunFolder(journey.run)
    lines = [f"\nThe journey is written in {run.path}/:"]
    for path in sorted(p for p in run.path.rglob("*") if p.is_file() and p.parent in _listed(run)):
        lines.append(f"  {path.relative_to(run.path.parent)}")
    lines += [f"Argilla: {argilla_url}  {login}"]
    if demo_url:
        lines.append(f"Demo: {demo_url}")
    if run.agreement.exists():
        overall = json.loads(run.agreement.read_text())["questions"]["entidades"]["overall"]
        lines.append(
            "Agreement: "
            + ", ".join(f"{k} {v['value']:.3f}" for k, v in overall.items() if v.get("value") is not None)
        )
    for task, name in (("ner", "NER"), ("instruction", "LLM (LoRA)")):
        lines += model_lines(run.model(task), name)
    if journey.suggested:
        lines.append(f"Suggestions (next round, workspace {journey.dataset!r}): {journey.suggested}")
    slowest = max(journey.timings, key=lambda stage: journey.timings[stage])
    lines.append(
        "Stage times: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in journey.timings.items())
        + f" (slowest: {slowest})"
    )
    return "\n".join(lines)


def model_lines(folder: Path, name: str) -> list[str]:
    """The test score and the training emissions of one model folder, as measured (nothing when absent)."""
    lines = []
    metrics = folder / "metrics.json"
    if metrics.exists():
        data = json.loads(metrics.read_text())
        test = data["test"]["overall"]
        lines.append(
            f"{name} test F1 {test['f1']:.3f} (precision {test['precision']:.3f}, recall "
            f"{test['recall']:.3f}; {data.get('scheme') or 'entity level'})"
        )
        if data.get("before"):
            before, after = data["before"]["test"], data["test"]
            lines.append(
                f"{name} before tuning ({data['before']['model']}, zero-shot, same test samples): "
                f"F1 {before['overall']['f1']:.3f}, exact match {before['extra']['exact_match']:.3f} "
                f"(after: {after['extra']['exact_match']:.3f})"
            )
    emissions = folder / "emissions.csv"
    if emissions.exists():
        row = list(csv.DictReader(emissions.open()))[-1]
        lines.append(
            f"{name} training emissions {float(row['emissions']) * 1000:.3f} g CO2eq, "
            f"energy {float(row['energy_consumed']) * 1000:.3f} Wh"
        )
    return lines


def _listed(run) -> set[Path]:
    """Folders whose files the summary lists (not every shard of every dataset)."""
    return {
        run.path,
        run.model("ner"),
        run.model("ner") / "plots",
        run.model("instruction"),
        run.model("instruction") / "plots",
        run.cards / "dataset",
        run.cards / "model-ner",
        run.cards / "model-instruction",
        run.space,
    }


def main() -> None:
    corpus = Path(os.environ.get("CORPUS") or SAMPLE / "brat")
    run = Path(os.environ.get("RUN") or "runs/quickstart")
    journey = Journey(
        corpus, os.environ.get("FORMAT") or "auto", run, run.name.replace("_", "-").lower(), dict(os.environ)
    )
    simulate, leave = os.environ.get("NO_SIMULATE") != "1", os.environ.get("QUICKSTART_EXIT") == "1"
    argilla, demo = None, None
    try:
        if os.environ.get("ARGILLA_API_URL") and os.environ.get("ARGILLA_API_KEY"):
            url, login = os.environ["ARGILLA_API_URL"], "(your Argilla; log in as usual)"
        else:
            started = time.monotonic()
            home = Path(os.environ.get("ARGILLA_HOME") or ".argilla")
            print(f"== local Argilla: python -m annotate serve --home {home}", flush=True)
            argilla = LocalArgilla(ServeOptions(home=home, port=int(os.environ.get("ARGILLA_PORT") or 6900)))
            argilla.start()
            journey.timings["argilla"] = time.monotonic() - started
            creds = argilla.credentials
            assert creds is not None, "start() sets the credentials"
            url, login = argilla.url, f"login {creds.username} / {creds.password}"
            journey.env.update(ARGILLA_API_URL=argilla.url, ARGILLA_API_KEY=argilla.api_key)
        annotation_stages(journey, simulate)
        if not simulate:
            print(
                f"\nThe project {journey.dataset!r} is ready for people at {url} ({login});\n"
                f"team passwords are in {run / 'team-passwords.csv'}.\n"
                f"When they are done: make dataset train cards demo RUN={run}"
            )
            return
        model_stages(journey)
        demo_url = None
        if not leave:
            port = int(os.environ.get("DEMO_PORT") or free_port())
            demo, demo_url = start_demo(journey, port), f"http://127.0.0.1:{port}"
        print(summary(journey, url, login, demo_url), flush=True)
        if not leave:
            print("\nCtrl-C stops Argilla and the demo.", flush=True)
            while demo is not None and demo.poll() is None:
                if argilla is not None and argilla.dead_child() is not None:
                    break
                time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        if demo is not None and demo.poll() is None:
            demo.terminate()
            demo.wait(30)
        if argilla is not None:
            argilla.stop()
