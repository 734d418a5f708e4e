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
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")

PROCESSES_VARIABLE = "KPI_BUILD_PROCESSES"
PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when its parent ends (Linux)."""
MAX_PROCESSES = 4
"""A cap on what the machine decides (measured on two cores only): each process holds its own
copy of what it writes of the build's memory, and pickles its results back."""

BACKGROUND_NICENESS = 10
"""How much less a Stream's processes claim the cores than the process that forked them."""
CLAIM_EVERY = 0.01
"""Seconds between two looks, while this process waits for a Stream's item, at whether that
item is the next one to take: then it takes it itself."""

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


def weighted_runs(items: Sequence[Item], weights: Sequence[int], count: int) -> list[list[Item]]:
    """``items`` cut into ``count`` runs, none empty, each of about the same total weight (the
    work of each item, as far as it is known): work that reuses what the item before it read,
    whose items cost unequally (a review of a later month reads longer files)."""
    count = max(1, min(count, len(items)))
    totals = list(accumulate(weights))
    whole = totals[-1] if totals else 0
    cuts = [0]
    for run in range(1, count):
        # the first cut after which the runs so far hold their part of the weight
        cut = bisect_left(totals, whole * run / count) + 1
        cuts.append(min(max(cut, cuts[-1] + 1), len(items) - (count - run)))
    cuts.append(len(items))
    return [list(items[cuts[i] : cuts[i + 1]]) for i in range(count)]


def shares(items: Sequence[Item], count: int) -> list[list[Item]]:
    """``items`` dealt into ``count`` shares in turn, none empty (unless there are no items:
    one empty share): pages of every kind in each share, so the shares cost about the same.
    Work that reuses what the item before it read is cut into runs (``weighted_runs``)."""
    count = max(1, min(count, len(items)))
    return [list(items[start::count]) for start in range(count)]


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
            futures: list[Future[dict[int, Result]]] = []
            try:
                for _ in range(processes - 1):
                    futures.append(pool.submit(_run_share, None))
            except OSError:  # no fork (memory or process limits): all of it here
                pool.shutdown(cancel_futures=True)
                return [work(part) for part in parts]
            except BrokenProcessPool:  # one died already: what it took is done here
                pass
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


@dataclass(frozen=True)
class FollowedUp:
    """What a Stream's ``work`` returns for an item that has a follow-up: the item's result,
    and how the process that worked it out works out the follow-up's, from what is left there
    (a page's first part is wanted first, its rest later: see Stream)."""

    result: object
    follow_up: Callable[[], object]


class Stream(Generic[Key]):
    """``work`` on each of ``items``, in their order, by forked processes (one per other
    core) while this one goes on with something else: mkdocs building the pages, each of
    which waits for its own items only (``get``).

    The results travel through files in a private temporary folder, which the forked
    processes fill as fast as they can (through a pipe, they would go at this process's
    pace); the pipe only says which item is done. An item that failed there, or that a
    process which died was working on, is worked out here when it is asked for, so it raises
    as if everything ran here. In one process, each item is worked out when asked for.

    An item may have a follow-up (``follow_ups``: item -> the follow-up's key), whose result
    comes from what working the item out left in its process (``FollowedUp``): a process
    works out its follow-ups, in order, once every item that has one is taken (before the
    items after those). A follow-up that failed, or whose process died (once no process is
    left), is worked out here from nothing: ``work(key)``."""

    def __init__(
        self,
        work: Callable[[Key], object],
        items: Sequence[Key],
        follow_ups: Mapping[Key, Key] | None = None,
    ) -> None:
        follow_ups = follow_ups or {}
        self._work = work
        self._keys = [*items, *follow_ups.values()]
        self._items = len(items)
        self._positions = {key: position for position, key in enumerate(self._keys)}
        self._follow_up_of = {
            self._positions[item]: self._positions[key] for item, key in follow_ups.items()
        }
        self._done: set[int] = set()
        self._failed: set[int] = set()
        self._here: dict[int, object] = {}
        self._follow_ups_here: dict[int, Callable[[], object]] = {}
        self._readers: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._folder = ""
        self._ends: Any = None
        # One process per core but this one's: this one has mkdocs' work, and takes items
        # when they are late (more processes than cores only copy more of the memory).
        count = min(process_count() - 1, len(items))
        if count < 1:
            return
        try:
            self._folder = private_folder("stream")
        except OSError:  # no temporary folder (full, or not writable): all of it here
            return
        context = multiprocessing.get_context("fork")
        # Shared by the processes: the next item from the front (theirs), and the first item
        # taken from the back (by this process, in ``finish``).
        self._ends = taken = context.Array("i", [0, len(items)])
        plan = _Plan(work, list(items), self._follow_up_of, self._folder)
        with _frozen():
            for _ in range(count):
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_stream, args=(plan, taken, reader, writer, os.getpid())
                )
                try:
                    process.start()
                except OSError:  # no fork (memory or process limits): fewer, or here
                    reader.close()
                    break
                finally:
                    writer.close()  # so that the reader ends when the process does
                self._processes.append(process)
                self._readers.append(reader)

    def wait(self, key: Key) -> None:
        """Until ``key`` is done: by a forked process, or else here, also when it is the
        next item they would take (this process has nothing better to do than wait).
        Waiting for a follow-up, which only its process can work out, this process takes
        the last item no process has taken (one wanted last)."""
        position = self._positions[key]
        follow_up = position >= self._items
        while position not in self._done and position not in self._failed and self._readers:
            if self._claim(position) or position in self._follow_ups_here:
                break
            took = follow_up and self._take_last()
            self._receive(0 if took else CLAIM_EVERY)
        if position not in self._done:
            self._here[position] = self._worked_out_here(position)
            self._done.add(position)

    def _claim(self, position: int) -> bool:
        """Takes ``position`` if it is the next item from the front."""
        with self._ends.get_lock():
            if self._ends[0] == position < self._ends[1]:
                self._ends[0] = position + 1
                return True
        return False

    def _worked_out_here(self, position: int) -> object:
        follow_up = self._follow_ups_here.pop(position, None)
        if follow_up is not None:
            return follow_up()
        result = self._work(self._keys[position])
        if isinstance(result, FollowedUp):
            if position in self._follow_up_of:
                self._follow_ups_here[self._follow_up_of[position]] = result.follow_up
            return result.result
        return result

    def _take_last(self) -> bool:
        """Works out here the last item no process has taken; False when none is left."""
        with self._ends.get_lock():
            front, back = self._ends
            if front >= back:
                return False
            self._ends[1] = back = back - 1
        self._here[back] = self._worked_out_here(back)
        self._done.add(back)
        return True

    def finish(self) -> None:
        """Every item done: this process takes the last ones not yet taken while the forked
        processes finish theirs (the end of a build, which has nothing else to do)."""
        while self._readers and self._take_last():
            pass
        for key in self._keys:
            self.wait(key)

    def get(self, key: Key) -> object:
        """``key``'s result, handed over once (and then no longer held): waits for it, or
        works it out here."""
        self.wait(key)
        position = self._positions[key]
        if position in self._here:
            return self._here.pop(position)
        path = os.path.join(self._folder, str(position))
        if not os.path.exists(path):  # a result of None is not written
            return None
        with open(path, "rb") as handle:
            value = pickle.load(handle)
        os.remove(path)
        return value

    def _receive(self, timeout: float | None = None) -> None:
        for reader in wait(self._readers, timeout):
            assert isinstance(reader, Connection)
            try:
                position = reader.recv()
            except (EOFError, OSError):  # the process ended (or died)
                self._readers.remove(reader)
                reader.close()
                continue
            if position < 0:  # failed there: worked out here, and its follow-up too
                failed = -1 - position
                self._failed.add(failed)
                if failed in self._follow_up_of:
                    self._failed.add(self._follow_up_of[failed])
                continue
            self._done.add(position)

    def close(self) -> None:
        """The processes stopped and their folder removed (with what was not fetched)."""
        for process in self._processes:
            process.kill()
            process.join()
        for reader in self._readers:
            reader.close()
        self._processes, self._readers = [], []
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


