"""Reading normalisation ids out of brat AnnotatorNotes.

    #1	AnnotatorNotes T1	85600001                  -> [DbRef(db_name, "85600001")]
    #2	AnnotatorNotes T2	CHEBI:53493               -> [DbRef("CHEBI", "53493")]
    #3	AnnotatorNotes T3	387467008 | 412586000     -> two ids (also split on spaces, "," ";" "+")
    #4	AnnotatorNotes T4	<null>                    -> [] (no id given)
    #5	AnnotatorNotes T5	revisar con el médico     -> [] (free text: kept as a note only)

A note is read as ids only if every part of it looks like an id (has a digit, no spaces); bare ids
get `db_name` (the caller says which terminology the corpus uses, e.g. "SNOMED-CT").
"""

from __future__ import annotations

import re

from annotate.corpus.model import DbRef

_SEPARATORS = re.compile(r"[\s,;|+]+")
_ID = re.compile(r"(?:(?P<db>[A-Za-z][\w.-]*):)?(?P<id>[^\s:]*\d[^\s:]*)")
_NO_ID = {"<null>", "null", "none", "nil", "n/a", "-"}


def note_ids(text: str, db_name: str) -> list[DbRef]:
    """The ids in a note's `text`, [] when it has none or is free text."""
    parts = [part for part in _SEPARATORS.split(text.strip()) if part and part.lower() not in _NO_ID]
    matches = [_ID.fullmatch(part) for part in parts]
    if not all(matches):
        return []
    return [DbRef(m["db"] or db_name, m["id"]) for m in matches if m is not None]
