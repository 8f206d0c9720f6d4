"""Dataset and model cards that fill themselves from the measured facts of a run folder, in English and
Spanish, and a checker for any card.

    python -m cards build --run runs/demo     # bias.json, privacy.json, cards/dataset, cards/model-<task>
    python -m cards check runs/demo/cards --run runs/demo

The same from Python: `cards.write.build_cards(path)` and `cards.check.card.check_cards(path, run)`.

Sub-packages, dependencies one way (cli -> write -> check -> measure -> facts -> runfolder):
- `facts/`: read the run folder into typed facts (dataset, annotation, model folder, emissions, texts);
- `measure/`: what the folder does not say by itself (bias.json, privacy.json, limitations) and
  `CardContext`, everything one run's cards state, measured once;
- `check/`: any card against the Hub's spec, the required sections and every number of the run;
- `write/`: Hub metadata, Jinja templates per language, plots, and `build_cards` (which self-checks).
`cli.py` is the thin `python -m cards`; `errors.py` holds every error class of the package.
"""
