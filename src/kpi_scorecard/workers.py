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

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

PROCESSES_VARIABLE = "KPI_BUILD_PROCESSES"
MAX_PROCESSES = 4
"""Beyond four, pickling the results back costs about what another share saves."""

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
    """How many processes share the work: ``KPI_BUILD_PROCESSES``, else the cores this process
    may run on (at most MAX_PROCESSES); 1 while serving, and away from Linux (macOS has
    ``fork`` but its system libraries do not survive it)."""
    if _serving or not sys.platform.startswith("linux"):
        return 1
    chosen = os.environ.get(PROCESSES_VARIABLE, "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_PROCESSES))


def shares(items: Sequence[Item], count: int, contiguous: bool = False) -> list[list[Item]]:
    """``items`` dealt into ``count`` non-empty shares: in turn (pages of every kind in each
    share, so the shares cost about the same), or in runs (``contiguous``: work that reuses
    what the item before it read)."""
    count = max(1, min(count, len(items)))
    if not contiguous:
        return [list(items[start::count]) for start in range(count)]
    size, extra = divmod(len(items), count)
    cuts = [start * size + min(start, extra) for start in range(count + 1)]
    return [list(items[cuts[i] : cuts[i + 1]]) for i in range(count)]


def run_shares(work: Callable[[list[Item]], Result], parts: list[list[Item]]) -> list[Result]:
    """``work`` on every share, the first in this process and the others in forked processes
    (one per share, but an early finisher may take the next), at the same time; results in
    the order of ``parts``. An exception in a share is
    raised here, as if it ran here; a process that died (killed, out of memory) has its share
    run again here."""
    global _work
    if len(parts) < 2:
        return [work(part) for part in parts]
    _work = work
    # Out of the collector's sight before the fork: a forked process that walked the objects
    # it started with would touch, and so copy, every page of its parent's memory.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(parts) - 1, mp_context=context) as pool:
            futures = [pool.submit(_run_share, part) for part in parts[1:]]
            first = work(parts[0])
            return [
                first,
                *(
                    _result(future, work, part)
                    for future, part in zip(futures, parts[1:], strict=True)
                ),
            ]
    finally:
        _work = None
        gc.unfreeze()


def _run_share(part: list[Any]) -> Any:
    assert _work is not None, "set by run_shares before the fork"
    return _work(part)


def _result(
    future: Future[Result], work: Callable[[list[Item]], Result], part: list[Item]
) -> Result:
    try:
        return future.result()
    except BrokenProcessPool:
        return work(part)


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
        gc.freeze()  # see run_shares
        try:
            self._process = context.Process(target=_send, args=(function, writer), daemon=True)
            self._process.start()
        finally:
            gc.unfreeze()
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


def _send(function: Callable[[], object], writer: Connection) -> None:
    try:
        result = (True, function())
    except BaseException:  # raised again where the result is asked for
        result = (False, None)
    writer.send(result)
    writer.close()
