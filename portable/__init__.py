"""Code shared by annotate, the notebooks and the demo's Space, which copies this package whole.

Standard library only (no workspace package, no third-party import): `sentences` (where Spanish clinical
text breaks into sentences), `prompts` (what an instruction model sees), `generate` (greedy batched
answers), `answers` (writing and reading instruction answers), `errors`.
"""
