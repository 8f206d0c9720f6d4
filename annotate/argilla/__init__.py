"""Everything that talks to Argilla, and the only importer of the `argilla` SDK (HTTP only, so a remote
Elasticsearch-backed Argilla works the same as the local one).

Commands, one module each, called by `annotate.cli`:
    load       a corpus or instruction file -> a dataset with records and suggestions
    team       annotator accounts with kept passwords
    simulate   simulated annotators who answer from the corpus's own annotations
    curation   `adjudicate`: the records annotators disagree on -> a curation dataset for curators
    export     a dataset's answers -> the run folder (annotations, agreement, adjudicated dataset)

Library modules the commands share (commands never import each other):
    client     the connection (ARGILLA_API_URL / ARGILLA_API_KEY), workspaces and datasets by name
    api        REST calls the SDK lacks (typed `RecordItem`s) and the one place where the SDK's and
               httpx's errors become `annotate.errors` classes
    answers    every annotator's answers in a dataset, as agreement/adjudication inputs
    curators   who may curate, and what the curators decided
    datasets   creating datasets without leaving drafts, logging records in batches
    templates  the project settings per task (ner, classification, instruction), Spanish guidelines
    records    Documents -> record drafts (segments keeping their offsets, context, gold spans)
    suggest    pre-annotations: gold, a lexicon, a token-classification model

The SDK is imported inside functions (and under TYPE_CHECKING for annotations), so importing these
modules stays fast.
"""
