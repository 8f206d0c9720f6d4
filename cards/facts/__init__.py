"""Reading the run folder: the measured facts a card states, typed (`model`), and their readers.

    dataset_facts(run)        dataset/, run.json, annotations.parquet, agreement.json, review.jsonl
    model_facts(run, "ner")   models/<task>/: metrics.json, training.json, emissions.csv, predictions

Modules: `model` (the typed facts; imports nothing of `cards`), `dataset`, `annotation`, `model_folder`,
`emissions` (codecarbon's csv), `texts` (the documents of a dataset view), `hub_vocabulary` (the Hub's
licence ids, size categories and tasks). Nothing here measures or writes: a missing or malformed input
raises `RunFolderError` naming the stage that makes it.
"""
