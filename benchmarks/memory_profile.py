"""Peak memory of each study step: run ``textlab analyze`` in-process and record RSS per step.

Issue 10's target is a peak RSS <= 2 GB for ``textlab analyze`` on 1,000,000 documents.  This
script runs :func:`textlab.study.run.run_study` with ``out=`` exactly as the CLI does (each step's
result written into the results folder as it finishes), and around each step records the resident set size at its start and
end and its peak: the kernel's high-water mark (``VmHWM``) is reset before the step by writing
``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0); where that is refused a thread samples
``VmRSS`` every 50 ms instead.  Worker processes (``n_jobs``) are not counted: ``/usr/bin/time
-v`` around the whole command gives the largest single process.

Usage::

    python benchmarks/memory_profile.py /tmp/m200k/study.toml --out /tmp/m200k/results [--fast] \
        [--json /tmp/m200k/memory.json]

Prints one line per step (``step  start_mb  end_mb  peak_mb  seconds``) and writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

__all__ = ["rss_mb", "StepMemory", "profile_study", "held_mb"]


def _status(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """The current resident set size of this process in MB (``VmRSS``)."""
    return _status("VmRSS")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class StepMemory:
    """Per-step RSS records: ``with memory.step(name): ...`` appends ``{step, start_mb, end_mb, peak_mb, seconds}``.

    Examples
    --------
    >>> memory = StepMemory(interval=0.01)
    >>> with memory.step("allocate"):
    ...     block = bytearray(50 * 2**20)
    >>> memory.rows[0]["peak_mb"] >= memory.rows[0]["start_mb"]
    True
    >>> memory.stop()
    """

    def __init__(self, *, interval: float = 0.05, echo: bool = False) -> None:
        self.rows: list[dict] = []
        self.echo = echo
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def _sample(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self._peak = max(self._peak, rss_mb())

    def stop(self) -> None:
        """Stop the sampling thread."""
        self._stop.set()
        self._thread.join()

    @contextmanager
    def step(self, name: str):
        start = rss_mb()
        exact = _reset_peak()
        self._peak = start
        began = time.perf_counter()
        try:
            yield
        finally:
            end = rss_mb()
            peak = max(_status("VmHWM"), end) if exact else max(self._peak, end)
            row = {"step": name, "start_mb": round(start), "end_mb": round(end), "peak_mb": round(peak),
                   "seconds": round(time.perf_counter() - began, 1), "how": "VmHWM" if exact else "sampled"}
            self.rows.append(row)
            if self.echo:
                print(f"memory: {name:<22} start {row['start_mb']:>6} MB  end {row['end_mb']:>6} MB  peak "
                      f"{row['peak_mb']:>6} MB  {row['seconds']:>7} s", file=sys.stderr, flush=True)


def held_mb(value, seen: set | None = None) -> float:
    """MB held by a step result's tables (deep) and arrays, nested fits included; shared arrays counted once."""
    import dataclasses

    import numpy as np
    import pandas as pd

    seen = set() if seen is None else seen
    if value is None or id(value) in seen:
        return 0.0
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        return float(value.memory_usage(deep=True, index=True).sum()) / 2**20
    if isinstance(value, np.ndarray):
        return value.nbytes / 2**20
    if isinstance(value, (list, tuple)):
        return sum(held_mb(v, seen) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(held_mb(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    return 0.0


def profile_study(study: str | Path, out: str | Path, *, fast: bool = False, skip: tuple[str, ...] = ()) -> list[dict]:
    """Run a study and write its results folder, recording memory per step (and for the writing).

    ``skip`` names steps left out (e.g. ``("keyness",)`` to profile the others quickly).
    """
    from textlab.study import run as run_module
    from textlab.study.steps import STEPS

    memory = StepMemory(echo=True)
    original = run_module._Timer.step

    @contextmanager
    def step(self, name):
        with memory.step(name), original(self, name):
            yield

    run_module._Timer.step = step
    try:
        with memory.step("(total) run_study"):  # as `textlab analyze`: each step written as it finishes
            run_module.run_study(study, fast=fast, out=out,
                                 steps=[s for s in STEPS if s.name not in skip] if skip else None)
    finally:
        run_module._Timer.step = original
        memory.stop()
    rows = memory.rows
    rows.append({"step": "(whole process)", "peak_mb": round(_status("VmHWM")), "how": "VmHWM since last reset"})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study")
    parser.add_argument("--out", required=True)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--json", default=None)
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out, e.g. keyness")
    args = parser.parse_args(argv)
    rows = profile_study(args.study, args.out, fast=args.fast, skip=tuple(s for s in args.skip.split(",") if s))
    for row in rows:
        print(f"{row['step']:<22} {row.get('start_mb', ''):>7} {row.get('end_mb', ''):>7} {row['peak_mb']:>7} "
              f"{row.get('seconds', ''):>8}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
