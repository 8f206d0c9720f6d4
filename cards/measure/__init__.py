"""Measuring what the run folder does not say by itself: bias.json, privacy.json, the limitations.

    context = measure_run(RunFolder("runs/demo"))   # cards.measure.context: every fact, measured once

Modules: `groups` (sex and age groups mentioned in Spanish clinical text), `scoring` (entity scores of
document subsets with bootstrap intervals), `bias` (bias.json), `privacy` (privacy.json, with the
`gazetteer/` lists), `limitations` (the findings the cards put into words), `notation` (numbers as the
cards print them and as the checker reads them back), `context` (`CardContext`: what the writers and
the checker share). Imports `cards.facts`, never `cards.write` or `cards.check`.
"""
