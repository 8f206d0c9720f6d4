"""Importing annotated corpora (brat, BigBio, JSONL/CSV/text) into one checked document model.

    from annotate.corpus import load_corpus, segment, write_problems

    corpus = load_corpus("../shared/data/pharmaconer", "brat", skip_invalid=True, notes_db="SNOMED-CT")
    write_problems(corpus.problems, "runs/demo/import_problems.jsonl")
    records = [seg for doc in corpus for seg in segment(doc, "sentence")]

Every annotation is checked against its text; problems name the file and line and say what to do.
Nothing here imports `datasets` unless a BigBio dataset is loaded by name or from disk.
"""

from annotate.corpus.bigbio_record import to_bigbio_kb
from annotate.corpus.model import (
    Argument,
    Attribute,
    Coreference,
    DbRef,
    Document,
    Entity,
    Event,
    Normalization,
    Note,
    Relation,
    Span,
)
from annotate.corpus.problems import ImportProblem, read_problems, write_problems
from annotate.corpus.read import FORMATS, Corpus, detect_format, load_corpus
from annotate.corpus.segment import Segment, segment
from annotate.corpus.stats import (
    corpus_labels,
    document_labels,
    has_discontinuous,
    has_overlaps,
    label_counts,
)

__all__ = [
    "FORMATS",
    "Argument",
    "Attribute",
    "Coreference",
    "Corpus",
    "DbRef",
    "Document",
    "Entity",
    "Event",
    "ImportProblem",
    "Normalization",
    "Note",
    "Relation",
    "Segment",
    "Span",
    "corpus_labels",
    "detect_format",
    "document_labels",
    "has_discontinuous",
    "has_overlaps",
    "label_counts",
    "load_corpus",
    "read_problems",
    "segment",
    "to_bigbio_kb",
    "write_problems",
]
