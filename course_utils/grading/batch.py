"""Grade N students at a time with a progress bar on stderr, and stop cleanly on Ctrl-C.

The first Ctrl-C asks the batch to stop: no new student starts, the running ones are killed
(their nbgrader processes and sandboxed kernels with them, by the `stop` callback), and every
student that had finished is already in the gradebook, since the main thread records each one
whole before it looks at the next. A second Ctrl-C raises KeyboardInterrupt at once.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager

from tqdm import tqdm

POLL_SECONDS = 0.5  # how often the main thread looks at Ctrl-C and the running count


class Interrupted(SystemExit):
    """The batch was stopped by Ctrl-C; `results` are the students graded before that."""

    def __init__(self, results: list, total: int):
        super().__init__(
            f"interrupted: {len(results)} of {total} students graded and recorded; "
            "rerun the same command to grade the rest (unchanged submissions are skipped)"
        )
        self.results = results
        self.code = 130  # the shell's exit status for a command ended by Ctrl-C


@contextmanager
def stop_on_ctrl_c():
    """An Event the first Ctrl-C (or SIGTERM, as from a job scheduler) sets; only the main
    thread can catch signals."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request_stop(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping: ending the running students ...", file=sys.stderr, flush=True)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(
    jobs: list,
    work: Callable,
    record: Callable[[object, Future], object],
    workers: int,
    stop_children: Callable[[], None],
    label: str,
) -> tuple[list, bool]:
    """work(job) for each job in `workers` threads; record(job, future) in this thread as each
    finishes (it returns a Result). Returns the Results and whether Ctrl-C stopped the batch."""
    results, failed = [], 0
    with (
        stop_on_ctrl_c() as stop,
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(total=len(jobs), desc=label, unit="student", file=sys.stderr, mininterval=1) as bar,
    ):
        futures = {pool.submit(work, job): job for job in jobs}
        pending, shown = set(futures), None
        while pending and not stop.is_set():
            done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                results.append(record(futures[future], future))
                failed += results[-1].outcome.startswith("not graded")
                bar.update()
            status = {"running": sum(f.running() for f in pending), "failed": failed}
            if status != shown:  # a log file gets a line per change, not one per poll
                bar.set_postfix(status)
                shown = status
        if stop.is_set():
            for future in pending:
                future.cancel()
            stop_children()
    return results, stop.is_set()
