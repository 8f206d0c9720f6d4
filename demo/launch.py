"""The demo on this machine: a run folder's model (or any model) served by the app until Ctrl-C.

    launch(RunFolder("runs/demo"), port=7860)   # the run's model, facts, examples (+ instruction tab)
    launch(None, model="org/model")             # just the model

Loads the models here, in this process, with the same `demo.runtime.app.serve` the Space runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from demo.run_config import demo_config
from demo.runtime.app import serve
from demo.runtime.config import DemoConfig
from runfolder import RunFolder

TITLE = "Entidades biomédicas en español"


def launch_config(
    run: RunFolder | None, model: str | None, instruction: bool = True, max_new_tokens: int | None = None
) -> DemoConfig:
    """The run's config (its model unless `model` says otherwise), else a bare config for `model`."""
    if run is None:
        if model is None:
            raise ValueError("launch needs a run folder or a model")
        return DemoConfig(title=TITLE, model=model)
    return demo_config(
        run,
        model=model or str(run.model("ner").resolve()),
        instruction=instruction,
        max_new_tokens=max_new_tokens,
    )


def launch(
    run: RunFolder | None,
    model: str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    instruction: bool = True,
    max_new_tokens: int | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the demo at http://HOST:PORT until Ctrl-C (see the module's docstring)."""
    config = launch_config(run, model, instruction, max_new_tokens)
    echo(f"loading {config.model} ...")
    if config.instruction is not None:
        echo(f"instruction tab: {config.instruction.adapter or config.instruction.model}")
    serve(config, Path.cwd(), host=host, port=port)
