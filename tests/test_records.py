"""Documents -> record drafts: offsets stay on the sentence, the `contexto` field shows its neighbours."""

from __future__ import annotations

import pytest

from annotate.argilla.records import drafts
from annotate.corpus import Document, Entity, Span

TEXT = "Paciente con HTA. No refiere dolor ni *fiebre*.\nSe pauta AAS 100 mg. Mejora."
AAS = Entity("d_T1", "FARMACO", (Span(57, 60),), ("AAS",))


def three_sentences() -> list:
    return list(drafts([Document("d", TEXT, "train", entities=(AAS,))], "sentence", "src", "CC-BY-4.0"))


def test_a_sentence_record_carries_its_neighbours_and_its_own_offsets() -> None:
    records = three_sentences()
    assert [r.text for r in records] == [
        "Paciente con HTA.",
        "No refiere dolor ni *fiebre*.",
        "Se pauta AAS 100 mg.",
        "Mejora.",
    ]
    first, second, third, last = records
    assert first.context == (
        "**Paciente con HTA.** No refiere dolor ni \\*fiebre\\*.\n\nSe pauta AAS 100 mg. …"
    )
    assert second.context == (
        "Paciente con HTA. **No refiere dolor ni \\*fiebre\\*.**\n\nSe pauta AAS 100 mg. Mejora."
    )
    assert last.context == "… No refiere dolor ni \\*fiebre\\*.\n\nSe pauta AAS 100 mg. **Mejora.**"
    # the span stays relative to the sentence, which alone is the record's text
    assert third.gold_spans == ((9, 12, "FARMACO"),) and third.text[9:12] == "AAS"
    assert third.metadata["_offset"] + 9 == 57 and "**" not in third.text


@pytest.mark.parametrize(
    ("mode", "text", "expected"),
    [
        ("none", TEXT, [None]),
        ("sentence", "Una sola frase.", [None]),
        (
            "paragraph",
            "Línea uno.\nLínea dos.",
            ["**Línea uno.**\n\nLínea dos.", "Línea uno.\n\n**Línea dos.**"],
        ),
    ],
)
def test_no_context_where_there_is_nothing_around(mode: str, text: str, expected: list) -> None:
    assert [r.context for r in drafts([Document("d", text, "train")], mode, "s", "l")] == expected
