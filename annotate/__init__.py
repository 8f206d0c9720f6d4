"""annotate: corpus import -> Argilla projects -> local Argilla server -> export, agreement, adjudication.

Only this package talks to Argilla, and only through the `argilla` SDK over HTTP, so a remote
(Elasticsearch-backed) Argilla works the same as the local one started by `python -m annotate serve`.
The sub-package `annotate.server` is the exception to every import rule here: it runs inside the
argilla-server virtualenv (see its docstring).
"""
