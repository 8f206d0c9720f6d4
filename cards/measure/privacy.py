"""A personal-data scan of the exported texts: `privacy.json`.

    findings = scan_text("Dra. Ana López, tel. 612 345 678, NHC 4455667")
    report = scan_documents(document_texts(run))      # the content of privacy.json

Kinds, found offline by pattern and by a small gazetteer shipped in `cards/measure/gazetteer/`:
- email; phone (Spanish 9-digit numbers with or without +34/0034, or digits after "teléfono"/"tel.");
- id_number (DNI 12345678Z, NIE X1234567L, and numbers after NHC / historia clínica / CIP / NUSS /
  seguridad social / tarjeta sanitaria);
- person_name (a title Dr./Dra./Sr./Sra./Doctor/Doña... + capitalised words, or a common given name from
  `nombres.txt` + a surname from `apellidos.txt`);
- address (C/, calle, avenida, plaza, paseo... + a capitalised name and maybe a number; "C.P." + five
  digits; a place from `lugares.txt` after "vecino de", "natural de", "residente en"...);
- date (12/03/2019, 2019-03-12, "12 de marzo de 2019").
Overlapping findings keep the first kind in that order. Examples are masked (first character of each
word kept). A scan by pattern cannot prove that no personal data is left: it lists what it found.

The JSON shape:

    {"version": 1, "scanned": {"documents", "characters", "by_split": {split: documents}},
     "counts": {kind: n}, "documents_with_findings": n, "documents_by_kind": {kind: n},
     "examples": {kind: [{"document_id", "split", "masked", "subkind"}]}, "methods": {kind: str},
     "limits": str}
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cards.facts.texts import DocText

KINDS = ("email", "id_number", "phone", "date", "address", "person_name")
EXAMPLES_PER_KIND = 5
GAZETTEER = Path(__file__).parent / "gazetteer"
UPPER = "A-ZÁÉÍÓÚÑÜ"
CAPITALISED = rf"[{UPPER}][a-záéíóúñü]+"
MONTHS = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
STOPWORDS = frozenset("El La Los Las Un Una Se En De Del Al Y Con Por Para Tras Ante".split())  # noqa: SIM905

METHODS = {
    "email": "pattern name@domain.tld",
    "id_number": "DNI (8 digits + letter), NIE (X/Y/Z + 7 digits + letter), and numbers after NHC, "
    "historia clínica, CIP, NUSS/NASS, seguridad social, tarjeta sanitaria",
    "phone": "Spanish 9-digit numbers starting 6/7/8/9 (optionally +34/0034, grouped 3-3-3 or 3-2-2-2), "
    "or 8+ digits after teléfono/tel./tlf.",
    "date": 'dd/mm/yyyy, dd-mm-yy, yyyy-mm-dd, "12 de marzo (de 2019)"',
    "address": "C/, calle, avenida, plaza, paseo, carretera, ronda... + capitalised name (+ number); "
    "C.P. + 5 digits; a place of cards/measure/gazetteer/lugares.txt after vecino de, natural de, "
    "residente en",
    "person_name": "title (Dr., Dra., Sr., Sra., Doctor, Doña...) + capitalised words; a given name of "
    "cards/measure/gazetteer/nombres.txt followed by a surname of cards/measure/gazetteer/apellidos.txt",
}
METHODS_ES = {
    "email": "patrón nombre@dominio.tld",
    "id_number": "DNI (8 cifras + letra), NIE (X/Y/Z + 7 cifras + letra) y números tras NHC, "
    "historia clínica, CIP, NUSS/NASS, seguridad social, tarjeta sanitaria",
    "phone": "números españoles de 9 cifras que empiezan por 6/7/8/9 (con o sin +34/0034, en grupos 3-3-3 o "
    "3-2-2-2), u 8 o más cifras tras teléfono/tel./tlf.",
    "date": "dd/mm/aaaa, dd-mm-aa, aaaa-mm-dd, «12 de marzo (de 2019)»",
    "address": "C/, calle, avenida, plaza, paseo, carretera, ronda... + nombre en mayúscula (+ número); "
    "C.P. + 5 cifras; un lugar de cards/measure/gazetteer/lugares.txt tras vecino de, natural de, "
    "residente en",
    "person_name": "tratamiento (Dr., Dra., Sr., Sra., Doctor, Doña...) + palabras en mayúscula; "
    "un nombre de cards/measure/gazetteer/nombres.txt seguido de un apellido de "
    "cards/measure/gazetteer/apellidos.txt",
}
LIMITS = (
    "Patterns and a small gazetteer only: names without a title and outside the gazetteer, places outside "
    "the list and free-text addresses are missed, and some matches are not personal data. A count of 0 "
    "means the scan found nothing, not that there is nothing."
)


@dataclass(frozen=True)
class Finding:
    kind: str
    subkind: str
    start: int
    end: int
    text: str


@cache
def gazetteer(name: str) -> tuple[str, ...]:
    lines = (GAZETTEER / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(
        sorted({ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")}, key=len, reverse=True)
    )


def _alternatives(name: str) -> str:
    return "|".join(re.escape(entry) for entry in gazetteer(name))


SEP = r"[\s.-]?"
RECORD = (
    r"NHC|N\.\s?H\.\s?C\.|historia\s+cl[ií]nica|CIP|NUSS|NASS|NSS|n[úu]mero\s+de\s+(?:la\s+)?seguridad\s+social"
    r"|tarjeta\s+sanitaria"
)
TITLE = r"(?:Dra?|Sra?|Srta|Dña|Prof)\.|(?:Doctora?|Don|Doña|Señora?)(?=\s)"
STREET = (
    r"C/|c/|[Cc]alle|[Aa]vda\.?|[Aa]venida|Av\.|[Pp]laza|Pza\.|[Pp]aseo|[Cc]arretera|[Rr]onda|[Tt]ravesía"
    r"|[Gg]lorieta|[Cc]amino|Urb\.|[Uu]rbanización"
)
RESIDENCE = r"vecin[oa]\s+de|natural\s+de|residente\s+en|reside\s+en|domiciliad[oa]\s+en|nacid[oa]\s+en"
#: (kind, subkind, pattern, flags) in priority order; <places>, <given>, <surnames> come from the gazetteer
PATTERNS = (
    ("email", "email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", 0),
    ("id_number", "dni", r"(?<![\w-])\d{8}[\s-]?[A-HJ-NP-TV-Z](?!\w)", 0),
    ("id_number", "nie", r"(?<!\w)[XYZ][\s-]?\d{7}[\s-]?[A-HJ-NP-TV-Z](?!\w)", 0),
    (
        "id_number",
        "record_number",
        rf"(?<!\w)(?:{RECORD})(?:\s+(?:n[º°o]\.?|n[úu]m(?:ero)?\.?))?\s*[:#]?\s*[A-Z]{{0,4}}\d[\d/-]{{3,14}}(?!\w)",
        re.IGNORECASE,
    ),
    (
        "phone",
        "phone",
        rf"(?<![\w+])(?:(?:\+|00)34{SEP})?[6789]\d{{2}}(?:{SEP}\d{{3}}{SEP}\d{{3}}|{SEP}\d{{2}}{SEP}\d{{2}}{SEP}\d{{2}})(?!\w)",
        0,
    ),
    ("phone", "phone", r"(?<!\w)(?:tel[eé]fono|tfno|tlf|tel)\.?:?\s*\+?\d[\d\s.-]{6,}\d", re.IGNORECASE),
    ("date", "date", r"(?<![\w/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\w/])", 0),
    ("date", "date", r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])", 0),
    ("date", "date", rf"(?<!\w)\d{{1,2}}\s+de\s+(?:{MONTHS})(?:\s+del?\s+\d{{4}})?(?!\w)", re.IGNORECASE),
    (
        "address",
        "street",
        rf"(?<!\w)(?:{STREET})\s*(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+)?[{UPPER}]\w+(?:\s+[{UPPER}]\w+)*"
        r"(?:,?\s*(?:n[º°]\.?\s*)?\d{1,4}[A-Za-z]?(?!\w))?",
        0,
    ),
    ("address", "postal_code", r"(?<!\w)(?:C\.\s?P\.|CP|c[óo]digo\s+postal)\s*:?\s*\d{5}(?!\w)", 0),
    ("address", "place", rf"(?<!\w)(?:{RESIDENCE})\s+(?:<places>)(?!\w)", re.IGNORECASE),
    (
        "person_name",
        "title",
        rf"(?<!\w)(?:{TITLE})\s+{CAPITALISED}(?:\s+(?:de\s+(?:la\s+)?)?{CAPITALISED}){{0,2}}",
        0,
    ),
    ("person_name", "gazetteer", rf"(?<!\w)(?:<given>)\s+(?:<surnames>)(?:\s+{CAPITALISED})?(?!\w)", 0),
)


@cache
def patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    """`PATTERNS` compiled, with the gazetteer lists put in."""
    lists = {"<places>": "lugares", "<given>": "nombres", "<surnames>": "apellidos"}
    compiled = []
    for kind, subkind, pattern, flags in PATTERNS:
        for marker, name in lists.items():
            pattern = pattern.replace(marker, _alternatives(name))
        compiled.append((kind, subkind, re.compile(pattern, flags)))
    return compiled


def _is_name_after_title(text: str) -> bool:
    words = text.split()
    return len(words) >= 2 and words[1] not in STOPWORDS


def scan_text(text: str) -> list[Finding]:
    """Every finding in `text`, without overlaps (the earlier kind in `KINDS` wins), in text order."""
    kept: list[Finding] = []
    for kind, subkind, pattern in patterns():
        for match in pattern.finditer(text):
            if subkind == "title" and not _is_name_after_title(match.group()):
                continue
            if any(f.start < match.end() and match.start() < f.end for f in kept):
                continue
            kept.append(Finding(kind, subkind, match.start(), match.end(), match.group()))
    return sorted(kept, key=lambda f: f.start)


def mask(text: str) -> str:
    """Keep the first character of each run of letters or digits, star the rest."""
    return re.sub(r"\w+", lambda m: m.group()[0] + "*" * (len(m.group()) - 1), text)


def scan_documents(documents: list[DocText]) -> dict:
    counts: Counter[str] = Counter()
    docs_by_kind: dict[str, set[str]] = {kind: set() for kind in KINDS}
    examples: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for doc in documents:
        for finding in scan_text(doc.text):
            counts[finding.kind] += 1
            docs_by_kind[finding.kind].add(doc.id)
            if len(examples[finding.kind]) < EXAMPLES_PER_KIND:
                examples[finding.kind].append(
                    {
                        "document_id": doc.id,
                        "split": doc.split,
                        "masked": mask(finding.text),
                        "subkind": finding.subkind,
                    }
                )
    return {
        "version": 1,
        "scanned": {
            "documents": len(documents),
            "characters": sum(len(d.text) for d in documents),
            "by_split": dict(sorted(Counter(d.split for d in documents).items())),
        },
        "counts": {kind: counts.get(kind, 0) for kind in KINDS},
        "documents_with_findings": len(set().union(*docs_by_kind.values())),
        "documents_by_kind": {kind: len(ids) for kind, ids in docs_by_kind.items()},
        "examples": examples,
        "methods": METHODS,
        "limits": LIMITS,
    }
