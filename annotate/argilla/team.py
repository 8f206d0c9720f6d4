"""`annotate team`: annotator accounts from a team file, with random passwords.

The team file is a CSV with a header: `username` (required), and optionally `first_name`, `last_name`,
`role` (annotator | admin; default annotator). Passwords are random and kept, with the usernames, in a
CSV with mode 0600 (never printed, never logged); an existing account keeps its password and is only
added to the workspace.

    username,first_name,role
    ana.garcia,Ana,annotator
    luis.perez,Luis,admin

No account exists whose password was not kept: each password is appended to the secrets file and
fsync'ed BEFORE its account is created, and a secrets file that cannot be written stops the command
before the first account. An interrupted run leaves at worst a password for an account not yet made;
running the same command again creates that account with that same password. The default secrets
file is outside the checkout, one per server: `~/.config/annotate/team-passwords-HOST-PORT.csv`
(`$XDG_CONFIG_HOME` if set).
"""

from __future__ import annotations

import csv
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from annotate.argilla.api import api_errors
from annotate.errors import ArgillaConnectionError, SecretsFileError, TeamFileError, TeamInterruptedError
from runfolder import AnnotationProvenance, RunFolder, RunInfo, write_json
from runfolder.stage import fsync_dir

if TYPE_CHECKING:
    import argilla as rg

ROLES = ("annotator", "admin")
USERNAME = re.compile(r"^(?!-|_)[a-z0-9-_.]+$")  # Argilla's rule for usernames


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


def default_secrets_file(api_url: str) -> Path:
    """`~/.config/annotate/team-passwords-HOST-PORT.csv`: outside any checkout, one per server."""
    url = urlsplit(api_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    name = re.sub(r"[^A-Za-z0-9.-]", "_", f"{url.hostname or 'argilla'}-{port}")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "annotate" / f"team-passwords-{name}.csv"


class SecretsFile:
    """An append-only `username,password` CSV, mode 0600; each row is on disk (fsync) when `keep`
    returns. Opening it checks that it can be written, before any account is made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.kept = read_secrets(path)
            _private_dirs(path.parent)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(self._fd, 0o600)
            if os.fstat(self._fd).st_size == 0:
                self._write(["username", "password"])
                fsync_dir(path.parent)
        except (OSError, UnicodeDecodeError) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or exc
            raise SecretsFileError(
                f"{path}: cannot keep passwords there ({reason}); no account was created: "
                "pass a writable --secrets-file"
            ) from None

    def keep(self, username: str, password: str) -> None:
        try:
            self._write([username, password])
        except OSError as exc:
            raise SecretsFileError(
                f"{self.path}: could not keep the password of {username!r} ({exc.strerror or exc}); "
                "that account was not created: free the disk or pass another --secrets-file and re-run"
            ) from None
        self.kept[username] = password

    def _write(self, row: list[str]) -> None:
        line = f"{row[0]},{row[1]}\n"  # usernames and token_urlsafe passwords need no CSV quoting
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def read_secrets(path: Path) -> dict[str, str]:
    """username -> password of a secrets file (the last row of a username wins); {} when missing."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        return {
            row["username"]: row["password"] for row in rows if row.get("username") and row.get("password")
        }


def _private_dirs(folder: Path) -> None:
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for created in missing:
        os.chmod(created, 0o700)


def create_team(
    client: rg.Argilla, members: list[Member], workspace: rg.Workspace, secrets_file: Path
) -> tuple[list[str], list[str]]:
    """(created, already existing) usernames; every member ends up in the workspace. Each new password
    is kept in `secrets_file` before its account is created (a password kept by an interrupted run for an
    account it did not get to create is reused)."""
    created: list[str] = []
    existing: list[str] = []
    secrets_out = SecretsFile(secrets_file)  # fails here, before any account, when it cannot be written
    kept = f"every account created has its password in {secrets_file}"
    try:
        with api_errors(client, f"creating the accounts of workspace {workspace.name!r}", kept):
            add_members(client, members, workspace, secrets_out, created, existing)
    except ArgillaConnectionError as exc:
        raise TeamInterruptedError(
            f"server at {client.api_url} stopped answering ({exc.transport}) after "
            f"{len(created) + len(existing)} of {len(members)} accounts; every account created has its "
            f"password in {secrets_file}: re-run the same command to finish"
        ) from None
    finally:
        secrets_out.close()
    return created, existing


def add_members(
    client: rg.Argilla,
    members: list[Member],
    workspace: rg.Workspace,
    secrets_out: SecretsFile,
    created: list[str],
    existing: list[str],
) -> None:
    """Create the missing accounts (password kept first) and add every member to the workspace; the
    usernames go to `created`/`existing` as they are done."""
    import argilla as rg

    in_workspace = {u.username for u in workspace.users}
    for member in members:
        user = client.users(member.username)
        if user is None:
            password = secrets_out.kept.get(member.username)
            if password is None:
                password = secrets.token_urlsafe(12)
                secrets_out.keep(member.username, password)
            user = rg.User(
                username=member.username,
                first_name=member.first_name,
                last_name=member.last_name,
                role=member.role,
                password=password,
                client=client,
            ).create()
            created.append(member.username)
        else:
            existing.append(member.username)
        if member.username not in in_workspace:
            workspace.add_user(user)


def record_annotators_kind(run: RunFolder, kind: str) -> Path:
    """run.json `annotation.annotators_kind` = `kind` (expert | crowd), for the dataset card's
    `annotations_creators`; run.json must exist (`annotate load --run RUN` writes it)."""
    info = run.read_json(run.require(run.run_json), RunInfo)
    annotation = (info.annotation or AnnotationProvenance()).model_copy(update={"annotators_kind": kind})
    write_json(run.run_json, info.model_copy(update={"annotation": annotation}))
    return run.run_json
