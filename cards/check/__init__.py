"""Checking any card (ours or hand-written) against the hackathon's requirements, the Hub's card spec and,
given the run folder, every number it states.

    report = check_cards(Path("runs/demo/cards"), run=Path("runs/demo"))   # cards.check.card
    report.cards        # {README.md path: [Gap, ...]}; report.failed: cards with at least one gap

Modules: `card` (check_card, check_cards), `gap` (`Gap`: what is wrong where), `markdown` (just enough
Markdown: header, sections, tables, prose), `content` (required sections, placeholders), `metadata`
(the YAML header, read back through huggingface_hub), `known` (every number of the run's facts),
`numbers` (prose numbers against them), `tables` (tables and fields whose meaning is known). Imports
`cards.facts` and `cards.measure`, never `cards.write`.
"""
