"""Numbers as the cards print them (per language) and as the checker reads them back.

    n = Numbers("es")
    n.dec(0.8533)      # "0,853"        (3 decimals; English "0.853")
    n.pct(0.8533)      # "85,3 %"       (English "85.3%")
    n.sig(0.000123)    # "0,000123"     (3 significant digits, never scientific)
    n.num(5e-05)       # "5e-05"        (hyper-parameters: as Python writes them)
    find_numbers("F1 0,853 (85,3 %)", "es")  # [Number(0.853, 3, False, ...), Number(85.3, 1, True, ...)]

No thousands separators are ever printed, so that "1,234" is never ambiguous in the cards we write;
when reading a hand-written card both readings are tried.
"""

from __future__ import annotations

import builtins
import math
import re
from dataclasses import dataclass

MISSING = "—"


@dataclass(frozen=True)
class Numbers:
    """Formatting of the numbers of one card; `lang` is "en" or "es" (decimal comma)."""

    lang: str = "en"

    def _local(self, text: str) -> str:
        return text.replace(".", ",") if self.lang == "es" else text

    def int(self, value: float | None) -> str:
        return MISSING if value is None else str(round(value))

    def dec(self, value: float | None, digits: builtins.int = 3) -> str:
        return MISSING if value is None else self._local(f"{value:.{digits}f}")

    def pct(self, value: float | None, digits: builtins.int = 1) -> str:
        if value is None:
            return MISSING
        number = self._local(f"{100 * value:.{digits}f}")
        return f"{number}\u00a0%" if self.lang == "es" else f"{number}%"

    def sig(self, value: float | None, digits: builtins.int = 3) -> str:
        """`digits` significant digits in fixed notation (emissions of tiny runs stay readable)."""
        if value is None:
            return MISSING
        return self._local(f"{value:.{sig_decimals(value, digits)}f}")

    def num(self, value: object) -> str:
        """A hyper-parameter or any other value as recorded (floats as Python prints them, lists joined)."""
        separator = "; " if self.lang == "es" else ", "  # "0,5, 0,1" would read as one number
        if isinstance(value, list | tuple):
            return separator.join(self.num(v) for v in value)
        if isinstance(value, dict):
            return separator.join(f"{k}: {self.num(v)}" for k, v in value.items())
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return self._local(repr(value)) if isinstance(value, float) and "e" not in repr(value) else str(value)


def sig_decimals(value: float, digits: int = 3) -> int:
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))


@dataclass(frozen=True)
class Number:
    """A number read from a card: value, decimals shown, whether it is a percentage, where."""

    value: float
    decimals: int
    percent: bool
    text: str
    column: int

    def matches(self, known: float) -> bool:
        """True when `known` (a fraction if this is a percentage) prints as this number."""
        target = 100 * known if self.percent else known
        tolerance = 0.5 * 10 ** (-self.decimals) + 1e-9 * max(1.0, abs(target))
        return abs(target - self.value) <= tolerance


_NUMBER = re.compile(
    r"(?<![\w.,\-/])(?P<num>-?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?)(?P<pct>\s?%)?(?![\w\-/]|[.,]\d)"
)


def readings(text: str) -> list[tuple[float, int]]:
    """(value, decimals) for each way `text` can be read: "0,85" and "0.85" are decimals in either
    language, "1,234" or "1.234" may also be a thousands separator, "1.234.567" only is."""
    mantissa, _, exponent = text.lower().partition("e")
    out: list[tuple[float, int]] = []
    groups = re.split(r"[.,]", mantissa)
    seps = re.findall(r"[.,]", mantissa)
    if not seps:
        out.append((float(mantissa), 0))
    elif len(seps) == 1:
        whole, frac = groups
        out.append((float(f"{whole}.{frac}"), len(frac)))
        if len(frac) == 3 and not whole.lstrip("-").startswith("0"):  # or a thousands separator
            out.append((float(whole + frac), 0))
    elif len(set(seps)) == 1 and all(len(g) == 3 for g in groups[1:]):
        out.append((float("".join(groups)), 0))
    else:
        return []
    if exponent:
        power = int(exponent)
        out = [(v * 10**power, max(0, d - power)) for v, d in out]
    return list(dict.fromkeys(out))


def find_numbers(line: str) -> list[list[Number]]:
    """The numbers in one line of text; each entry lists the possible readings of one number."""
    found = []
    for match in _NUMBER.finditer(line):
        text = match.group("num")
        options = [
            Number(value, decimals, bool(match.group("pct")), match.group(0), match.start())
            for value, decimals in readings(text)
        ]
        if options:
            found.append(options)
    return found
