"""Reading and writing the files that commands change: all of them or none, with the operating
system's errors turned into one-line messages that name the file.

A file is replaced through a temporary file and an atomic rename, after the temporary file got
the old file's mode and owner. A symbolic link is written through (the file it points to
changes, the link stays). When the owner cannot be kept (someone else's file that we may write),
or the file has other hard links, it is rewritten in place instead, which keeps both.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from kpi_scorecard.errors import ScorecardError, one_line


class FileError(ScorecardError):
    """A file could not be read or written; the message names it."""


def reason(error: OSError) -> str:
    """Why the operating system said no, as the CLI words it: ``no space left on device``."""
    return one_line((error.strerror or str(error) or type(error).__name__).lower())


def read_text(path: Path, label: str) -> str:
    """The file's text (UTF-8, a byte order mark kept); ``label`` names it in messages."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileError(f"{one_line(label)}: cannot read: {reason(error)}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileError(f"{one_line(label)}: not valid UTF-8 (byte {error.start})") from None


@dataclass
class _Target:
    """A file to write: where the bytes go (links resolved) and what was there before."""

    path: Path
    label: str
    data: bytes
    before: bytes | None = None
    status: os.stat_result | None = None


def write_all(new_texts: dict[Path, str], root: Path | None = None) -> None:
    """Write every file, or, when anything fails, put back the files already written, remove
    the files and folders created, and raise a FileError naming the file.

    With ``root``, files are named relative to it, and a link that leads out of it is refused.
    """
    targets = [_target(path, text, root) for path, text in new_texts.items()]
    created: list[Path] = []
    written: list[_Target] = []
    current: _Target | None = None
    try:
        for current in targets:
            _make_parents(current.path.parent, created)
            _replace(current.path, current.data, current.status)
            written.append(current)
    except BaseException as error:
        _roll_back(written, created)
        if isinstance(error, OSError) and current is not None:
            message = f"{one_line(current.label)}: cannot write: {reason(error)}"
            raise FileError(message) from None
        raise


def _target(path: Path, text: str, root: Path | None) -> _Target:
    label = _label(path, root)
    real = Path(os.path.realpath(path))
    if root is not None and not real.is_relative_to(os.path.realpath(root)):
        raise FileError(f"{one_line(label)} is a link to a file outside the repository")
    target = _Target(real, label, text.encode("utf-8"))
    try:
        target.status = real.stat()
        target.before = real.read_bytes()
    except FileNotFoundError:
        target.status = None
    except OSError as error:
        raise FileError(f"{one_line(label)}: cannot read: {reason(error)}") from None
    if target.status is not None and not os.access(real, os.W_OK):
        raise FileError(f"{one_line(label)}: cannot write: the file is read-only")
    return target


def _label(path: Path, root: Path | None) -> str:
    if root is not None and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return str(path)


def _make_parents(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` and its missing parents, adding each to ``created`` once it exists."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _replace(path: Path, data: bytes, old: os.stat_result | None) -> None:
    if old is not None and (old.st_nlink > 1 or not _can_own(old)):
        _rewrite_in_place(path, data)
        return
    # a fresh name, never an existing file or a link someone left there
    temporary = path.with_name(f".{path.name}.kpi-{secrets.token_hex(6)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    # 0o666 lets the umask decide a new file's mode, as any editor would
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            if old is not None:
                os.fchmod(file.fileno(), stat.S_IMODE(old.st_mode))
                if (old.st_uid, old.st_gid) != _owner(file.fileno()):
                    os.fchown(file.fileno(), old.st_uid, old.st_gid)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _owner(descriptor: int) -> tuple[int, int]:
    status = os.fstat(descriptor)
    return status.st_uid, status.st_gid


def _can_own(old: os.stat_result) -> bool:
    """Whether a file we create can be given ``old``'s owner and group."""
    if os.geteuid() == 0:
        return True
    return old.st_uid == os.geteuid() and (
        old.st_gid == os.getegid() or old.st_gid in os.getgroups()
    )


def _rewrite_in_place(path: Path, data: bytes) -> None:
    with path.open("r+b") as file:
        file.write(data)
        file.truncate()


def _roll_back(written: list[_Target], created: list[Path]) -> None:
    """Best effort: every step is tried even when one fails."""
    for target in reversed(written):
        with contextlib.suppress(OSError):
            if target.before is None:
                target.path.unlink(missing_ok=True)
            else:
                _replace(target.path, target.before, target.status)
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()
