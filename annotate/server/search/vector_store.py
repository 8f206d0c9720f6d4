"""The vector cache on disk: one float32 file per vector settings, so a restarted server needs no rebuild.

Parsing 100k vectors of 384 numbers from the JSON Argilla stores takes tens of seconds; reading them
back from this file takes a fraction of one. The file is a copy, never the truth: what it holds is
checked against the database like the in-memory cache (count and max(updated_at) of the settings'
vectors, rows changed since read again, see vectors.py), so a stale file costs a short refresh, and a
missing, unreadable or foreign one (another database, other dimensions) is ignored and rebuilt from the
database. Written whole to a temporary file and renamed over the old one: a crash leaves the previous
file or the new one, never half of one.

Location: ARGILLA_HOME_PATH/vector-cache/<digest of database URL and settings id>.npz (mode 0600).
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from datetime import datetime
from pathlib import Path
from uuid import UUID

import numpy as np
from argilla_server.settings import settings

FOLDER = "vector-cache"
FORMAT = 1
_LOGGER = logging.getLogger(__name__)


def path(settings_id: UUID) -> Path:
    """Where the cache of one vector settings of this server's database lives."""
    url = settings.database_url.split("@")[-1]  # no password in what is hashed
    digest = hashlib.sha1(f"{FORMAT}/{url}/{settings_id}".encode()).hexdigest()[:24]
    return Path(settings.home_path) / FOLDER / f"{digest}.npz"


def save(settings_id: UUID, fingerprint: tuple[int, object], ids: list[str], unit: np.ndarray) -> None:
    """Write the matrix (rows `unit`, record ids `ids`) and the fingerprint it was read at."""
    target = path(settings_id)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    count, newest = fingerprint
    stamp = newest.isoformat() if isinstance(newest, datetime) else ""
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(
                out,
                unit=unit,
                ids=np.array(ids, dtype="S32"),
                count=np.array([count]),
                newest=np.array([stamp]),
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load(settings_id: UUID, dimensions: int) -> tuple[tuple[int, object], list[str], np.ndarray] | None:
    """(fingerprint, ids, unit) from the file, or None when there is no usable one."""
    source = path(settings_id)
    if not source.exists():
        return None
    try:
        with np.load(source, allow_pickle=False) as data:
            unit = np.ascontiguousarray(data["unit"], dtype=np.float32)
            ids = [value.decode() for value in data["ids"]]
            count = int(data["count"][0])
            stamp = str(data["newest"][0])
    except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile) as error:
        _LOGGER.warning("Ignoring the unreadable vector cache %s (%s); rebuilding it", source, error)
        return None
    if unit.ndim != 2 or unit.shape != (len(ids), dimensions):
        return None
    return (count, datetime.fromisoformat(stamp) if stamp else None), ids, unit
