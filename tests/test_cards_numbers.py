"""Numbers as the cards print them in English and Spanish, and as the checker reads them back."""

from __future__ import annotations

import pytest

from cards.facts.hub_vocabulary import license_id, size_category
from cards.measure.notation import Numbers, find_numbers


@pytest.mark.parametrize(
    ("method", "value", "english", "spanish"),
    [
        ("dec", 0.85333, "0.853", "0,853"),
        ("pct", 0.85333, "85.3%", "85,3\u00a0%"),
        ("sig", 0.000123456, "0.000123", "0,000123"),
        ("sig", 1234.5, "1234", "1234"),
        ("num", 5e-05, "5e-05", "5e-05"),
        ("num", 0.01, "0.01", "0,01"),
        ("int", 18, "18", "18"),
        ("num", [0.5, "A100"], "0.5, A100", "0,5; A100"),
        ("dec", None, "—", "—"),
    ],
)
def test_formats(method: str, value: float | None, english: str, spanish: str) -> None:
    assert getattr(Numbers("en"), method)(value) == english
    assert getattr(Numbers("es"), method)(value) == spanish


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("value", [0.8533, 0.000123456, 12.0, 5e-05, 1.23456])
def test_what_is_printed_reads_back_as_the_value(lang: str, value: float) -> None:
    n = Numbers(lang)
    for text in (n.dec(value), n.sig(value), n.num(value), n.pct(value)):
        (options,) = find_numbers(f"value {text} here")
        assert any(option.matches(value) for option in options), text


def test_reading_numbers_in_text() -> None:
    found = find_numbers("F1 0,853 (85,3 %), 1,234 entities, ratio 3.06, lr 5e-05; ids x1 and 3-3-3.")
    assert [o[0].text for o in found] == ["0,853", "85,3 %", "1,234", "3.06", "5e-05"]
    assert {o.value for o in found[2]} == {1.234, 1234}  # decimal or thousands: both tried
    assert found[1][0].percent and found[1][0].matches(0.853)
    assert not found[0][0].matches(0.8544)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CC BY 4.0", "cc-by-4.0"),
        ("CC BY-SA 4.0", "cc-by-sa-4.0"),
        ("Apache 2.0", "apache-2.0"),
        ("Creative Commons Attribution Non Commercial 4.0", "cc-by-nc-4.0"),
        ("Creative Commons Attribution 4.0 International (CC BY 4.0)", "cc-by-4.0"),
        ("Creative Commons Attribution 4.0 International", "cc-by-4.0"),
        ("Attribution-ShareAlike 4.0 International", "cc-by-sa-4.0"),
        ("MIT", "mit"),
        ("Licencia propia del hospital", "other"),
        (None, "unknown"),
    ],
)
def test_licence_ids(text: str | None, expected: str) -> None:
    assert license_id(text) == expected


def test_size_categories() -> None:
    assert [size_category(n) for n in (30, 999, 1000, 25_000)] == ["n<1K", "n<1K", "1K<n<10K", "10K<n<100K"]
