"""The Gradio app: Spanish text in, entities out (highlighted, and as a table), with the model's key facts.

    app = build_app(config, Tagger.from_pretrained(config.model_source(base)))
    serve(config, base, host="127.0.0.1", port=7860)          # queue + launch
    # API: gradio_client.Client(url).predict(text, api_name="/analyze") -> (highlighted, table, status)

Empty or too long inputs get a message in the status line instead of a result. Requests go through
gradio's queue: `config.concurrency` predictions at once, at most QUEUE_SIZE waiting.

Standard library + gradio (+ `.predict`, `.config`): copied into the Space as `ner_demo/app.py`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .config import DemoConfig, Facts
from .predict import Entity, Tagger, highlight, input_problem

QUEUE_SIZE = 64
COLUMNS = ["entidad", "etiqueta", "inicio", "fin", "puntuación"]
COLORS = ["#f97316", "#3b82f6", "#22c55e", "#a855f7", "#eab308", "#ec4899", "#14b8a6", "#ef4444"]
HUB = "https://huggingface.co"


def analyze(tagger: Tagger, text: str | None, max_chars: int) -> tuple[Any, list[list[Any]], str]:
    """(HighlightedText value, table rows, status line) for one input."""
    if (problem := input_problem(text, max_chars)) is not None:
        return None, [], f"⚠️ {problem}"
    assert text is not None
    entities = tagger(text)
    rows = [[e.text, e.label, e.start, e.end, round(e.score, 3)] for e in entities]
    return highlight(text, entities), rows, summary(entities)


def summary(entities: list[Entity]) -> str:
    if not entities:
        return "No se ha encontrado ninguna entidad."
    noun = "entidad" if len(entities) == 1 else "entidades"
    counts: dict[str, int] = {}
    for entity in entities:
        counts[entity.label] = counts.get(entity.label, 0) + 1
    return f"{len(entities)} {noun}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def links(config: DemoConfig) -> str:
    parts = []
    if config.model_repo:
        parts.append(f"**Modelo:** [{config.model_repo}]({HUB}/{config.model_repo})")
    if config.dataset_repo:
        parts.append(f"**Datos:** [{config.dataset_repo}]({HUB}/datasets/{config.dataset_repo})")
    return " · ".join(parts)


def facts_markdown(facts: Facts) -> str:
    """The model card's key facts as a small table (what is unknown is left out)."""
    cells = [
        ("F1 (test)", facts.test_f1, "{:.3f}"),
        ("Precisión", facts.test_precision, "{:.3f}"),
        ("Exhaustividad", facts.test_recall, "{:.3f}"),
        ("Entidades (test)", facts.test_support, "{:,}"),
        ("Emisiones del entrenamiento", facts.emissions_g, "{:.3g} g CO₂eq"),
        ("Energía", facts.energy_kwh, "{:.3g} kWh"),
    ]
    known = [(name, fmt.format(value)) for name, value, fmt in cells if value is not None]
    lines = []
    if known:
        lines += [
            "| " + " | ".join(n for n, _ in known) + " |",
            "|" + "---|" * len(known),
            "| " + " | ".join(v for _, v in known) + " |",
        ]
    if facts.per_label_f1:
        lines.append(
            "\nF1 por etiqueta: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(facts.per_label_f1.items()))
        )
    if facts.scheme:
        lines.append(f"\n<small>Evaluación: {facts.scheme}.</small>")
    return "\n".join(lines)


def build_app(config: DemoConfig, tagger: Tagger):
    """The Blocks (not launched)."""
    import gradio as gr

    color_map = {label: COLORS[i % len(COLORS)] for i, label in enumerate(tagger.labels)}
    with gr.Blocks(title=config.title, analytics_enabled=False) as app:
        gr.Markdown(f"# {config.title}\n{config.description}")
        if header := "\n\n".join(filter(None, [links(config), facts_markdown(config.facts)])):
            gr.Markdown(header, elem_id="facts")
        textbox = gr.Textbox(
            label="Texto en español", lines=6, placeholder="Pega aquí un texto clínico...", elem_id="text"
        )
        with gr.Row():
            run = gr.Button("Analizar", variant="primary", elem_id="analyze")
            clear = gr.ClearButton(value="Borrar")
        status = gr.Markdown(label="estado", elem_id="status")
        highlighted = gr.HighlightedText(
            label="Entidades", color_map=color_map, show_legend=False, elem_id="entities"
        )
        table = gr.Dataframe(headers=COLUMNS, label="Tabla de entidades", interactive=False, elem_id="table")
        clear.add([textbox, highlighted, table, status])

        def predict(text: str | None) -> tuple[Any, list[list[Any]], str]:
            return analyze(tagger, text, config.max_chars)

        outputs = [highlighted, table, status]
        run.click(predict, textbox, outputs, api_name="analyze", concurrency_limit=config.concurrency)
        textbox.submit(predict, textbox, outputs, api_name=False, concurrency_limit=config.concurrency)
        if config.examples:
            gr.Examples(
                config.examples,
                inputs=textbox,
                outputs=outputs,
                fn=predict,
                run_on_click=True,
                cache_examples=False,
                label="Ejemplos del conjunto de test",
            )
    return app


def serve(config: DemoConfig, base: Path, host: str | None = None, port: int | None = None) -> None:
    """Load the model, queue and launch; host/port default to GRADIO_SERVER_NAME/PORT, then 127.0.0.1:7860."""
    tagger = Tagger.from_pretrained(config.model_source(base))
    app = build_app(config, tagger)
    app.queue(max_size=QUEUE_SIZE, default_concurrency_limit=config.concurrency)
    app.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        show_error=True,
    )


def main(config_path: Path) -> None:
    """The Space's entry point: `demo.json` beside app.py, the model in ./model or on the Hub."""
    serve(DemoConfig.load(config_path), config_path.parent)
