"""Code that runs INSIDE the argilla-server virtualenv (`.venv-server`), never in the workspace one.

argilla-server 2.8 pins fastapi/starlette/typer versions that cannot resolve beside Gradio 6, so the
server lives in its own virtualenv and the workspace talks to it only over HTTP. Modules here import
only `argilla_server`, SQLAlchemy, the packages argilla-server itself depends on (rq, numpy) and the
standard library; never the rest of `annotate` or the workspace's dependencies. Conversely, nothing
outside this sub-package imports it.

- `annotate.server.search`: the SQL search engine (SQLite FTS5 / PostgreSQL tsvector), registered as
  `sql` on Argilla's `SearchEngine` interface.
- `annotate.server.connections`: pool sizes and SQLite busy timeout per process, set before Argilla
  reads its settings.
- `annotate.server.launch`: the entry points `annotate serve` runs in that virtualenv (migrate, owner,
  server, worker, workers), each registering the engine before Argilla reads its settings.
"""
