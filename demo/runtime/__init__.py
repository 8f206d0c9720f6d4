"""What the Space runs: the Gradio app (`app`), windowed NER inference (`predict`), `demo.json` (`config`)
and the instruction tab's LLM (`instruct`).

`python -m demo space` copies this package whole into the Space as `ner_demo/`, next to a whole copy of
the workspace's `portable/` package: so the modules import only the standard library, gradio, torch,
transformers (peft for an adapter), `portable.*` and each other (relatively), and the same files run here as
`demo.runtime` and in the Space as `ner_demo`.
"""
