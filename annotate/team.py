"""`annotate team`: annotator accounts from a team file, with random passwords.

The team file is a CSV with a header: `username` (required), and optionally `first_name`, `last_name`,
`role` (annotator | admin; default annotator). Passwords are random and written, with the usernames,
to a CSV with mode 0600 (never printed, never logged); an existing account keeps its password and is
only added to the workspace.

    username,first_name,role
    ana.garcia,Ana,annotator
    luis.perez,Luis,admin
"""

from __future__ import annotations

import csv
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotate.errors import AnnotateError

ROLES = ("annotator", "admin")
USERNAME = re.compile(r"^(?!-|_)[a-z0-9-_.]+$")  # Argilla's rule for usernames


class TeamFileError(AnnotateError, ValueError):
    """The team file cannot be used."""


@dataclass(frozen=True)
class Member:
    username: str
    first_name: str
    last_name: str | None
    role: str


def read_team(path: Path) -> list[Member]:
    if not path.exists():
        raise TeamFileError(f"{path}: team file not found (CSV with a 'username' column)")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "username" not in rows[0]:
        raise TeamFileError(f"{path}: needs a header with a 'username' column and one row per person")
    members, seen = [], set()
    for line, row in enumerate(rows, start=2):
        username, role = (row.get("username") or "").strip(), (row.get("role") or "annotator").strip()
        if not USERNAME.match(username):
            raise TeamFileError(
                f"{path}:{line}: username {username!r}: use lowercase letters, digits, '-', '_', '.'"
            )
        if role not in ROLES:
            raise TeamFileError(f"{path}:{line}: role {role!r}: use one of {', '.join(ROLES)}")
        if username in seen:
            raise TeamFileError(f"{path}:{line}: username {username!r} appears twice")
        seen.add(username)
        members.append(
            Member(
                username,
                (row.get("first_name") or username).strip(),
                (row.get("last_name") or "").strip() or None,
                role,
            )
        )
    return members


def write_secret_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    """username,password rows to a 0600 file (appending to an existing one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.chmod(path, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        if out.tell() == 0:
            writer.writerow(["username", "password"])
        writer.writerows(rows)


def create_team(
    client: Any, members: list[Member], workspace: Any, secrets_file: Path
) -> tuple[list[str], list[str]]:
    """(created, already existing) usernames; every member ends up in the workspace."""
    import argilla as rg

    created, existing, new_secrets = [], [], []
    in_workspace = {u.username for u in workspace.users}
    for member in members:
        user = client.users(member.username)
        if user is None:
            password = secrets.token_urlsafe(12)
            user = rg.User(
                username=member.username,
                first_name=member.first_name,
                last_name=member.last_name,
                role=member.role,
                password=password,
                client=client,
            ).create()
            new_secrets.append((member.username, password))
            created.append(member.username)
        else:
            existing.append(member.username)
        if member.username not in in_workspace:
            workspace.add_user(user)
    if new_secrets:
        write_secret_csv(secrets_file, new_secrets)
    return created, existing
