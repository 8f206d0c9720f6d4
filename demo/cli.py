"""`python -m demo`: try the model in a browser, build its Space, publish the run on the Hub.

Known errors (`DemoError`, and the run folder's `RunFolderError`) end as one line on stderr and exit
code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from demo.argilla_space import build_argilla_space
from demo.errors import DemoError
from demo.launch import launch as launch_demo
from demo.publish import publish as publish_run
from demo.space import build_space
from runfolder import RunFolder, RunFolderError

app = typer.Typer(
    help="The NER model in a browser (Gradio), its Space, and the dataset/model/Space repos on the Hub.",
    add_completion=False,
    pretty_exceptions_enable=False,
)

Run = Annotated[Path, typer.Option("--run", help="The run folder, e.g. runs/demo.")]
OptionalRun = Annotated[Path | None, typer.Option("--run", help="The run folder, e.g. runs/demo.")]
InstructionTab = Annotated[
    bool, typer.Option(help="The instruction tab, when the run has models/instruction/ (an LLM: memory).")
]
MaxNewTokens = Annotated[
    int | None,
    typer.Option(
        help="Longest answer of the instruction tab, in tokens (default: the training's, else 128)."
    ),
]


@app.callback(invoke_without_command=True)
def launch(
    ctx: typer.Context,
    run: OptionalRun = None,
    model: Annotated[
        str | None, typer.Option(help="A model folder or hub id (default: the run's models/ner).")
    ] = None,
    port: Annotated[int, typer.Option(help="Port of the app.")] = 7860,
    host: Annotated[str, typer.Option(help="Interface to bind (0.0.0.0: your network).")] = "127.0.0.1",
    instruction: InstructionTab = True,
    max_new_tokens: MaxNewTokens = None,
) -> None:
    """Serve the NER demo at http://HOST:PORT until Ctrl-C (without a command).

    With --run: the run's model, its test F1 and emissions, examples from its test split; and when the run
    has models/instruction/, a second tab that asks the instruction-tuned LLM (API /instruct).
    With --model only: just the model.

    Example: python -m demo --run runs/demo --port 7860
    """
    if ctx.invoked_subcommand is not None:
        return
    if run is None and model is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    launch_demo(
        RunFolder(run) if run is not None else None,
        model,
        host=host,
        port=port,
        instruction=instruction,
        max_new_tokens=max_new_tokens,
        echo=lambda line: typer.echo(line, err=True),
    )


@app.command()
def space(
    run: Run,
    out: Annotated[Path | None, typer.Option(help="Where to write it (default RUN/space).")] = None,
    model_repo: Annotated[str | None, typer.Option(help="The model's Hub repo.")] = None,
    dataset_repo: Annotated[str | None, typer.Option(help="The dataset's Hub repo (linked).")] = None,
    copy_model: Annotated[
        bool, typer.Option(help="Copy the model into the Space (else it loads --model-repo).")
    ] = True,
    license: Annotated[str | None, typer.Option(help="Hub licence id (default: the corpus licence).")] = None,
    instruction: InstructionTab = True,
    max_new_tokens: MaxNewTokens = None,
) -> None:
    """Build the Space folder: README (Spaces YAML), app.py, requirements.txt, demo.json, ner_demo/,
    portable/, model/ (and instruction/ with the instruction tab when the run has models/instruction/).

    It runs on its own: cd RUN/space && python app.py.

    Example: python -m demo space --run runs/demo --model-repo somosnlp/demo-ner --dataset-repo somosnlp/demo
    """
    path = build_space(
        RunFolder(run),
        out,
        model_repo=model_repo,
        dataset_repo=dataset_repo,
        copy_model=copy_model,
        license=license,
        instruction=instruction,
        max_new_tokens=max_new_tokens,
    )
    typer.echo(f"Space written to {path} (try it: cd {path} && python app.py)")


@app.command()
def publish(
    run: Run,
    org: Annotated[str, typer.Option(help="Hub user or organisation that owns the repos.")],
    name: Annotated[str | None, typer.Option(help="Base repo name (default: the run folder's name).")] = None,
    private: Annotated[bool, typer.Option(help="Private repos (the Space holds the model).")] = False,
    dry_run: Annotated[
        bool, typer.Option(help="Print repos, files and each README's front matter; upload nothing.")
    ] = False,
    stage: Annotated[
        Path | None,
        typer.Option(help="Stage the repos in this new folder and keep it (to read or `cards check` them)."),
    ] = None,
) -> None:
    """Create/update ORG/NAME (dataset), ORG/NAME-ner (NER model), ORG/NAME-instruction (the LoRA adapter,
    merged/ when present; when the run has one) and ORG/NAME-demo (Space) and print their URLs.

    Each card is written again with the repo ids (datasets: [ORG/NAME], snippets that load ORG/NAME-ner or
    the adapter on its base model, links between the cards and the Space) and checked before anything is
    uploaded. Needs the cards (python -m cards build --run RUN) and a token with write access (HF_TOKEN or
    `hf auth login`); --dry-run needs no token.

    Example: python -m demo publish --run runs/demo --org somosnlp --dry-run
    """
    publish_run(
        RunFolder(run), org, name=name, private=private, dry_run=dry_run, echo=typer.echo, stage=stage
    )


@app.command("argilla-space")
def argilla_space(
    out: Annotated[Path, typer.Option(help="Folder to write the Space into.")],
    workspace: Annotated[
        list[str] | None,
        typer.Option(help="Workspace for annotators (repeatable)."),
    ] = None,
    org: Annotated[str | None, typer.Option(help="Only members of this Hub org sign in.")] = None,
    oauth: Annotated[bool, typer.Option(help="Sign in with Hugging Face.")] = True,
    title: Annotated[str, typer.Option(help="Title of the Space.")] = "Argilla",
) -> None:
    """Build an Argilla Space for the annotators (Docker, argilla/argilla-hf-spaces at the pinned version).

    Its README explains the secrets, Hugging Face sign-in and persistent storage.

    Example: python -m demo argilla-space --out build/argilla --workspace farmacos --org somosnlp
    """
    path = build_argilla_space(out, title=title, workspaces=workspace, org=org, oauth=oauth)
    typer.echo(f"Argilla Space written to {path}; read {path / 'README.md'} before uploading it")


def main() -> None:
    try:
        app()
    except (DemoError, RunFolderError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