FOLDER_PREFIX = "kpi-scorecard-"
STALE_AFTER = 3600
"""Seconds after which a temporary folder whose process is gone is removed (younger ones may
belong to a build of another container that shares the folder but not the process ids)."""


def private_folder(purpose: str) -> str:
    """A new temporary folder of this process (``kpi-scorecard-<pid>-<purpose>-...``). Those
    of builds that were killed outright (their process is gone) are removed first: a killed
    build at 1,000 KPIs leaves about a hundred megabytes there."""
    root = Path(tempfile.gettempdir())
    with suppress(OSError):
        for folder in root.glob(f"{FOLDER_PREFIX}*-*"):
            owner = folder.name[len(FOLDER_PREFIX) :].split("-", 1)[0]
            stale = time.time() - folder.stat().st_mtime > STALE_AFTER
            if owner.isdigit() and stale and not _alive(int(owner)):
                shutil.rmtree(folder, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-{purpose}-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


@dataclass(frozen=True)
class _Plan:
    """What a Stream's forked processes share: the work, the items, the follow-ups."""

    work: Callable[[Any], object]
    items: list[Any]
    follow_up_of: Mapping[int, int]
    folder: str

    @property
    def follow_ups_first_from(self) -> int:
        """The position from which a process works out its follow-ups before the next item:
        after the last item that has one."""
        return max(self.follow_up_of, default=-1) + 1


def _stream(plan: _Plan, taken: Any, reader: Connection, writer: Connection, parent: int) -> None:
    """A forked process of a Stream: takes the next item until none is left, or one fails
    (said with a negative number: the item is worked out again where it is asked for)."""
    _die_with_parent(parent)
    reader.close()
    # This process's work is what the forking one waits for only when it runs late: the
    # forking one (mkdocs building the pages, single-threaded) has the first claim on a core.
    os.nice(BACKGROUND_NICENESS)
    # The build forks it with collections paused (site.py); what it inherited is out of the
    # collector's sight (_frozen), and what it makes, page after page, may be collected.
    gc.enable()
    follow_ups: deque[tuple[int, Callable[[], object]]] = deque()
    first_from = plan.follow_ups_first_from
    while True:
        with taken.get_lock():
            front, back = taken
            follow_up_now = bool(follow_ups) and (front >= first_from or front >= back)
            if not follow_up_now:
                taken[0] = front + 1
        if follow_up_now:
            position, work = follow_ups.popleft()
        elif front < back:
            position, work = front, partial(plan.work, plan.items[front])
        else:
            break
        try:
            result = work()
        except BaseException:
            writer.send(-1 - position)
            break
        if isinstance(result, FollowedUp):
            if position in plan.follow_up_of:
                follow_ups.append((plan.follow_up_of[position], result.follow_up))
            result = result.result
        if result is not None:
            with open(os.path.join(plan.folder, str(position)), "wb") as handle:
                pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        writer.send(position)
    writer.close()
