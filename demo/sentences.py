"""The sentence rules the NER notebook trains with, for `predict.py`: here `portable.sentences`
itself; in the Space, a copy of that module (standard library only) takes this file's place."""

from portable.sentences import sentence_spans

__all__ = ["sentence_spans"]
