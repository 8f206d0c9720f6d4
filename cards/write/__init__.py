"""Writing the cards: Hub metadata, one Jinja template per language (`templates/`), plots, and the build.

    result = build_cards(Path("runs/demo"))   # bias.json, privacy.json, cards/dataset/, cards/model-<task>/

Modules: `build` (measure, write aside, self-check, replace), `dataset_card`, `model_card`, `render`
(strict Jinja over `templates/`, the words both cards share), `plots` (matplotlib, Agg). Imports
`cards.facts`, `cards.measure` and `cards.check` (the self-check); nothing imports it but the CLI.
"""

from cards.write.build import BuildResult, build_cards

__all__ = ["BuildResult", "build_cards"]
