"""Dataset and model cards that fill themselves from the measured facts of a run folder, in English and
Spanish, and a checker for any card.

    python -m cards build --run runs/demo     # bias.json, privacy.json, cards/dataset, cards/model-<task>
    python -m cards check runs/demo/cards --run runs/demo

    from cards.build import build_cards
    from cards.check import check_card

Modules: `facts` (typed facts) read by `dataset_facts`, `annotation_facts`, `model_facts`, `emissions`;
`groups`, `scoring`, `bias` (bias.json); `privacy` (privacy.json); `limitations` (findings); `plots`;
`render` + `templates/` (one per language); `dataset_card`, `model_card`, `build`; `check`,
`check_metadata`, `check_numbers`, `check_tables`, `markdown`, `numbers`.
"""
