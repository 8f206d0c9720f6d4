"""`annotate serve`, the launcher side of a local Argilla: it starts and owns the processes (embedded
Valkey, argilla-server, job worker) and talks to them over HTTP only; the server's own code lives in
`annotate.server`, inside the server's virtualenv.

    serve      LocalArgilla: start, health checks, stop, the banner with ARGILLA_API_URL/KEY
    processes  child processes: sessions, pid files, stale children, health waits
    home       the --home folder: permissions, the lock, the credentials
"""
