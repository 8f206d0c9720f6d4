r"""Parsing one line of a brat standoff `.ann` file (https://brat.nlplab.org/standoff.html).

    T1	PROTEINAS 12 20	insulina
    T2	NORMALIZABLES 30 35;40 46	ácido fólico      (discontinuous: fragment texts joined by a space)
    R1	Dosis Arg1:T2 Arg2:T3
    E1	Administracion:T4 Farmaco:T2
    A1	Negacion T2                                  (M1 is the old name of an attribute line)
    A2	Certeza T2 Alta
    N1	Reference T1 SNOMED-CT:67866001	insulina
    #1	AnnotatorNotes T1	67866001
    *	Equiv T1 T5

Every id is prefixed with the document id (`S0004-1_T1`), as BigBio does. A `T` line without its
text is accepted (only its bounds can be checked then).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from annotate.corpus.model import Argument, Attribute, Coreference, Event, Normalization, Note, Relation
from annotate.corpus.validate import EntityDraft, Sourced
from annotate.errors import StandoffLineError

_FORMS = {  # first character -> (pattern, the form a malformed line is told to follow)
    "T": (
        r"(T\S*)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t(.*))?",
        "T<n><TAB><LABEL> <start> <end>[;<start> <end>]<TAB><text>",
    ),
    "R": (r"(R\S*)\t(\S+) (\S+?):(\S+) (\S+?):(\S+)", "R<n><TAB><TYPE> Arg1:<id> Arg2:<id>"),
    "E": (r"(E\S*)\t(\S+?):(\S+)((?: \S+?:\S+)*)", "E<n><TAB><TYPE>:<trigger id> [<role>:<id> ...]"),
    "A": (r"([AM]\S*)\t(\S+) (\S+)(?: (\S+))?", "A<n><TAB><TYPE> <id> [<value>]"),
    "N": (r"(N\S*)\t(\S+) (\S+) ([^\s:]+):(\S+)(?:\t(.*))?", "N<n><TAB><TYPE> <id> <db>:<db id><TAB><text>"),
    "#": (r"(#\S*)\t(\S+) (\S+)(?:\t(.*))?", "#<n><TAB><TYPE> <id><TAB><note>"),
    "*": (r"\*\t(\S+)((?: \S+)+)", "*<TAB>Equiv <id> <id> [...]"),
}
_PATTERNS = {key: re.compile(pattern) for key, (pattern, _) in _FORMS.items()}


def parse_line(line: str, number: int, doc_id: str) -> EntityDraft | Sourced:
    """The annotation on `line` (line `number` of the `.ann` of `doc_id`), its ids prefixed.

    Raises `StandoffLineError` when the line is not standoff.
    """
    key = "A" if line[:1] == "M" else line[:1]
    text = line if key == "T" else line.rstrip(" ")  # a T line's text may end in a space
    match = _PATTERNS[key].fullmatch(text) if key in _PATTERNS else None
    if match is None:
        raise StandoffLineError(
            _FORMS[key][1] if key in _FORMS else "a line starting with T, R, E, A, M, N, # or *"
        )
    fields = line.split("\t")
    source = " ".join(fields[:2])  # "T3 PROTEINAS 120 131", "#1 AnnotatorNotes T1"
    if key == "T":
        tid, label, spans, surface = match.groups()
        offsets = tuple((int(a), int(b)) for a, b in (part.split() for part in spans.split(";")))
        return EntityDraft(f"{doc_id}_{tid}", label, offsets, surface, number, source)
    return Sourced(_BUILDERS[key](f"{doc_id}_", number, *match.groups()), number, source)


def _relation(
    p: str, number: int, rid: str, type_: str, role1: str, arg1: str, role2: str, arg2: str
) -> Relation:
    return Relation(p + rid, type_, p + arg1, p + arg2, role1, role2)


def _event(p: str, number: int, eid: str, type_: str, trigger: str, args: str) -> Event:
    pairs = (pair.split(":", 1) for pair in args.split())
    return Event(p + eid, type_, p + trigger, tuple(Argument(role, p + ref) for role, ref in pairs))


def _attribute(p: str, number: int, aid: str, type_: str, ref: str, value: str | None) -> Attribute:
    return Attribute(p + aid, type_, p + ref, value)


def _normalization(
    p: str, number: int, nid: str, type_: str, ref: str, db_name: str, db_id: str, text: str | None
) -> Normalization:
    return Normalization(p + nid, type_, p + ref, db_name, db_id, text or "")


def _note(p: str, number: int, nid: str, type_: str, ref: str, text: str | None) -> Note:
    return Note(p + nid, type_, p + ref, text or "")


def _equivalence(p: str, number: int, type_: str, refs: str) -> Coreference:
    entity_ids = tuple(p + ref for ref in refs.split())
    return Coreference(f"{p}*{number}", entity_ids, type_)  # every "*" line has the id "*": use its line


_BUILDERS: dict[str, Callable[..., Relation | Event | Attribute | Normalization | Note | Coreference]] = {
    "R": _relation, "E": _event, "A": _attribute, "N": _normalization, "#": _note, "*": _equivalence,
}  # fmt: skip
