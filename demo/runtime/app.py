"""The Gradio app: Spanish text in, entities out (highlighted, and as a table), with the model's key facts.

    app = build_app(config, Tagger.from_pretrained(config.model_source(base)))
    app = build_app(config, tagger, Instructor.from_config(config.instruction, base))  # + instruction tab
    serve(config, base, host="127.0.0.1", port=7860)          # queue + launch
    # API: gradio_client.Client(url).predict(text, api_name="/analyze")  -> (highlighted, table, status)
    #      Client(url).predict(instruction, text, api_name="/instruct") -> (answer, highlighted, rows, status)

With an instruction model (`config.instruction`) the app has two tabs, "Entidades" and "Instrucciones";
without one it is the NER page alone. The instruction model loads in the background at start
(`Instructor.warm`). Empty or too long inputs get a message in the status line instead of a result.
Requests go through gradio's queue: `config.concurrency` predictions at once (one generation at a time),
at most QUEUE_SIZE waiting.

Standard library + gradio (+ `.predict`, `.config`, `.instruct`, `portable.answers`): copied into the Space
as `ner_demo/app.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from portable.answers import TASKS

from .config import DemoConfig, Facts, InstructionConfig
from .instruct import AUTO, Instructor, describe_answer, instruction_problem, locate, read_extraction
from .predict import Entity, Highlighted, Tagger, highlight, input_problem

QUEUE_SIZE = 64
COLUMNS = ["entidad", "etiqueta", "inicio", "fin", "puntuación"]
MENTION_COLUMNS = ["entidad", "etiqueta", "inicio", "fin"]
COLORS = ["#f97316", "#3b82f6", "#22c55e", "#a855f7", "#eab308", "#ec4899", "#14b8a6", "#ef4444"]
HUB = "https://huggingface.co"

Row = list[str | int | float | None]  # a row of a gradio Dataframe


def analyze(tagger: Tagger, text: str | None, max_chars: int) -> tuple[Highlighted | None, list[Row], str]:
    """(HighlightedText value, table rows, status line) for one input."""
    if (problem := input_problem(text, max_chars)) is not None:
        return None, [], f"⚠️ {problem}"
    assert text is not None
    entities = tagger(text)
    rows: list[Row] = [[e.text, e.label, e.start, e.end, round(e.score, 3)] for e in entities]
    return highlight(text, entities), rows, summary(entities)


def instruct(
    instructor: Instructor,
    config: InstructionConfig,
    instruction: str | None,
    text: str | None,
    task: str | None,
) -> tuple[str, Highlighted | None, list[Row], str]:
    """(answer, HighlightedText value, mention rows, status line) for one instruction about `text`."""
    instruction, text, task = (instruction or "").strip(), text or "", task or AUTO
    if (problem := instruction_problem(instruction, text, config.max_chars)) is not None:
        return "", None, [], f"⚠️ {problem}"
    if (size := len(instructor.prompt(instruction, text))) > (room := instructor.room()):
        return "", None, [], f"⚠️ El texto ocupa {size} tokens y caben {room}: acórtalo."
    answer = instructor(instruction, text)
    pairs = read_extraction(answer, task, config.labels)
    mentions = locate(text, pairs) if pairs is not None else None
    placed = [m for m in mentions or [] if m.start is not None]
    highlighted = highlight(text, placed) if mentions is not None and text else None
    rows: list[Row] = [[m.text, m.label, m.start, m.end] for m in mentions or []]
    return answer, highlighted, rows, describe_answer(answer, task, mentions)


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


def build_app(config: DemoConfig, tagger: Tagger, instructor: Instructor | None = None):
    """The Blocks (not launched): the NER page, or with `instructor` (and `config.instruction`) two tabs."""
    import gradio as gr

    tabs = instructor is not None and config.instruction is not None
    with gr.Blocks(title=config.title, analytics_enabled=False) as app:
        if not tabs:
            gr.Markdown(f"# {config.title}\n{config.description}")
            if header := "\n\n".join(filter(None, [links(config), facts_markdown(config.facts)])):
                gr.Markdown(header, elem_id="facts")
            ner_panel(config, tagger)
            return app
        assert instructor is not None and config.instruction is not None
        gr.Markdown(f"# {config.title}\n{links(config)}")
        with gr.Tabs():
            with gr.Tab("Entidades", id="ner", elem_id="tab-ner"):
                gr.Markdown(f"{config.description}\n\n{facts_markdown(config.facts)}", elem_id="facts")
                ner_panel(config, tagger)
            with gr.Tab("Instrucciones", id="instruction", elem_id="tab-instruction"):
                instruction_panel(config.instruction, instructor)
    return app


def ner_panel(config: DemoConfig, tagger: Tagger) -> None:
    """Text in, entities highlighted and in a table (API `/analyze`)."""
    import gradio as gr

    color_map = {label: COLORS[i % len(COLORS)] for i, label in enumerate(tagger.labels)}
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

    def predict(text: str | None) -> tuple[Highlighted | None, list[Row], str]:
        return analyze(tagger, text, config.max_chars)

    outputs = [highlighted, table, status]
    run.click(predict, textbox, outputs, api_name="analyze", concurrency_limit=config.concurrency)
    textbox.submit(predict, textbox, outputs, api_visibility="private", concurrency_limit=config.concurrency)
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


def instruction_panel(config: InstructionConfig, instructor: Instructor) -> None:
    """An instruction and a text in, the LLM's answer out, an extraction's entities highlighted in the text
    (API `/instruct`). Examples fill the fields (and the expected answer) without running the model."""
    import gradio as gr

    color_map = {label: COLORS[i % len(COLORS)] for i, label in enumerate(config.labels)}
    if header := "\n\n".join(filter(None, [config.description, facts_markdown(config.facts)])):
        gr.Markdown(header, elem_id="instruction-facts")
    instruction = gr.Textbox(
        label="Instrucción", lines=2, placeholder="Extraiga los fármacos del texto...", elem_id="instruction"
    )
    text = gr.Textbox(
        label="Texto", lines=5, placeholder="Pega aquí un texto clínico...", elem_id="instruction-text"
    )
    task = gr.Dropdown(
        [AUTO, *TASKS],
        value=AUTO,
        label="Tarea (cómo leer la respuesta)",
        info="«automática»: es una extracción si cada línea de la respuesta es «ETIQUETA: texto».",
        elem_id="task",
    )
    with gr.Row():
        ask = gr.Button("Responder", variant="primary", elem_id="ask")
        clear = gr.ClearButton(value="Borrar")
    status = gr.Markdown(label="estado", elem_id="instruction-status")
    answer = gr.Textbox(label="Respuesta del modelo", lines=4, interactive=False, elem_id="answer")
    highlighted = gr.HighlightedText(
        label="Entidades de la respuesta en el texto",
        color_map=color_map,
        show_legend=False,
        elem_id="instruction-entities",
    )
    table = gr.Dataframe(
        headers=MENTION_COLUMNS, label="Entidades de la respuesta", interactive=False, elem_id="mentions"
    )
    reference = gr.Textbox(label="Respuesta esperada (del ejemplo)", interactive=False, elem_id="reference")
    clear.add([instruction, text, answer, highlighted, table, status, reference])

    def respond(
        instruction: str | None, text: str | None, task: str | None
    ) -> tuple[str, Highlighted | None, list[Row], str]:
        return instruct(instructor, config, instruction, text, task)

    inputs, outputs = [instruction, text, task], [answer, highlighted, table, status]
    ask.click(respond, inputs, outputs, api_name="instruct", concurrency_limit=1)
    if config.examples:
        gr.Examples(
            config.examples,
            inputs=[instruction, text, task, reference],
            cache_examples=False,
            label="Ejemplos del conjunto de test (instrucción, texto, tarea, respuesta esperada)",
        )


def serve(config: DemoConfig, base: Path, host: str | None = None, port: int | None = None) -> None:
    """Load the model, queue and launch; host/port default to GRADIO_SERVER_NAME/PORT, then 127.0.0.1:7860."""
    tagger = Tagger.from_pretrained(config.model_source(base))
    instructor = None
    if config.instruction is not None:
        instructor = Instructor.from_config(config.instruction, base)
        instructor.warm()
    app = build_app(config, tagger, instructor)
    app.queue(max_size=QUEUE_SIZE, default_concurrency_limit=config.concurrency)
    app.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        show_error=True,
    )


def main(config_path: Path) -> None:
    """The Space's entry point: `demo.json` beside app.py, the model in ./model or on the Hub."""
    serve(DemoConfig.load(config_path), config_path.parent)
