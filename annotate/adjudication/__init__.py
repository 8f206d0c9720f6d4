"""Adjudication, pure (no Argilla, no I/O): majority vote, what goes to human review and why, and the
curator's answer winning over the vote. Nothing is dropped silently.

    spans      adjudicate_spans(...): span questions (ties, lone spans, minorities -> review)
    labels     adjudicate_labels(...): single- and multi-label questions
"""
