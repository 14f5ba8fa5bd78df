"""Writing a study's figures folder: :func:`make_figures` and its ``README.md``.

Each figure of :func:`textlab.study.figures.build_figures` is saved in every requested format with
the CSV of exactly what is drawn, and ``README.md`` gives each one's caption and headline numbers;
the folder is built under a temporary name and swapped into place whole.
:mod:`textlab.study.figures` re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt

from textlab import plots
from textlab._io import atomic_directory, study_inputs, write_csv, write_text

if TYPE_CHECKING:
    from textlab.study.figures import FigureSpec

__all__ = ["make_figures"]


def _formats_sentence(formats: Sequence[str], dpi: int) -> str:
    names = {"pdf": "a vector PDF", "png": f"a {dpi} dpi PNG", "svg": "an SVG"}
    return ", ".join(names[f] for f in formats) + " and the CSV of exactly what is drawn"


def _readme(result: Any, specs: Iterable[FigureSpec], out_name: str = "figures", *,
            formats: Sequence[str] = ("pdf", "png"), dpi: int = 300) -> str:
    config = result.config
    ci = f"{float(config.ci_level) * 100:.10g}%"
    lines = [
        "# Figures",
        "",
        f"Written by textlab; regenerate with `{config.rerun_command('figures', out_name)}` (or "
        f"`textlab.make_figures` in Python); do not edit by hand. Each figure is {_formats_sentence(formats, dpi)}.",
        "",
    ]
    if config.fast:
        lines += ["**Quick look (`--fast`)**: fewer seeds, bootstrap replicates, permutations and posterior draws "
                  "than the study file asks for; not for publication. Rerun without `--fast` for the real figures.",
                  ""]
    lines += [
        f"Study: groups from `{config.group_column}`; contrast "
        f"{' minus '.join(config.contrast) if config.contrast else 'each group vs the rest'}; K = {result.n_topics} "
        f"topics ({result.provenance.get('n_topics_rule')}); seeds {list(config.stability_random_states)}; "
        f"{config.n_boot} bootstrap replicates, {config.n_perm} permutations, {config.n_draws} posterior draws; "
        f"{ci} intervals.",
        "",
    ]
    image = "png" if "png" in formats else formats[0]
    for spec in specs:
        files = ", ".join(f"`{spec.name}.{f}`" for f in (*formats, "csv"))
        lines += [f"## {spec.name}", "", f"![{spec.name}]({spec.name}.{image})", "", spec.caption, "",
                  f"**Numbers:** {spec.claim}", "", f"Files: {files}.", ""]
    from textlab._inert import markdown_safe

    return "\n".join(markdown_safe(line) for line in lines)  # group names are text, never raw HTML


def make_figures(result: Any, out_dir: str | Path = "figures", *, formats: Sequence[str] | None = None,
                 dpi: int | None = None, n_jobs: int | None = None) -> list[Path]:
    """Write every figure of a study (each format + CSV) and ``README.md`` into ``out_dir``.

    The folder is built under a temporary name and swapped into place when
    complete, so an interrupted run leaves the previous figures intact.

    Parameters
    ----------
    result
        A :class:`textlab.study.run.StudyResult` (a fresh run, or a results folder read back
        with :func:`~textlab.study.results.read_results`).
    out_dir
        Output folder (replaced as a whole: keep nothing else in it).
    formats, dpi
        File formats and raster resolution; default the study's ``[figures] formats`` and ``dpi``
        (PDF and 300 dpi PNG).
    n_jobs
        Processes drawing the figures of a result read from a results folder (default the study's
        ``[compute] n_jobs``; ``-1`` every core); the files are byte-identical to one process.
        A result in memory is drawn in this process.

    Returns
    -------
    list of Path
        Every file written.

    Examples
    --------
    >>> make_figures(read_results("results"), "figures", formats=["png"], dpi=150)  # doctest: +SKIP
    """
    from textlab.study.figures import build_figures  # figures.py re-exports this module's names

    config = result.config
    formats = tuple(config.figure_formats if formats is None else ([formats] if isinstance(formats, str) else formats))
    dpi = int(config.figure_dpi if dpi is None else dpi)
    out_dir = Path(out_dir)
    inputs = study_inputs(config) + ([Path(result.source)] if getattr(result, "source", None) else [])
    from textlab.study._figures_parallel import draw_in_processes, figure_jobs, n_figure_processes

    n_processes = n_figure_processes(result, n_jobs, len(figure_jobs(result)))
    if n_processes > 1:
        with atomic_directory(out_dir, inputs=inputs) as tmp:
            drawn, names = draw_in_processes(result, tmp, formats=formats, dpi=dpi, n_processes=n_processes)
            write_text(_readme(result, drawn, out_dir.name, formats=formats, dpi=dpi), tmp / "README.md")
        return [out_dir / name for name in [*names, "README.md"]]
    specs = build_figures(result)
    written: list[Path] = []
    with atomic_directory(out_dir, inputs=inputs) as tmp, plots.font_subset_cache():
        for spec in specs.values():
            written += [out_dir / p.name for p in plots.save_figure(spec.figure, tmp / spec.name,
                                                                     formats=formats, dpi=dpi)]
            write_csv(spec.table, tmp / f"{spec.name}.csv", for_people=True)  # no spreadsheet formulas
            written.append(out_dir / f"{spec.name}.csv")
            plt.close(spec.figure)
        write_text(_readme(result, specs.values(), out_dir.name, formats=formats, dpi=dpi), tmp / "README.md")
        written.append(out_dir / "README.md")
    return written
