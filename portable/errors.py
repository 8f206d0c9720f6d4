"""Errors of the portable code (the Space carries it)."""

from __future__ import annotations


class AnswerFormatError(ValueError):
    """An answer that does not follow its task's format (strict parsing only)."""
