"""A results folder's figures drawn in several processes, each reading the folder itself.

Drawing is matplotlib layout and rasterising (about 2 CPU seconds per figure in two formats,
whatever the corpus size), so a results folder's figures are drawn faster on more cores. Each
worker is a fresh process (joblib's loky workers: no fork of a process holding threads and
models, and no re-run of the caller's script) that reads the results folder lazily
(:func:`~textlab.study.results.read_results`), draws its share of the study's figure functions
and writes them into the output folder being built; the parent writes the README. Every file's
bytes depend only on its figure (the cached font subset holds a fixed glyph set plus the
figure's own), so the files are byte-identical to drawing them in one process (tested).
Only a result read from a folder is drawn this way: an in-memory result is never pickled
or forked.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["figure_jobs", "draw_in_processes", "n_figure_processes"]


@dataclass(frozen=True)
class DrawnFigure:
    """What the README needs of a figure drawn in another process."""

    name: str
    caption: str
    claim: str


def figure_jobs(result: Any) -> list[tuple[str, int]]:
    """``(step name, index of its figure function)`` for every figure function of the steps that ran."""
    from textlab.study._results_lazy import step_ran
    from textlab.study.steps import STEPS

    return [(step.name, i) for step in STEPS if step_ran(result, step.name) for i in range(len(step.figures))]


def _only_builtin(jobs: Sequence[tuple[str, int]]) -> bool:
    """Whether every step is one of textlab's own (a step registered by the caller's code is unknown to a
    fresh worker process, so such a study is drawn in this process)."""
    from textlab.study.steps import _BUILTIN

    return all(name in _BUILTIN for name, _ in jobs)


def n_figure_processes(result: Any, n_jobs: int | None, n_functions: int) -> int:
    """Processes to draw with: 1 unless ``result`` was read from a folder and ``n_jobs`` allows more.

    ``n_jobs`` ``None`` means the study's ``[compute] n_jobs``; ``-1`` every core.

    Examples
    --------
    >>> n_figure_processes(object(), 4, 10)   # not read from a folder
    1
    """
    if getattr(result, "source", None) is None or not _only_builtin(figure_jobs(result)):
        return 1
    if n_jobs is None:
        n_jobs = int(getattr(result.config, "n_jobs", 1) or 1)
    cores = os.cpu_count() or 1
    wanted = cores if n_jobs < 0 else n_jobs
    return max(1, min(wanted, cores, n_functions))


def _draw_share(source: str, share: Sequence[tuple[str, int]], folder: str, formats: Sequence[str],
                dpi: int) -> list[tuple[DrawnFigure, list[str]]]:
    """Worker: read the results folder, draw ``share``'s figures, write them into ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from textlab import plots
    from textlab._io import write_csv
    from textlab.study.results import read_results
    from textlab.study.steps import get_step, resolve

    result = read_results(source)
    out: list[tuple[DrawnFigure, list[str]]] = []
    with plots.font_subset_cache():
        for step_name, index in share:
            with plots.style():
                drawn = resolve(get_step(step_name).figures[index])(result)
            if drawn is None:
                continue
            for spec in drawn if isinstance(drawn, list | tuple) else [drawn]:
                paths = plots.save_figure(spec.figure, Path(folder) / spec.name, formats=formats, dpi=dpi)
                write_csv(spec.table, Path(folder) / f"{spec.name}.csv", for_people=True)
                plt.close(spec.figure)
                out.append((DrawnFigure(spec.name, spec.caption, spec.claim),
                            [p.name for p in paths] + [f"{spec.name}.csv"]))
    return out


def draw_in_processes(result: Any, folder: Path, *, formats: Sequence[str], dpi: int,
                      n_processes: int) -> tuple[list[DrawnFigure], list[str]]:
    """Draw every figure of a folder-backed ``result`` into ``folder`` with ``n_processes`` workers.

    Returns the figures (sorted by name, for the README) and the names of the files written.
    The figure functions are dealt out in turn so that each worker gets a similar share.
    """
    jobs = figure_jobs(result)
    shares = [jobs[i::n_processes] for i in range(n_processes)]
    from joblib.externals.loky import get_reusable_executor

    from textlab.analysis.topics._engine import resolve_n_jobs

    # the same pool size as the topic-model fits, so a study's running workers are reused
    executor = get_reusable_executor(max_workers=resolve_n_jobs(-1, 1 << 20), timeout=60)
    futures = [executor.submit(_draw_share, str(result.source), share, str(folder), tuple(formats), dpi)
               for share in shares if share]
    drawn = [item for future in futures for item in future.result()]
    drawn.sort(key=lambda item: item[0].name)
    return [figure for figure, _ in drawn], [name for _, names in drawn for name in names]
