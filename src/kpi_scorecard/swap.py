"""Replacing ``site/`` with a freshly built folder, as close to atomically as the filesystem
allows (``kpi build``).

The new site is built in a staging folder beside ``site/`` and exchanged with it in one
system call (``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np(RENAME_SWAP)`` on macOS): a
build killed at any moment leaves either the old site or the new one, whole. Where the
filesystem cannot exchange, two renames are the fallback. A killed build may leave its staging
folder behind; the next build removes it, under a lock so that it never removes the folder of
a build still running.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from kpi_scorecard.errors import ScorecardError

AT_FDCWD = -100
RENAME_EXCHANGE = 2
"""renameat2's flag (Linux 3.15+): swap the two paths in one step."""
RENAME_SWAP = 2
"""renamex_np's flag (macOS 10.12+): the same."""
CANNOT_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}
"""A filesystem or kernel without the exchange: fall back to two renames."""


class SiteBusy(ScorecardError):
    """Another build is replacing the same site folder."""


def staging_prefix(site_dir: Path) -> str:
    return f".{site_dir.name}-new-"


def old_prefix(site_dir: Path) -> str:
    return f".{site_dir.name}-old-"


@contextlib.contextmanager
def staged(site_dir: Path) -> Iterator[Path]:
    """A fresh staging folder beside ``site_dir``, removed afterwards; while it exists, no
    other build may use the same folder, and leftovers of killed builds are removed first."""
    parent = site_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent, site_dir):
        remove_leftovers(site_dir)
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(site_dir), dir=parent))
        staging.chmod(0o755)  # mkdtemp makes it private; a web server must read the site
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def remove_leftovers(site_dir: Path) -> None:
    """Staging and old folders of builds that were killed (the caller holds the lock)."""
    prefixes = (staging_prefix(site_dir), old_prefix(site_dir))
    for path in site_dir.parent.iterdir():
        if path.name.startswith(prefixes) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def swap_in(new: Path, target: Path) -> None:
    """Put ``new`` in the place of ``target``; ``new`` then holds the old site (or nothing)."""
    if not target.exists() and not target.is_symlink():
        new.rename(target)  # one rename: atomic
        return
    if _exchange(new, target):
        _remove(new)
        return
    old = target.with_name(f"{old_prefix(target)}{os.getpid()}")  # pragma: no cover - fallback
    target.rename(old)  # pragma: no cover
    new.rename(target)  # pragma: no cover
    shutil.rmtree(old, ignore_errors=True)  # pragma: no cover


def _remove(path: Path) -> None:
    """The old site: a folder, or a link where ``site`` was a link to one (kept intact)."""
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one system call; False where the system cannot."""
    call = _exchange_call()
    if call is None:  # pragma: no cover - neither Linux nor macOS
        return False
    if call(os.fsencode(first), os.fsencode(second)) == 0:
        return True
    code = ctypes.get_errno()
    if code in CANNOT_EXCHANGE:  # pragma: no cover - depends on the filesystem
        return False
    raise OSError(code, os.strerror(code), str(second))  # pragma: no cover


def _exchange_call() -> Callable[[bytes, bytes], int] | None:
    libc = ctypes.CDLL(None, use_errno=True)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        renameat2 = libc.renameat2
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        renameat2.argtypes += [ctypes.c_uint]
        return lambda a, b: renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):  # pragma: no cover
        renamex_np = libc.renamex_np
        renamex_np.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        return lambda a, b: renamex_np(a, b, RENAME_SWAP)
    return None  # pragma: no cover


@contextlib.contextmanager
def _locked(folder: Path, site_dir: Path) -> Iterator[None]:
    """An exclusive lock on the folder that holds the site (an advisory flock on the folder
    itself, so that no lock file is left in the repository)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteBusy(f"another kpi build is replacing {site_dir}; try again") from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
