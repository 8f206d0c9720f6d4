"""Sex and age groups mentioned in Spanish clinical text.

    groups = find_groups("Varón de 70 años con gota. Su hija ...")
    groups.sex == {"male"}; groups.age == {"older"}

Sex: "female" from mujer, señora, niña, anciana, chica, gestante, embarazada, puérpera, "la paciente",
"paciente femenina", "sexo femenino"; "male" from varón, hombre, señor, niño, anciano, chico,
"paciente masculino", "sexo masculino". "El paciente" is the generic masculine and counts as neither;
plurals (population statements: "más frecuente en mujeres") and relatives (madre, hijo) are left out.
Age: "pediatric" (< 18 years), "adult" (18 to 64), "older" (>= 65), from "<person> de N años"
("varón de 70 años", "mujer de 45", "paciente pediátrico de 4 años"), "N años de edad", "edad de N
años", N meses/días (pediatric) and from words (niña, niño, lactante, neonato, recién nacido, bebé,
adolescente, pediátrico -> pediatric; adulto -> adult; anciano, octogenario, nonagenario, "de edad
avanzada", geriátrico -> older). "Gestante de 24 semanas" is a pregnancy, not an age. Ages written in
words ("de setenta años") are not read. A document with no mention is "not_stated".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PEDIATRIC_BELOW = 18
OLDER_FROM = 65
NOT_STATED = "not_stated"
SEX_GROUPS = ("female", "male")
AGE_GROUPS = ("pediatric", "adult", "older")
GROUP_NAMES = {
    "en": {
        "female": "female",
        "male": "male",
        "pediatric": "pediatric",
        "adult": "adult",
        "older": "older",
        NOT_STATED: "not stated",
    },
    "es": {
        "female": "mujer",
        "male": "varón",
        "pediatric": "pediátrico",
        "adult": "adulto",
        "older": "mayor",
        NOT_STATED: "no consta",
    },
}

SEX_WORDS = {
    "female": r"mujer|señora|niña|anciana|chica|gestante|embarazada|puérpera|primigesta|la\s+paciente"
    r"|paciente\s+femenina|sexo\s+femenino",
    "male": r"varón|hombre|señor|niño|anciano|chico|paciente\s+masculino|sexo\s+masculino",
}
AGE_WORDS = {
    "pediatric": r"niña|niño|lactante|neonat[oa]|recién\s+nacid[oa]|bebé|adolescente|pediátric[oa]",
    "adult": r"adult[oa]",
    "older": r"anciana|anciano|octogenari[oa]|nonagenari[oa]|centenari[oa]|de\s+edad\s+avanzada"
    r"|geriátric[oa]",
}
PERSON = (
    r"varón|mujer|hombre|paciente|niña|niño|señora|señor|anciana|anciano|chica|chico|adolescente|lactante"
    r"|neonat[oa]|bebé|gestante|joven|adult[oa]|recién\s+nacid[oa]"
)
UNIT = r"años|año|meses|mes|días|día|semanas|semana"
NOT_A_UNIT = r"(?![,.]?\d)(?!\s*(?:kg|g|mg|cm|mm|ml|l|%|lpm|mmhg)\b)"
AGE_PATTERNS = (
    re.compile(
        rf"\b(?:{PERSON})(?:\s+[^\W\d]+){{0,2}}?\s+de\s+(?P<n>\d{{1,3}})(?:\s+(?P<unit>{UNIT})\b)?{NOT_A_UNIT}",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?P<n>\d{{1,3}})\s+(?P<unit>{UNIT})\s+de\s+edad\b", re.IGNORECASE),
    re.compile(rf"\bedad\s+de\s+(?P<n>\d{{1,3}})(?:\s+(?P<unit>{UNIT})\b)?{NOT_A_UNIT}", re.IGNORECASE),
)


def _words(alternatives: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


SEX_PATTERNS = {group: _words(words) for group, words in SEX_WORDS.items()}
AGE_WORD_PATTERNS = {group: _words(words) for group, words in AGE_WORDS.items()}


@dataclass(frozen=True)
class Mention:
    kind: str  # "sex" | "age"
    group: str
    start: int
    text: str


@dataclass(frozen=True)
class Groups:
    """The groups a document mentions (possibly several) and every mention found."""

    sex: frozenset[str]
    age: frozenset[str]
    mentions: tuple[Mention, ...]

    def of(self, kind: str) -> frozenset[str]:
        found = self.sex if kind == "sex" else self.age
        return found or frozenset({NOT_STATED})


def age_group(years: int, unit: str | None) -> str | None:
    unit = (unit or "años").lower()
    if unit.startswith("semana"):
        return None  # "gestante de 24 semanas": weeks of pregnancy
    if not unit.startswith("año"):
        return "pediatric"  # months or days
    if years > 120:
        return None
    return "pediatric" if years < PEDIATRIC_BELOW else "older" if years >= OLDER_FROM else "adult"


def _found(text: str) -> list[tuple[str, str, re.Match[str]]]:
    found = [
        (kind, group, match)
        for kind, patterns in (("sex", SEX_PATTERNS), ("age", AGE_WORD_PATTERNS))
        for group, pattern in patterns.items()
        for match in pattern.finditer(text)
    ]
    for pattern in AGE_PATTERNS:
        for match in pattern.finditer(text):
            if (group := age_group(int(match.group("n")), match.group("unit"))) is not None:
                found.append(("age", group, match))
    return found


def find_groups(text: str) -> Groups:
    """The groups `text` mentions; overlapping matches of one group count as one mention."""
    mentions: list[Mention] = []
    taken: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for kind, group, match in sorted(_found(text), key=lambda f: (f[2].start(), -f[2].end())):
        spans = taken.setdefault((kind, group), [])
        if any(s < match.end() and match.start() < e for s, e in spans):
            continue
        spans.append(match.span())
        mentions.append(Mention(kind, group, match.start(), match.group()))
    return Groups(
        sex=frozenset(m.group for m in mentions if m.kind == "sex"),
        age=frozenset(m.group for m in mentions if m.kind == "age"),
        mentions=tuple(mentions),
    )


def definitions() -> dict:
    """How the groups are found (written into bias.json, shown in the cards)."""
    return {
        "sex": {group: SEX_WORDS[group].replace(r"\s+", " ").split("|") for group in SEX_GROUPS},
        "age": {
            "pediatric_below_years": PEDIATRIC_BELOW,
            "older_from_years": OLDER_FROM,
            "words": {group: AGE_WORDS[group].replace(r"\s+", " ").split("|") for group in AGE_GROUPS},
        },
        "not_stated": "no mention of the kind in the document",
        "source": "cards.measure.groups (regular expressions over the document text)",
    }
