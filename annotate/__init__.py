"""annotate: corpus import -> Argilla projects -> local Argilla server -> export, agreement, adjudication.

    cli             `python -m annotate`: one thin command per stage step, errors as one line
    errors          every error class of the package
    corpus/         importing brat, BigBio, JSONL/CSV/text corpora into one checked document model
    argilla/        everything that talks to Argilla (the only importer of the `argilla` SDK)
    agreement/      inter-annotator agreement (pure maths)
    adjudication/   majority vote, review items, the curator's answer (pure)
    remix/          adjudicated dataset -> Spanish instruction samples
    local/          `annotate serve`: the launcher of a local Argilla
    server/         runs INSIDE the argilla-server virtualenv (search engine, launcher entry points)
    views           Documents / instruction rows -> the dataset views of a run (`dataset/<view>/`)
    instruction_io  instruction files in, reviewed instruction records out
    hub             pushing the exported dataset to the Hugging Face Hub
    quickstart      the whole journey on the sample corpus (`make quickstart`)

Dependencies go one way: cli -> argilla/ (commands -> their library modules) -> agreement/,
adjudication/, corpus/, views -> `runfolder` and `portable`. Only `argilla/` talks to Argilla, and only
through the `argilla` SDK over HTTP, so a remote (Elasticsearch-backed) Argilla works the same as the
local one started by `python -m annotate serve`. The sub-package `annotate.server` is the exception to
every import rule here: it runs inside the argilla-server virtualenv (see its docstring).
"""
