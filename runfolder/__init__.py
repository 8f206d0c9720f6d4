"""The run folder `runs/<name>/`: the hand-over contract between the stages (see DESIGN.md).

Every stage (annotate, the notebooks, cards, demo) reads and writes its files through this package and
nothing else of the others: `RunFolder` names the files and says which command makes a missing one,
`schemas` holds the JSON files' models, `stage` swaps several files in as one piece, `errors` what can
go wrong. Standard library + pydantic only.
"""

from runfolder.errors import MalformedInputError, MissingInputError, RunFolderBusyError, RunFolderError
from runfolder.folder import MADE_BY, RunFolder, write_json, write_text
from runfolder.schemas import (
    ANNOTATORS_KINDS,
    AnnotationProvenance,
    ArgillaInfo,
    BeforeTuning,
    CorpusInfo,
    Metrics,
    RunInfo,
    Scores,
    SplitMetrics,
    TrainingInfo,
    now,
)
from runfolder.stage import staged

__all__ = [
    "ANNOTATORS_KINDS",
    "MADE_BY",
    "AnnotationProvenance",
    "ArgillaInfo",
    "BeforeTuning",
    "CorpusInfo",
    "MalformedInputError",
    "Metrics",
    "MissingInputError",
    "RunFolder",
    "RunFolderBusyError",
    "RunFolderError",
    "RunInfo",
    "Scores",
    "SplitMetrics",
    "TrainingInfo",
    "now",
    "staged",
    "write_json",
    "write_text",
]
