"""The demo stage: the NER model in a Gradio app, its Space, and the run on the Hugging Face Hub.

    python -m demo --run runs/demo                         # the app at http://127.0.0.1:7860
    python -m demo space --run runs/demo                   # runs/demo/space/, runs on its own
    python -m demo publish --run runs/demo --org ORG       # dataset, model and Space repos (--dry-run)

Modules: `predict` (windowed inference), `app` (the Blocks), `config` (demo.json), `instruct` (the
instruction tab's LLM) -- these are copied into the Space and import only gradio/transformers/torch/peft --,
`instruct_shared` (the notebook's prompt and the remix's answer parsing, re-exported; the Space gets a
copy of their source), `facts` (run folder -> config), `space`, `argilla_space`, `publish`, `tiny` (a toy
model for tests and trials), `cli`, `errors`.
"""
