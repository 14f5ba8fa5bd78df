"""Progress for long steps: a bar on a terminal or in Jupyter, one-line reports in a log.

On a terminal (or in Jupyter) a tqdm bar is shown (``tqdm.auto``).  When stderr is not a terminal
— a batch job, ``nohup``, output redirected to a log file — a bar would be noise, so a plain line
is printed instead each time another 10 % of the items is done, or 30 s after the last line,
and at the end::

    textlab: model selection (K, seed): 6/18 fits (33%), elapsed 0:01:12

Set the environment variable ``TEXTLAB_PROGRESS=0`` to silence both (tests do), ``=1`` to force
the bar; ``progress(..., disable=True)`` silences one step.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["progress", "counter"]

T = TypeVar("T")
LOG_EVERY_FRACTION = 0.1  # a log line each time another 10 % is done ...
LOG_EVERY_SECONDS = 30.0  # ... or this long after the previous line


def _disabled(disable: bool | None) -> bool | None:
    if disable is not None:
        return disable
    flag = os.environ.get("TEXTLAB_PROGRESS")
    if flag == "0":
        return True
    if flag == "1":
        return False
    return None  # decided by where stderr goes


def _interactive(stream: TextIO) -> bool:
    """A terminal, or a Jupyter kernel (whose stderr is not a terminal but shows a widget bar)."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        return False
    return "ipykernel" in sys.modules and type(stream).__module__.startswith("ipykernel")


def _elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _log_lines(iterable: Iterable[T], desc: str, total: int | None, unit: str, stream: TextIO,
               clock=time.monotonic) -> Iterator[T]:
    """Yield the items, writing one line per 10 % done (or per 30 s) and one at the end."""
    start = last = clock()
    next_fraction = LOG_EVERY_FRACTION
    done = 0
    units = unit if unit.endswith("s") else unit + "s"

    def line(now: float, final: bool = False) -> None:
        share = f" ({done / total:.0%})" if total else ""
        count = f"{done}/{total}" if total else f"{done}"
        stream.write(f"textlab: {desc}: {count} {units}{share}, elapsed {_elapsed(now - start)}"
                     f"{' - done' if final else ''}\n")
        stream.flush()

    try:
        for item in iterable:
            yield item
            done += 1
            now = clock()
            reached = bool(total) and done / total + 1e-12 >= next_fraction
            if (reached and done < total) or now - last >= LOG_EVERY_SECONDS:
                line(now)
                last = now
                if total:
                    while next_fraction <= done / total + 1e-12:
                        next_fraction += LOG_EVERY_FRACTION
    finally:  # also when the caller stops early (a converged sampler)
        line(clock(), final=True)


def progress(
    iterable: Iterable[T],
    *,
    desc: str,
    total: int | None = None,
    unit: str = "it",
    disable: bool | None = None,
) -> Iterator[T]:
    """Wrap ``iterable`` in a progress display (bar on a terminal, periodic lines in a log).

    Parameters
    ----------
    iterable
        Items to iterate over.
    desc
        Short label for the step (``"tokenising"``).
    total
        Number of items, if ``len(iterable)`` is not available.
    unit
        Name of one item (``"doc"``, ``"passage"``).
    disable
        ``True`` to hide, ``False`` to force the bar; ``None`` follows ``TEXTLAB_PROGRESS`` and
        where stderr goes (bar on a terminal or in Jupyter, one line per 10 % or 30 s otherwise).

    Examples
    --------
    >>> list(progress(range(3), desc="counting", disable=True))
    [0, 1, 2]
    """
    decided = _disabled(disable)
    if decided is True:
        return iter(iterable)
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    stream = sys.stderr
    if decided is None and not _interactive(stream):
        return _log_lines(iterable, desc, total, unit, stream)
    from tqdm.auto import tqdm

    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=False, leave=False))


class _LogCounter:
    """``tqdm``-like counter (``update(n)``, ``close()``, context manager) that writes log lines."""

    def __init__(self, desc: str, total: int | None, unit: str, stream: TextIO) -> None:
        self._ticks = iter(_log_lines(iter(int, 1), desc, total, unit, stream))  # an endless source of ticks
        next(self._ticks)  # started: each further tick counts one item done
        self._closed = False

    def update(self, n: int = 1) -> None:
        for _ in range(int(n)):
            next(self._ticks)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._ticks.close()  # type: ignore[attr-defined]

    def __enter__(self) -> "_LogCounter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def counter(desc: str, *, total: int | None = None, unit: str = "it", disable: bool | None = None):
    """A progress counter advanced with ``update(n)`` (for work that arrives in batches).

    Same rules as :func:`progress`: a tqdm bar on a terminal or in Jupyter, log lines otherwise,
    nothing with ``TEXTLAB_PROGRESS=0`` or ``disable=True``.

    Examples
    --------
    >>> with counter("reading", total=4, unit="doc", disable=True) as bar:
    ...     bar.update(4)
    """
    from tqdm.auto import tqdm

    decided = _disabled(disable)
    if decided is None and not _interactive(sys.stderr):
        return _LogCounter(desc, total, unit, sys.stderr)
    return tqdm(desc=desc, total=total, unit=unit, unit_scale=True, disable=bool(decided), leave=False)
