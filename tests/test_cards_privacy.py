"""The personal-data scan: every e-mail, phone, id, name, address and date of a hand-made text is found,
nothing in clinical text full of numbers, and the examples are masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from cards.facts.texts import DocText
from cards.measure.privacy import KINDS, mask, scan_documents, scan_text

FIXTURES = Path(__file__).parent / "fixtures" / "cards"
POSITIVE = (FIXTURES / "privacy_positive.txt").read_text(encoding="utf-8")
CLEAN = (FIXTURES / "privacy_clean.txt").read_text(encoding="utf-8")

#: every item of privacy_positive.txt, counted by hand
EXPECTED = {
    "email": ["carmen.ruiz@correo.es", "j.perez+citas@hospital-norte.org"],
    "phone": ["612 345 678", "+34 912 34 56 78", "955123456"],
    "id_number": ["12345678Z", "X-1234567-L", "NHC 4455667", "historia clínica nº 20190345"],
    "address": ["C/ Mayor, 12", "C.P. 28013", "vecina de Valladolid"],
    "date": ["12/03/2019", "2019-04-02", "3 de abril de 2019"],
    "person_name": ["Dra. Ana López Fernández", "Dr. Martínez", "María García"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_item_of_the_hand_made_text_is_found(kind: str) -> None:
    found = [f.text for f in scan_text(POSITIVE) if f.kind == kind]
    assert found == EXPECTED[kind]


def test_clinical_text_with_doses_and_lab_values_has_no_finding() -> None:
    assert scan_text(CLEAN) == []


@pytest.mark.parametrize(
    "text",
    [
        "Se inicia atorvastatina 40 mg; LDL 190 mg/dl.",
        "Tensión 120/80 y frecuencia 72 lpm.",
        "vitamina D. El paciente mejora.",
        "Escala 3/5 a los 6 meses.",
    ],
)
def test_numbers_that_are_not_personal_data(text: str) -> None:
    assert scan_text(text) == []


def test_overlapping_matches_keep_the_first_kind() -> None:
    """A 9-digit record number is an id, not also a phone."""
    assert [(f.kind, f.text) for f in scan_text("NHC 612345678")] == [("id_number", "NHC 612345678")]


def test_mask_keeps_only_first_characters() -> None:
    assert mask("ana.lopez@hospital.es") == "a**.l****@h*******.e*"
    assert mask("12345678Z") == "1********"


def test_report_counts_documents_and_masks_examples() -> None:
    docs = [
        DocText("d1", "train", POSITIVE),
        DocText("d2", "test", CLEAN),
        DocText("d3", "test", "Dr. Pérez."),
    ]
    report = scan_documents(docs)
    assert report["counts"] == {kind: len(EXPECTED[kind]) + (kind == "person_name") for kind in KINDS}
    assert report["documents_with_findings"] == 2
    assert report["documents_by_kind"]["person_name"] == 2
    assert report["scanned"] == {
        "documents": 3,
        "characters": sum(len(d.text) for d in docs),
        "by_split": {"test": 2, "train": 1},
    }
    shown = [e["masked"] for examples in report["examples"].values() for e in examples]
    assert "c*****.r***@c*****.e*" in shown
    assert not any(raw in shown for items in EXPECTED.values() for raw in items)
    assert set(report["methods"]) == set(KINDS)
