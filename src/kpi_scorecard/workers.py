"""Pure work shared out between forked processes: the pages of a large site, the scorecard as
each past review showed it.

A build of a thousand KPIs renders a thousand pages from data already in memory, and computes
the whole scorecard again for every past review: seconds of work in which nothing is shared.
Forked processes start with that data (only the results travel back, pickled), so each core of
the machine takes a share. Away from Linux, when one core is all there is, or with
``KPI_BUILD_PROCESSES=1``, everything runs in this process, in the same order, with the same
results.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

PROCESSES_VARIABLE = "KPI_BUILD_PROCESSES"
PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when its parent ends (Linux)."""
MAX_PROCESSES = 4
"""A cap on what the machine decides (measured on two cores only): each process holds its own
copy of what it writes of the build's memory, and pickles its results back."""

_serving = False
"""``mkdocs serve`` runs a web server's threads beside the build: a process forked then could
start with a lock one of them held, and wait for ever."""
_work: Callable[[Any], Any] | None = None
"""The function the forked processes run, set before they are forked (closures do not pickle,
and need not: a forked process has them already)."""


def serving(enabled: bool) -> None:
    """While serving, everything runs in this process (see ``_serving``)."""
    global _serving
    _serving = enabled


def process_count() -> int:
    """How many processes share the work: ``KPI_BUILD_PROCESSES`` (at most one per core),
    else the cores this process may run on (at most MAX_PROCESSES). 1 wherever forking is not
    safe: while serving, beside other threads (see ``_serving``), in a daemonic process (which
    may not have children: a build run from a multiprocessing pool), and away from Linux
    (macOS has ``fork`` but its system libraries do not survive it)."""
    if not _can_fork():
        return 1
    cores = len(os.sched_getaffinity(0))
    chosen = os.environ.get(PROCESSES_VARIABLE, "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return min(int(chosen), cores)
    return max(1, min(cores, MAX_PROCESSES))


def _can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and not _serving
        and not _other_threads()
        and not multiprocessing.current_process().daemon
    )


def _other_threads() -> bool:
    return threading.active_count() > 1


def shares(items: Sequence[Item], count: int, contiguous: bool = False) -> list[list[Item]]:
    """``items`` dealt into ``count`` shares, none empty (unless there are no items: one empty
    share): in turn (pages of every kind in each share, so the shares cost about the same), or
    in runs (``contiguous``: work that reuses what the item before it read)."""
    count = max(1, min(count, len(items)))
    if not contiguous:
        return [list(items[start::count]) for start in range(count)]
    size, extra = divmod(len(items), count)
    cuts = [start * size + min(start, extra) for start in range(count + 1)]
    return [list(items[cuts[i] : cuts[i + 1]]) for i in range(count)]


def run_shares(
    work: Callable[[list[Item]], Result], parts: list[list[Item]], processes: int | None = None
) -> list[Result]:
    """``work`` on every share, by this process and ``processes - 1`` forked ones (default:
    one per share) at the same time, each taking the next share not yet taken when it is
    done (so shares of unequal cost even out); results in the order of ``parts``. An
    exception in a share is raised here, as if it ran here; the shares of a process that died
    (killed, out of memory) are done here."""
    global _work
    processes = len(parts) if processes is None else min(processes, len(parts))
    if processes < 2:
        return [work(part) for part in parts]
    context = multiprocessing.get_context("fork")
    taken = context.Value("i", 0)  # the next share to take, shared by every process
    _work = partial(_take_shares, work, parts, taken)
    try:
        with _frozen():
            pool = ProcessPoolExecutor(
                processes - 1, context, initializer=_die_with_parent, initargs=(os.getpid(),)
            )
            try:
                futures = [pool.submit(_run_share, None) for _ in range(processes - 1)]
            except OSError:  # no fork (memory or process limits): all of it here
                pool.shutdown(cancel_futures=True)
                return [work(part) for part in parts]
        with pool:
            done = _work(None)
            for future in futures:
                done.update(_finished(future))
    finally:
        _work = None
    return [done[i] if i in done else work(part) for i, part in enumerate(parts)]


def _take_shares(
    work: Callable[[list[Item]], Result], parts: list[list[Item]], taken: Any, _: None
) -> dict[int, Result]:
    """Shares taken one at a time until none is left: share number -> its result."""
    done: dict[int, Result] = {}
    while True:
        with taken.get_lock():
            index = taken.value
            taken.value += 1
        if index >= len(parts):
            return done
        done[index] = work(parts[index])


def _finished(future: Future[dict[int, Result]]) -> dict[int, Result]:
    try:
        return future.result()
    except BrokenProcessPool:  # its shares are done here
        return {}


@contextmanager
def _frozen() -> Iterator[None]:
    """The objects out of the collector's sight while processes are forked: a forked process
    that walked the objects it started with would touch, and so copy, every page of its
    parent's memory. Left as they are when something froze them already."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _die_with_parent(parent: int) -> None:
    """A forked process ends with the build that forked it (``parent``), even one killed
    outright (the out-of-memory killer): it would otherwise wait for ever to hand back its
    result."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _run_share(_: None) -> Any:
    assert _work is not None, "set by run_shares before the fork"
    return _work(None)


class Pending(Generic[Result]):
    """``function`` running in a forked process while this one goes on (or, in one process,
    run when its result is asked for). A failure there is run again here, and so raised as
    if it had run here; a process that died has its work run here."""

    def __init__(self, function: Callable[[], Result]) -> None:
        self._function = function
        self._process: BaseProcess | None = None
        if process_count() < 2:
            return
        context = multiprocessing.get_context("fork")
        self._reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_send, args=(function, self._reader, writer, os.getpid()))
        try:
            with _frozen():
                process.start()
        except OSError:  # no fork (memory or process limits): done here when asked for
            self._reader.close()
        else:
            self._process = process
        finally:
            writer.close()

    def result(self) -> Result:
        if self._process is None:
            return self._function()
        try:
            succeeded, value = self._reader.recv()
        except (EOFError, OSError):
            succeeded, value = False, None
        finally:
            self._stop()
        return value if succeeded else self._function()

    def cancel(self) -> None:
        """Stop the work: its result is not needed (the build failed)."""
        self._stop()

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._reader.close()
            self._process = None


def _send(
    function: Callable[[], object], reader: Connection, writer: Connection, parent: int
) -> None:
    _die_with_parent(parent)
    reader.close()  # so that a write fails, rather than waits, once nobody reads
    try:
        result = (True, function())
    except BaseException:  # raised again where the result is asked for
        result = (False, None)
    writer.send(result)
    writer.close()
