"""The demo stage: the NER model in a Gradio app, its Space, and the run on the Hugging Face Hub.

    python -m demo --run runs/demo                         # the app at http://127.0.0.1:7860
    python -m demo space --run runs/demo                   # runs/demo/space/, runs on its own
    python -m demo publish --run runs/demo --org ORG       # dataset, model and Space repos (--dry-run)

`runtime/` is what the Space runs (`app`: the Blocks, `predict`: windowed inference, `config`: demo.json,
`instruct`: the instruction tab's LLM); it is copied whole into the Space as `ner_demo/`, with the
workspace's `portable/` beside it. Around it: `run_config` (the run folder -> `DemoConfig`), `launch` (the
app on this machine), `space` (the Space folder), `argilla_space`, `publish` and `hub` (the Hugging Face
Hub), `cli`, `errors`. Dependencies run one way: cli -> launch | space | publish -> run_config -> runtime;
nothing here imports `annotate` (the run folder is the only hand-over).
"""
