"""Work shared out between forked processes (workers.py): the same results, in the same order,
whatever the number of processes; failures behave as if everything ran in one process."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard import workers
from kpi_scorecard.render.pages import render_pages
from kpi_scorecard.site import prepare
from kpi_scorecard.workers import (
    PROCESSES_VARIABLE,
    FollowedUp,
    Pending,
    Stream,
    process_count,
    run_shares,
    shares,
    weighted_runs,
)

from .conftest import FIXTURES, GitRepo


@pytest.fixture(autouse=True)
def building(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a build on two cores or more, whatever mkdocs serve's tests (or threads that
    other tests left running) would make of it."""
    monkeypatch.setattr(workers, "_serving", False)
    monkeypatch.setattr(workers, "_other_threads", lambda: False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2, 3})
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")


@given(st.lists(st.integers(), max_size=40), st.integers(1, 6), st.booleans())
def test_shares_hold_every_item_once_and_none_is_empty(
    items: list[int], count: int, contiguous: bool
) -> None:
    # contiguous: runs of items of the same weight
    parts = weighted_runs(items, [1] * len(items), count) if contiguous else shares(items, count)
    assert sorted(x for part in parts for x in part) == sorted(items)
    assert all(parts) or parts == [[]]
    assert len(parts) == max(1, min(count, len(items)))
    if contiguous:
        assert [x for part in parts for x in part] == items
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


@given(st.lists(st.integers(0, 1000), max_size=40), st.integers(1, 6))
def test_weighted_runs_keep_the_order_and_share_the_weight(weights: list[int], count: int) -> None:
    items = list(range(len(weights)))
    runs = weighted_runs(items, weights, count)
    assert [x for run in runs for x in run] == items
    assert len(runs) == max(1, min(count, len(items)))
    assert all(runs) or runs == [[]]
    if items:  # no run holds more than its part and one more item
        heaviest = max(sum(weights[x] for x in run) for run in runs)
        assert heaviest <= sum(weights) / len(runs) + max(weights)


def test_runs_of_growing_weight_are_cut_by_weight_not_by_count() -> None:
    runs = weighted_runs(list(range(10)), list(range(1, 11)), 2)  # 1 .. 10
    assert [len(run) for run in runs] == [7, 3]  # 28 and 27, where halves would be 15 and 40


def test_this_process_and_forked_ones_take_the_shares_and_results_keep_their_order() -> None:
    parts = shares(list(range(12)), 6)

    def work(part: list[int]) -> tuple[int, list[int]]:
        time.sleep(0.1)  # long enough that every process gets a share
        return os.getpid(), [x * x for x in part]

    results = run_shares(work, parts, 3)
    assert [squares for _, squares in results] == [[x * x for x in part] for part in parts]
    pids = {pid for pid, _ in results}
    assert os.getpid() in pids and len(pids) == 3


def test_a_share_of_unequal_cost_leaves_the_rest_to_the_other_processes() -> None:
    def work(part: list[float]) -> int:
        time.sleep(part[0])
        return os.getpid()

    # one slow share and six quick ones: whoever takes the slow one takes no other
    pids = run_shares(work, [[1.0], *[[0.02]] * 6], 2)
    assert pids.count(pids[0]) == 1


def test_an_exception_in_a_share_is_raised_here_wherever_it_ran() -> None:
    def work(part: list[int]) -> int:
        if 5 in part:
            raise ValueError("no 5 please")
        time.sleep(0.05)
        return sum(part)

    for parts in ([[1, 2], [5]], [[5], [1, 2]], [[1], [2], [3], [5]]):
        with pytest.raises(ValueError, match="no 5 please"):
            run_shares(work, parts, 2)


def test_the_share_of_a_process_that_died_is_run_here() -> None:
    parent = os.getpid()

    def work(part: list[int]) -> list[int]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return [x + 1 for x in part]

    assert run_shares(work, [[1], [2], [3]]) == [[2], [3], [4]]


def test_the_number_of_processes_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "3")
    assert process_count() == 3
    monkeypatch.setenv(PROCESSES_VARIABLE, "64")  # at most one per core
    assert process_count() == 4
    monkeypatch.setenv(PROCESSES_VARIABLE, "many")  # not a number: the machine decides
    assert process_count() == 4


def test_beside_other_threads_everything_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real check
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    monkeypatch.setattr(workers, "_serving", False)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert process_count() == 1
    finally:
        stop.set()
        thread.join()


def _count_in_a_daemon(queue: multiprocessing.Queue[int]) -> None:
    queue.put(process_count())


