"""Agreement metrics on small cases checked on paper (the arithmetic is in the comments)."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import krippendorff
import numpy as np
import pytest

from annotate.agreement.coding import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from annotate.agreement.report import (
    LabelAnnotation,
    LabelledSpan,
    RatingAnnotation,
    SpanAnnotation,
    Submission,
    compute_agreement,
)
from annotate.agreement.tokens import token_labels, tokenize
from annotate.agreement.unitizing import category_alpha, unitizing_alpha
from annotate.errors import AgreementError

TEN = "a b c d e f g h i j"  # ten one-letter tokens; token i covers characters 2i..2i+1


def token_spans(
    annotator: str, tokens: list[int], record: str = "r1", label: str = "X"
) -> list[SpanAnnotation]:
    """One span per listed token of TEN-like texts."""
    return [SpanAnnotation(record, annotator, 2 * i, 2 * i + 1, label) for i in tokens]


def spans_question(spans, texts, submissions=()):
    return compute_agreement(spans, [], [], texts, submissions=submissions).questions["spans"]


# ---- tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dosis: 5 mg/día.", ["Dosis", ":", "5", "mg", "/", "día", "."]),
        ("  insulina   NPH ", ["insulina", "NPH"]),
        ("", []),
        ("¿Niño-a?", ["¿", "Niño", "-", "a", "?"]),
    ],
)
def test_tokenize_keeps_offsets(text, expected):
    tokens = tokenize(text)
    assert [t.text for t in tokens] == expected
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_outermost_span_labels_the_token():
    tokens = tokenize("aa bb cc dd")
    # X covers aa bb (5 chars), Y is nested in X, Z crosses X on bb but is shorter (4 chars).
    labels = token_labels(tokens, [LabelledSpan(0, 5, "X"), LabelledSpan(3, 5, "Y"), LabelledSpan(4, 8, "Z")])
    assert labels == ["X", "X", "Z", "O"]


# ---- exact-match F1 ------------------------------------------------------------------------------


def test_pairwise_f1_by_hand():
    # ana marks tokens 0, 2, 4; ben marks 0 and 5: one exact match.
    # Pair "ana|ben", ana the reference: recall = 1/3, precision = 1/2, F1 = 2*1 / (3+2) = 0.4.
    spans = token_spans("ana", [0, 2, 4]) + token_spans("ben", [0, 5])
    question = spans_question(spans, {"r1": TEN})
    pair = question.per_pair["ana|ben"]
    assert pair["recall"].value == pytest.approx(1 / 3)
    assert pair["precision"].value == pytest.approx(1 / 2)
    assert pair["f1"].value == pytest.approx(0.4)
    assert question.overall["f1"].value == pytest.approx(0.4)


def test_f1_per_label_and_pooled_over_pairs():
    # r1: ana X@0 Y@1, ben X@0 Y@2, eva X@0.
    # X: each of the 3 pairs matches its X (1 + 1 marked): 2*3 / (3*2) = 1.
    # Y: ana|ben 0 matched of 1+1 marked, ana|eva 0 of 1+0, ben|eva 0 of 1+0: 0/4 = 0.
    # overall: matched 3 (the X's); marked (2+2) + (2+1) + (2+1) = 10: 2*3/10 = 0.6.
    spans = (
        token_spans("ana", [0])
        + token_spans("ana", [1], label="Y")
        + token_spans("ben", [0])
        + token_spans("ben", [2], label="Y")
        + token_spans("eva", [0])
    )
    question = spans_question(spans, {"r1": TEN})
    assert question.per_label["X"]["f1"].value == pytest.approx(1.0)
    assert question.per_label["Y"]["f1"].value == pytest.approx(0.0)
    assert question.overall["f1"].value == pytest.approx(0.6)
    assert question.per_pair["ana|eva"]["f1"].value == pytest.approx(2 * 1 / (2 + 1))


def test_f1_only_on_records_both_answered():
    # ben never saw r2, so ana's span there is not a miss of ben's.
    spans = token_spans("ana", [0]) + token_spans("ben", [0]) + token_spans("ana", [3], record="r2")
    question = spans_question(spans, {"r1": TEN, "r2": TEN})
    assert question.per_pair["ana|ben"]["f1"].value == 1.0
    assert question.per_pair["ana|ben"]["f1"].n == 1


# ---- token-level kappa ---------------------------------------------------------------------------


def test_token_cohen_kappa_on_a_2x2_table():
    # Tokens 0-9. ana X on 0,1,2,3; ben X on 0,1,2,4.
    #            ben X  ben O
    #   ana X      3      1
    #   ana O      1      5
    # p_o = 8/10 = 0.8; p(X) = 0.4 for both -> p_e = 0.4*0.4 + 0.6*0.6 = 0.52
    # kappa = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 7/12
    spans = token_spans("ana", [0, 1, 2, 3]) + token_spans("ben", [0, 1, 2, 4])
    question = spans_question(spans, {"r1": TEN})
    kappa = question.per_pair["ana|ben"]["token_cohen_kappa"]
    assert kappa.value == pytest.approx(7 / 12)
    assert (kappa.n, kappa.unit) == (10, "tokens")


def test_token_fleiss_kappa_by_hand():
    # Four tokens, three annotators; X = inside a span, O = outside:
    #   token 0: X X X -> P = (3*2)/(3*2) = 1
    #   token 1: X X O -> P = (2*1 + 0)/6 = 1/3
    #   token 2: O O O -> P = 1
    #   token 3: X O O -> P = 1/3
    # P_bar = (1 + 1/3 + 1 + 1/3)/4 = 2/3; p(X) = 6/12 = 1/2, p(O) = 1/2 -> P_e = 1/2
    # kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3
    text = "a b c d"
    spans = token_spans("ana", [0, 1, 3]) + token_spans("ben", [0, 1]) + token_spans("eva", [0])
    question = spans_question(spans, {"r1": text})
    assert question.overall["token_fleiss_kappa"].value == pytest.approx(1 / 3)


def test_fleiss_kappa_wikipedia_example():
    # https://en.wikipedia.org/wiki/Fleiss%27_kappa#Worked_example: 10 items, 14 raters, 5 categories;
    # P_bar = 0.378, P_e = 0.213, kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    raters = [f"r{i}" for i in range(14)]
    items = {}
    for item, counts in enumerate(table):
        values = [category for category, count in enumerate(counts, 1) for _ in range(count)]
        items[item] = dict(zip(raters, values, strict=True))
    assert fleiss_kappa(items, raters).value == pytest.approx(0.2099, abs=1e-4)


def test_fleiss_kappa_needs_records_answered_by_all():
    items = {"r1": {"ana": "a", "ben": "b"}, "r2": {"ben": "a", "eva": "a"}}
    metric = fleiss_kappa(items, ["ana", "ben", "eva"])
    assert metric.value is None
    assert "all 3 annotators" in metric.reason


# ---- Krippendorff's alpha (nominal, ordinal) against the krippendorff package ---------------------


def random_answers(seed: int, values: list, missing: float = 0.3) -> list[list]:
    rng = random.Random(seed)
    return [[rng.choice(values) if rng.random() > missing else None for _ in range(12)] for _ in range(4)]


def reference_alpha(rows: list[list], level: str, domain: list) -> float:
    index = {v: i for i, v in enumerate(domain)}
    data = np.array([[np.nan if v is None else index[v] for v in row] for row in rows], dtype=float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement=level)


@pytest.mark.parametrize("seed", range(6))
def test_alpha_nominal_matches_krippendorff_package(seed):
    domain = ["caso", "revision", "ensayo"]
    rows = random_answers(seed, domain)
    labels = [
        LabelAnnotation(f"r{item}", f"ann{coder}", "tipo", value)
        for coder, row in enumerate(rows)
        for item, value in enumerate(row)
        if value is not None
    ]
    question = compute_agreement([], labels, [], {}).questions["tipo"]
    assert question.overall["alpha_nominal"].value == pytest.approx(reference_alpha(rows, "nominal", domain))


@pytest.mark.parametrize("seed", range(6))
def test_alpha_ordinal_matches_krippendorff_package(seed):
    domain = [1, 2, 3, 4, 5]
    rows = random_answers(seed, domain)
    ratings = [
        RatingAnnotation(f"r{item}", f"ann{coder}", "calidad", value)
        for coder, row in enumerate(rows)
        for item, value in enumerate(row)
        if value is not None
    ]
    question = compute_agreement([], [], ratings, {}).questions["calidad"]
    assert question.overall["alpha_ordinal"].value == pytest.approx(reference_alpha(rows, "ordinal", domain))
    pair_rows = rows[:2]
    pair = question.per_pair["ann0|ann1"]["alpha_ordinal"]
    if pair.value is not None:
        assert pair.value == pytest.approx(reference_alpha(pair_rows, "ordinal", domain))


@pytest.mark.parametrize("seed", range(4))
def test_multi_label_alpha_is_per_label_binary(seed):
    rng = random.Random(seed)
    labels = ["cardio", "renal", "endocrino"]
    answers = {
        (f"r{item}", f"ann{coder}"): [label for label in labels if rng.random() < 0.4]
        for item in range(10)
        for coder in range(3)
        if rng.random() > 0.2
    }
    annotations = [LabelAnnotation(r, a, "temas", value) for (r, a), value in answers.items()]
    question = compute_agreement([], annotations, [], {}).questions["temas"]
    assert question.kind == "multi_label"
    for label in labels:
        rows = [
            [
                None if (f"r{i}", f"ann{c}") not in answers else label in answers[f"r{i}", f"ann{c}"]
                for i in range(10)
            ]
            for c in range(3)
        ]
        assert question.per_label[label]["alpha_nominal"].value == pytest.approx(
            reference_alpha(rows, "nominal", [False, True])
        )


def test_alpha_nominal_krippendorff_2011_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example: alpha = 0.743.
    rows = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    items = {i: {f"c{c}": row[i] for c, row in enumerate(rows) if row[i] is not None} for i in range(12)}
    assert krippendorff_alpha(items, "nominal").value == pytest.approx(0.743, abs=1e-3)
    assert krippendorff_alpha(items, "ordinal").value == pytest.approx(0.815, abs=1e-3)


def test_percent_agreement_and_cohen_by_hand():
    # r1: a a -> 1; r2: a b -> 0; r3: a a b -> pairs (aa, ab, ab) -> 1/3. Mean = (1 + 0 + 1/3)/3 = 4/9.
    items = {"r1": {"x": "a", "y": "a"}, "r2": {"x": "a", "y": "b"}, "r3": {"x": "a", "y": "a", "z": "b"}}
    assert percent_agreement(items).value == pytest.approx(4 / 9)
    # x|y on r1..r3: (a,a) (a,b) (a,a): p_o = 2/3; x always a -> p_e = 1 * 2/3 = 2/3 -> kappa 0.
    assert cohen_kappa(items, "x", "y").value == pytest.approx(0.0)


# ---- unitizing alpha -----------------------------------------------------------------------------


def test_alpha_u_by_hand():
    # L = 6; ana X [0,3), ben X [0,2).
    # D_O: segment pairs (unit 0-3, unit 0-2): 0^2 + (3-2)^2 = 1; unit/gap pairs contain no unit -> 0.
    #      D_O = 2 * 1 / (R L^2) = 2 / (2 * 36) = 1/36
    # D_E: gaps 3 (ana), 4 (ben); N = 2 units.
    #      unit l=3: (N-1) l(l-1)(2l-1)/3 = 3*2*5/3 = 10; gaps >= 3: (3-3+1)+(4-3+1) = 3 -> 9*3 = 27 -> 37
    #      unit l=2: 2*1*3/3 = 2;                        gaps >= 2: 2 + 3 = 5          -> 4*5 = 20 -> 22
    #      D_E = (2/L) * 59 / (R L (R L - 1) - sum l(l-1)) = (1/3) * 59 / (132 - 8) = 59/372
    # alpha_u = 1 - (1/36) / (59/372) = 1 - 31/177 = 146/177
    result = category_alpha(6, [[(0, 3)], [(0, 2)]])
    assert (result.observed, result.expected) == (Fraction(1, 36), Fraction(59, 372))
    assert result.alpha == pytest.approx(146 / 177)


def test_alpha_u_crossing_units_by_hand():
    # L = 4; ana X [0,2), ben X [1,3): D_O = 2 * ((0-1)^2 + (2-3)^2) / (2 * 16) = 1/8;
    # D_E = (2/4) * (2 * (2 + 4*1)) / (2*4*7 - 4) = 6/52 = 3/26; alpha_u = 1 - 26/24 = -1/12.
    result = category_alpha(4, [[(0, 2)], [(1, 3)]])
    assert (result.observed, result.expected) == (Fraction(1, 8), Fraction(3, 26))
    assert result.alpha == pytest.approx(-1 / 12)


# Krippendorff (1995: 57), as DKPro Agreement's Krippendorff1995Test encodes it: L = 24, two raters,
# (offset, length) per unit; D_O and (on a 50000x stretched continuum) D_E and alpha as DKPro asserts.
K1995 = {
    "A": ([(2, 8), (14, 6)], [(4, 4), (15, 2)], 0.03125, 0.06990, 0.553),
    "B": ([(0, 18)], [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)], 2.26736, 1.17731, -0.926),
    "C": (
        [(2, 6), (10, 2), (14, 4), (20, 2)],
        [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)],
        0.02777,
        0.08642,
        0.679,
    ),
    "D": (
        [(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
        [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)],
        0.38715,
        0.41445,
        0.066,
    ),
}


def stretched(units, stretch):
    return [(offset * stretch, (offset + length) * stretch) for offset, length in units]


@pytest.mark.parametrize("category", sorted(K1995))
def test_alpha_u_krippendorff_1995_as_dkpro(category):
    first, second, observed, expected, alpha = K1995[category]
    assert float(category_alpha(24, [stretched(first, 1), stretched(second, 1)]).observed) == pytest.approx(
        observed, abs=1e-5
    )
    big = category_alpha(24 * 50000, [stretched(first, 50000), stretched(second, 50000)])
    assert float(big.expected) == pytest.approx(expected, abs=0.005)
    assert big.alpha == pytest.approx(alpha, abs=0.02)


def test_alpha_u_overall_averages_disagreements_not_alphas():
    spans = {
        "ana": [LabelledSpan(0, 3, "X"), LabelledSpan(4, 6, "Y")],
        "ben": [LabelledSpan(0, 2, "X"), LabelledSpan(3, 6, "Y")],
    }
    result = unitizing_alpha(8, spans)
    x, y = result.per_category["X"], result.per_category["Y"]
    assert result.overall.alpha == pytest.approx(
        float(1 - (x.observed + y.observed) / (x.expected + y.expected))
    )


@pytest.mark.parametrize(
    "move",
    [lambda k: LabelledSpan(2 + k, 5 + k, "X"), lambda k: LabelledSpan(2, 5 + k, "X")],
    ids=["shift", "stretch"],
)
def test_alpha_u_is_one_when_perfect_and_falls_as_a_boundary_moves(move):
    text = "ab cde fg hij"
    alphas = [
        unitizing_alpha(len(text), {"ana": [LabelledSpan(2, 5, "X")], "ben": [move(k)]}).overall.alpha
        for k in range(4)
    ]
    assert alphas[0] == 1.0
    assert alphas == sorted(alphas, reverse=True) and len(set(alphas)) == 4


def test_alpha_u_drops_same_label_nesting_and_says_so():
    spans = [SpanAnnotation("r1", "ana", 0, 5, "X"), SpanAnnotation("r1", "ana", 2, 3, "X")]
    spans += [SpanAnnotation("r1", "ben", 0, 5, "X")]
    question = spans_question(spans, {"r1": TEN})
    assert question.overall["alpha_u"].value == 1.0
    assert "1 span(s) overlapping" in question.notes[0]


def test_alpha_u_is_the_mean_over_records():
    # r1: perfect (1.0); r2: the 146/177 case above (texts of length 6); r3: no span, skipped.
    spans = [
        SpanAnnotation("r1", "ana", 0, 2, "X"),
        SpanAnnotation("r1", "ben", 0, 2, "X"),
        SpanAnnotation("r2", "ana", 0, 3, "X"),
        SpanAnnotation("r2", "ben", 0, 2, "X"),
    ]
    submissions = [Submission("r3", "ana"), Submission("r3", "ben")]
    texts = {"r1": "abcdef", "r2": "abcdef", "r3": "abcdef"}
    alpha_u = spans_question(spans, texts, submissions).overall["alpha_u"]
    assert alpha_u.value == pytest.approx((1 + 146 / 177) / 2)
    assert alpha_u.n == 2


# ---- degenerate cases ----------------------------------------------------------------------------


def test_single_annotator_gives_reasons_not_crashes():
    agreement = compute_agreement(
        token_spans("ana", [0, 1]),
        [LabelAnnotation("r1", "ana", "tipo", "caso")],
        [RatingAnnotation("r1", "ana", "calidad", 3)],
        {"r1": TEN},
    )
    for question in agreement.questions.values():
        assert question.per_pair == {}
        assert question.counts.records_with_2_or_more_annotators == 0
        for metric in question.overall.values():
            assert metric.value is None
            assert "only one annotator (ana)" in metric.reason


def test_pair_without_shared_record():
    spans = token_spans("ana", [0]) + token_spans("ben", [0], record="r2") + token_spans("eva", [0])
    question = spans_question(spans, {"r1": TEN, "r2": TEN})
    pair = question.per_pair["ana|ben"]
    assert all(metric.value is None for metric in pair.values())
    assert "no record in common" in pair["f1"].reason
    assert question.per_pair["ana|eva"]["f1"].value == 1.0
    assert "all 3 annotators" in question.overall["token_fleiss_kappa"].reason


def test_no_span_at_all():
    submissions = [Submission("r1", "ana"), Submission("r1", "ben")]
    question = spans_question([], {"r1": TEN}, submissions)
    assert question.counts.records == 1
    overall = question.overall
    assert overall["f1"].value is None and "no span at all" in overall["f1"].reason
    assert overall["alpha_u"].value is None
    assert (
        overall["token_fleiss_kappa"].value is None and "no variation" in overall["token_fleiss_kappa"].reason
    )


def test_identical_annotators_score_one():
    spans = [
        SpanAnnotation(record, annotator, start, end, label)
        for annotator in ("ana", "ben", "eva")
        for record, start, end, label in [("r1", 0, 3, "X"), ("r1", 4, 7, "Y"), ("r2", 2, 5, "X")]
    ]
    labels = [LabelAnnotation(r, a, "tipo", v) for a in ("ana", "ben") for r, v in [("r1", "x"), ("r2", "y")]]
    ratings = [
        RatingAnnotation(r, a, "calidad", v) for a in ("ana", "ben") for r, v in [("r1", 2), ("r2", 5)]
    ]
    agreement = compute_agreement(spans, labels, ratings, {"r1": TEN, "r2": TEN})
    for question in agreement.questions.values():
        blocks = [question.overall, *question.per_pair.values(), *question.per_label.values()]
        for block in blocks:
            for name, metric in block.items():
                assert metric.value == pytest.approx(1.0), (question.question, name, metric)


def test_no_variation_is_undefined_but_percent_agreement_is_one():
    # The krippendorff package refuses such data too.
    with pytest.raises(ValueError, match="more than one value"):
        krippendorff.alpha(reliability_data=[[1, 1], [1, 1]], level_of_measurement="nominal")
    labels = [LabelAnnotation(r, a, "tipo", "caso") for r in ("r1", "r2") for a in ("ana", "ben")]
    question = compute_agreement([], labels, [], {}).questions["tipo"]
    assert question.overall["alpha_nominal"].value is None
    assert "no variation" in question.overall["alpha_nominal"].reason
    assert question.overall["fleiss_kappa"].value is None
    assert question.per_pair["ana|ben"]["cohen_kappa"].value is None
    assert question.overall["percent_agreement"].value == 1.0


# ---- input errors and JSON -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: compute_agreement([SpanAnnotation("r1", "ana", 0, 50, "X")], [], [], {"r1": TEN}),
            "ends after",
        ),
        (
            lambda: compute_agreement([SpanAnnotation("r1", "ana", 0, 1, "X")], [], [], {}),
            "no text for record",
        ),
        (lambda: SpanAnnotation("r1", "ana", 3, 3, "X"), "start < end"),
        (lambda: RatingAnnotation("r1", "ana", "calidad", 2.5), "not an integer"),
        (
            lambda: compute_agreement(
                [], [LabelAnnotation("r1", "ana", "t", "a"), LabelAnnotation("r1", "ana", "t", "b")], [], {}
            ),
            "two different answers",
        ),
        (
            lambda: compute_agreement(
                [], [LabelAnnotation("r1", "ana", "t", "a"), LabelAnnotation("r2", "ana", "t", ["a"])], [], {}
            ),
            "mixes single labels",
        ),
        (
            lambda: compute_agreement(
                [], [LabelAnnotation("r1", "ana", "t", "a")], [RatingAnnotation("r1", "ana", "t", 1)], {}
            ),
            "both label and rating",
        ),
    ],
)
def test_malformed_input_is_an_agreement_error(make, message):
    with pytest.raises(AgreementError, match=message):
        make()


def test_agreement_json_shape():
    spans = token_spans("ana", [0, 2]) + token_spans("ben", [0])
    labels = [LabelAnnotation("r1", a, "temas", ["x", "y"][: i + 1]) for i, a in enumerate(["ana", "ben"])]
    document = json.loads(json.dumps(compute_agreement(spans, labels, [], {"r1": TEN}).to_json()))
    assert document["version"] == 1
    assert set(document["questions"]) == {"spans", "temas"}
    spans_json = document["questions"]["spans"]
    assert set(spans_json) == {"kind", "counts", "overall", "per_label", "per_pair", "notes"}
    assert set(spans_json["overall"]) == {"f1", "token_cohen_kappa", "token_fleiss_kappa", "alpha_u"}
    assert set(spans_json["overall"]["f1"]) == {"value", "n", "unit", "reason"}
    assert spans_json["counts"]["annotations_per_annotator"] == {"ana": 2, "ben": 1}
    assert list(spans_json["per_pair"]) == ["ana|ben"]
    assert all(name in document["methods"] for name in spans_json["overall"])
