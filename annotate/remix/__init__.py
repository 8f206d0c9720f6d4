"""`annotate remix`: the adjudicated dataset of a run -> Spanish instruction samples (`dataset/instruction`).

samples         remix(...): segments, templates drawn by weight, answers formatted by `portable.answers`
templates       the YAML instruction templates a team can edit, checked when read
templates.yaml  the default templates
"""