def test_a_daemonic_process_which_may_not_fork_runs_everything_itself() -> None:
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[int] = context.Queue()
    process = context.Process(target=_count_in_a_daemon, args=(queue,), daemon=True)
    process.start()
    assert queue.get(timeout=30) == 1
    process.join()


ORPHANS = """
import os, sys, time
sys.path.insert(0, {src!r})
os.environ["KPI_BUILD_PROCESSES"] = "2"
from kpi_scorecard.workers import Pending, run_shares

def slow(_=None):
    print(os.getpid(), flush=True)
    time.sleep(60)
    return "x" * 1_000_000  # more than a pipe holds

pending = Pending(slow)
run_shares(slow, [[1], [2]])
"""


def test_forked_processes_end_with_a_build_killed_outright(tmp_path: Path) -> None:
    script = tmp_path / "build.py"
    script.write_text(ORPHANS.format(src=str(Path(workers.__file__).parents[1])))
    build = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert build.stdout is not None
    # Pending's process, and the two shares': the build's own and a forked one's
    children = [int(build.stdout.readline()) for _ in range(3)]
    build.kill()  # as the out-of-memory killer would
    build.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_pages_are_the_same_rendered_in_one_process_or_several(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state, _ = prepare(FIXTURES / "valid", with_history=False)
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    alone = render_pages(state.data)
    monkeypatch.setenv(PROCESSES_VARIABLE, "3")
    shared = render_pages(state.data)
    assert list(shared) == list(alone)
    assert shared == alone


def test_mkdocs_serve_keeps_everything_in_its_own_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kpi_scorecard import site

    monkeypatch.setenv(PROCESSES_VARIABLE, "3")
    site.on_startup(command="serve", dirty=False)
    try:
        assert process_count() == 1
        assert run_shares(lambda part: os.getpid(), shares([1, 2, 3], process_count())) == [
            os.getpid()
        ]
    finally:
        site.on_startup(command="build", dirty=False)
    assert process_count() == 3
    assert not workers._serving


def test_pending_work_runs_in_another_process_meanwhile() -> None:
    pending = Pending(lambda: (os.getpid(), os.getppid()))
    pid, parent = pending.result()
    assert pid != os.getpid() and parent == os.getpid()


def test_pending_work_that_fails_there_fails_here_as_if_it_ran_here() -> None:
    def failing() -> int:
        raise ValueError(f"broken in {os.getpid()}")

    with pytest.raises(ValueError, match=f"broken in {os.getpid()}$"):
        Pending(failing).result()


def test_pending_work_whose_process_died_is_done_here() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return 42

    assert Pending(work).result() == 42


def test_cancelled_work_stops_its_process(tmp_path: Path) -> None:
    marker = tmp_path / "finished"

    def slow() -> None:
        time.sleep(5)
        marker.write_text("done")

    pending = Pending(slow)
    pending.cancel()
    time.sleep(0.2)
    assert not marker.exists()


def test_in_one_process_pending_work_is_done_when_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    calls: list[int] = []
    pending = Pending(lambda: calls.append(os.getpid()))
    assert calls == []
    pending.result()
    assert calls == [os.getpid()]


def test_the_history_read_in_another_process_is_the_same(
    kpi_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    kpi_repo.edit("kpis/sales/orders.yaml", "2026-03: 118", "2026-03: 121")
    kpi_repo.commit("Restate March")
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    alone, _ = prepare(kpi_repo.path)
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    shared, _ = prepare(kpi_repo.path)
    assert shared.data.history == alone.data.history
    assert shared.data.history.of("orders")  # the restatement is there
    assert shared.data.reviews == alone.data.reviews


def test_a_scorecard_with_errors_stops_the_history_read_meanwhile(
    kpi_repo: GitRepo,
) -> None:
    import multiprocessing

    from kpi_scorecard.errors import ValidationFailed

    (kpi_repo.path / "kpis" / "sales" / "orders.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ValidationFailed) as failed:
        prepare(kpi_repo.path)
    assert "kpis/sales/orders.yaml:1" in failed.value.report()
    assert multiprocessing.active_children() == []


AS_PID_1 = """
import os, sys, time
sys.path.insert(0, {src!r})
os.environ["KPI_BUILD_PROCESSES"] = "2"
from kpi_scorecard.workers import Pending, run_shares

def work(_=None):
    time.sleep(0.2)
    return os.getpid()

print(os.getpid(), Pending(work).result(), *run_shares(work, [[1], [2], [3], [4]], 2))
"""


def test_a_build_that_is_process_1_still_forks(tmp_path: Path) -> None:
    """In a container the build is often process 1: its forked processes must not take that
    for the sign that their parent is gone."""
    script = tmp_path / "build.py"
    script.write_text(AS_PID_1.format(src=str(Path(workers.__file__).parents[1])))
    command = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, str(script)]
    try:
        ran = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("no unshare")
    if ran.returncode != 0 and "unshare" in ran.stderr:
        pytest.skip(f"no PID namespace here: {ran.stderr.strip()}")
    assert ran.returncode == 0, ran.stderr
    own, pending, *shared = (int(pid) for pid in ran.stdout.split())
    assert own == 1
    assert pending != 1 and set(shared) != {1}


def test_kpi_build_reads_the_history_while_it_checks_the_files(kpi_repo: GitRepo) -> None:
    from kpi_scorecard import site

    kpi_repo.edit("kpis/sales/orders.yaml", "2026-03: 118", "2026-03: 121")
    kpi_repo.commit("Restate March")
    site.build_site(kpi_repo.path)
    assert site._early_reading is None  # taken over by the build, or stopped
    assert multiprocessing.active_children() == []
    assert "Restate March" in (kpi_repo.path / "site" / "changes" / "index.html").read_text()


def test_kpi_build_with_errors_stops_the_history_it_was_reading(kpi_repo: GitRepo) -> None:
    from kpi_scorecard import site
    from kpi_scorecard.errors import ValidationFailed

    (kpi_repo.path / "kpis" / "sales" / "orders.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ValidationFailed):
        site.build_site(kpi_repo.path)
    assert site._early_reading is None
    assert multiprocessing.active_children() == []


# -- Stream: rendering while mkdocs builds ---------------------------------------------------


def _pid_and_square(item: int) -> tuple[int, int]:
    return os.getpid(), item * item


def test_a_stream_works_items_out_in_forked_processes_and_hands_each_over_once() -> None:
    items = list(range(40))
    stream = Stream(_pid_and_square, items)
    try:
        results = [stream.get(item) for item in reversed(items)]  # in any order
        folder = stream._folder
        assert not os.listdir(folder)  # each result is let go once handed over
    finally:
        stream.close()
    assert [square for _, square in results] == [item * item for item in reversed(items)]
    # forked processes did the work (this one may take an item nobody had taken yet)
    assert {pid for pid, _ in results} - {os.getpid()}
    assert not os.path.exists(folder)
    assert multiprocessing.active_children() == []


def test_in_one_process_a_stream_works_each_item_out_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    asked: list[int] = []
    stream = Stream(lambda item: asked.append(item) or item, [1, 2, 3])
    assert asked == []
    assert stream.get(2) == 2 and asked == [2]
    stream.finish()
    assert sorted(asked) == [1, 2, 3]
    stream.close()


def _fails_on_three(item: int) -> tuple[int, int]:
    if item == 3:
        raise KeyError(f"item {item}")
    return _pid_and_square(item)


def test_an_item_that_fails_in_a_forked_process_fails_here_as_if_it_ran_here() -> None:
    stream = Stream(_fails_on_three, list(range(8)))
    try:
        with pytest.raises(KeyError, match="item 3"):
            stream.get(3)
        assert [stream.get(item)[1] for item in (0, 7)] == [0, 49]  # the rest goes on
    finally:
        stream.close()


def _dies_on_two(item: int) -> tuple[int, int]:
    if item == 2 and os.environ.get("KPI_TEST_PARENT") != str(os.getpid()):
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return _pid_and_square(item)


def test_the_item_of_a_process_that_died_is_worked_out_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KPI_TEST_PARENT", str(os.getpid()))
    stream = Stream(_dies_on_two, list(range(6)))
    try:
        assert stream.get(2) == (os.getpid(), 4)
        assert [stream.get(item)[1] for item in range(6) if item != 2] == [0, 1, 9, 16, 25]
    finally:
        stream.close()


def _slowly(item: int) -> tuple[int, int]:
    time.sleep(0.05)
    return _pid_and_square(item)


def test_finishing_a_stream_this_process_takes_the_last_items_meanwhile() -> None:
    items = list(range(30))
    stream = Stream(_slowly, items)
    try:
        stream.finish()
        results = [stream.get(item) for item in items]
    finally:
        stream.close()
    assert [square for _, square in results] == [item * item for item in items]
    here = [item for item, (pid, _) in zip(items, results, strict=True) if pid == os.getpid()]
    assert here and here == items[len(items) - len(here) :]  # from the back


def test_a_build_renders_the_same_site_while_mkdocs_builds_as_in_one_process(
    kpi_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpi_scorecard import site

    started: list[object] = []
    monkeypatch.setattr(site, "Stream", lambda *args: started.append(args) or Stream(*args))
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    site.build_site(kpi_repo.path)
    alone = _tree(kpi_repo.path / "site")
    assert not started
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    site.build_site(kpi_repo.path)
    assert started  # the pages and exports were rendered by forked processes
    assert _tree(kpi_repo.path / "site") == alone
    assert multiprocessing.active_children() == []
    assert site._stream is None and site._exports is None


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_page_that_fails_while_mkdocs_builds_fails_the_build_and_leaves_the_site(
    kpi_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpi_scorecard import site
    from kpi_scorecard.render import pages

    site.build_site(kpi_repo.path)
    before = _tree(kpi_repo.path / "site")

    def broken(*args: object) -> str:
        raise RuntimeError("a bug in a page")

    monkeypatch.setattr(pages, "kpi_page", broken)
    with pytest.raises(RuntimeError, match="a bug in a page"):
        site.build_site(kpi_repo.path)
    assert _tree(kpi_repo.path / "site") == before  # kpi build swaps a site in only if built
    assert multiprocessing.active_children() == []
    assert site._stream is None and site._exports is None


def _slow_in_forked_processes(item: int) -> tuple[int, int]:
    if os.environ.get("KPI_TEST_PARENT") != str(os.getpid()):
        time.sleep(2)
    return _pid_and_square(item)


def test_waiting_for_the_next_item_to_take_this_process_takes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KPI_TEST_PARENT", str(os.getpid()))
    monkeypatch.setenv(PROCESSES_VARIABLE, "3")  # this one and two forked ones
    stream = Stream(_slow_in_forked_processes, list(range(4)))
    try:
        # the two processes are busy with 0 and 1 for seconds: this one takes 2 itself
        assert stream.get(2) == (os.getpid(), 4)
        assert [stream.get(item)[1] for item in (0, 1, 3)] == [0, 1, 9]
    finally:
        stream.close()


def test_a_stream_forks_one_process_per_core_but_this_one_s() -> None:
    stream = Stream(_pid_and_square, list(range(8)))
    try:
        assert len(stream._processes) == 1  # two processes (the fixture's)
        assert [stream.get(item)[1] for item in range(8)] == [n * n for n in range(8)]
    finally:
        stream.close()


# -- follow-ups: the rest of an item, where what it needs was left ------------------------------


def _powers(key: tuple[str, int]) -> object:
    """("square", n): n² now, n³ as its follow-up ("cube", n), from what was left in the
    process that worked out the square (its pid); ("cube", n) from nothing; ("other", n)."""
    kind, n = key
    if kind == "square":
        left_by = os.getpid()
        if n == 3 and os.environ.get("KPI_TEST_PARENT") not in (None, str(left_by)):
            return FollowedUp((9, left_by), partial(os.kill, left_by, signal.SIGKILL))  # dies later
        square = (n * n, left_by, time.monotonic())
        return FollowedUp(square, lambda: ("left", left_by, os.getpid(), n**3, time.monotonic()))
    if kind == "cube":
        return ("from nothing", os.getpid(), n**3)
    return os.getpid(), time.monotonic()


def test_a_follow_up_is_worked_out_where_its_item_was_after_every_item_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "3")  # this one and two forked ones
    keys = [("square", n) for n in range(30)]
    others = [("other", n) for n in range(30)]
    stream = Stream(_powers, [*keys, *others], {key: ("cube", key[1]) for key in keys})
    try:
        for process in stream._processes:  # they do it all (this one would take items)
            process.join(timeout=30)
        squares = [stream.get(key) for key in keys]
        cubes = [stream.get(("cube", n)) for n in range(30)]
        rest = [stream.get(key) for key in others]
    finally:
        stream.close()
    assert [square[0] for square in squares] == [n * n for n in range(30)]
    assert all(cube[0] == "left" and cube[1] == cube[2] for cube in cubes)  # the same process
    assert [cube[3] for cube in cubes] == [n**3 for n in range(30)]
    forked = {cube[2] for cube in cubes}
    assert forked and os.getpid() not in forked
    for pid in forked:  # its squares, then their cubes, then the other items
        first_cube = min(cube[4] for cube in cubes if cube[2] == pid)
        last_cube = max(cube[4] for cube in cubes if cube[2] == pid)
        assert all(when < first_cube for _, by, when in squares if by == pid)
        assert all(when > last_cube for by, when in rest if by == pid)


def test_the_follow_ups_of_a_process_that_died_are_worked_out_here_from_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KPI_TEST_PARENT", str(os.getpid()))
    keys = [("square", n) for n in range(6)]
    stream = Stream(_powers, keys, {key: ("cube", key[1]) for key in keys})
    try:
        (forked,) = stream._processes
        deadline = time.monotonic() + 30
        while forked.is_alive() and time.monotonic() < deadline:  # every square, then cubes
            time.sleep(0.02)  # until the one of 3 kills it
        assert [stream.get(key)[0] for key in keys] == [n * n for n in range(6)]
        cubes = [stream.get(("cube", n)) for n in range(6)]
    finally:
        stream.close()
    assert all(cube[:2] == ("left", forked.pid) for cube in cubes[:3])
    assert cubes[3:] == [("from nothing", os.getpid(), n**3) for n in (3, 4, 5)]


def _slow_cubes(key: tuple[str, int]) -> object:
    """As _powers, but a forked process takes a second over each cube, and every process a
    tenth of a second over each other item."""
    result = _powers(key)
    if isinstance(result, FollowedUp) and os.environ.get("KPI_TEST_PARENT") != str(os.getpid()):
        return FollowedUp(result.result, partial(_slowly_then, 1, result.follow_up))
    if key[0] == "other":
        time.sleep(0.1)
    return result


def _slowly_then(seconds: float, follow_up: Any) -> object:
    time.sleep(seconds)
    return follow_up()


def test_waiting_for_a_follow_up_this_process_takes_the_last_items_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KPI_TEST_PARENT", str(os.getpid()))
    keys = [("square", n) for n in range(2)]
    others = [("other", n) for n in range(40)]
    stream = Stream(_slow_cubes, [*keys, *others], {key: ("cube", key[1]) for key in keys})
    try:
        while not all(stream._positions[key] in stream._done for key in keys):
            stream._receive(0.05)  # both squares done there, so both cubes are its to do
        assert stream.get(("cube", 1))[0] == "left"  # 2 s, in which this one took others
        taken_from = stream._ends[1]  # what no process had taken yet, from the back
        rest = [stream.get(key) for key in others]
    finally:
        stream.close()
    waited = [n for n, key in enumerate(others) if stream._positions[key] >= taken_from]
    assert 0 < len(waited) < len(others)  # the last ones, while the front was still taken
    assert all(rest[n][0] == os.getpid() for n in waited)


def test_in_one_process_a_follow_up_is_worked_out_from_what_its_item_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    keys = [("square", n) for n in range(3)]
    stream = Stream(_powers, keys, {key: ("cube", key[1]) for key in keys})
    assert stream.get(("square", 2))[0] == 4
    cube = stream.get(("cube", 2))
    assert isinstance(cube, tuple) and cube[:4] == ("left", os.getpid(), os.getpid(), 8)
    assert stream.get(("cube", 1)) == ("from nothing", os.getpid(), 1)  # its item not asked
    stream.close()


def test_without_a_temporary_folder_a_stream_works_everything_out_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(**_: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(workers.tempfile, "mkdtemp", full)
    stream = Stream(_pid_and_square, [1, 2, 3])
    try:
        assert [stream.get(item) for item in (1, 2, 3)] == [(os.getpid(), n * n) for n in (1, 2, 3)]
    finally:
        stream.close()
    assert multiprocessing.active_children() == []


def test_the_temporary_folders_of_a_build_killed_outright_are_removed_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers.tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp_path / f"kpi-scorecard-{int(gone.stdout)}-stream-abc"
    (dead / "sub").mkdir(parents=True)
    (dead / "sub" / "7").write_bytes(b"a result nobody fetched")
    recent = tmp_path / f"kpi-scorecard-{int(gone.stdout)}-exports-xyz"  # may be another's
    recent.mkdir()
    an_hour_ago = time.time() - workers.STALE_AFTER - 60
    os.utime(dead, (an_hour_ago, an_hour_ago))
    running = tmp_path / f"kpi-scorecard-{os.getppid()}-exports-def"  # a live process's
    running.mkdir()
    other = tmp_path / "kpi-scorecard-notes"  # not one of ours
    other.mkdir()
    made = Path(workers.private_folder("stream"))
    assert made.parent == tmp_path and made.name.startswith(f"kpi-scorecard-{os.getpid()}-stream-")
    assert not dead.exists() and running.is_dir() and other.is_dir() and recent.is_dir()
