"""Inter-annotator agreement, pure maths on plain dataclasses (no Argilla, no I/O): `agreement.json`.

report     compute_agreement(...): every question's metrics, the JSON of agreement.json
types      the inputs (SpanAnnotation, LabelAnnotation, RatingAnnotation, Submission, LabelledSpan)
           and outputs (Metric, Counts, QuestionAgreement)
spans      span questions: pairwise exact-match F1, token-level kappa, unitizing alpha
labels     label and rating questions: Krippendorff's alpha, Fleiss'/Cohen's kappa, percent agreement
coding     the coefficients themselves on coded items
tokens     tokens with offsets and the label each annotator gives each token
unitizing  Krippendorff's unitizing alpha (alpha_u), as INCEpTION computes it
"""
