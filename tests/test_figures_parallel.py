"""Figures of a results folder drawn in several processes: the same files, byte for byte."""

from __future__ import annotations

import filecmp
import os

from textlab.study._figures_parallel import figure_jobs, n_figure_processes
from textlab.study.figures import make_figures
from textlab.study.results import read_results, write_results


def test_two_processes_write_the_same_files_as_one(seeds_study_fast, tmp_path):
    folder = write_results(seeds_study_fast, tmp_path / "results")
    one = make_figures(read_results(folder), tmp_path / "one", formats=("png", "pdf"), dpi=60, n_jobs=1)
    result = read_results(folder)
    assert n_figure_processes(result, 2, len(figure_jobs(result))) == min(2, os.cpu_count() or 1)
    two = make_figures(result, tmp_path / "two", formats=("png", "pdf"), dpi=60, n_jobs=2)
    assert [p.name for p in one] == [p.name for p in two]
    assert len(one) > 30 and all(p.exists() for p in two)
    different = [p.name for p in one if p.name != "README.md"
                 and not filecmp.cmp(p, tmp_path / "two" / p.name, shallow=False)]
    assert different == []
    readme_one = (tmp_path / "one" / "README.md").read_text(encoding="utf-8").replace("--out one", "--out X")
    readme_two = (tmp_path / "two" / "README.md").read_text(encoding="utf-8").replace("--out two", "--out X")
    assert readme_one == readme_two


def test_a_result_in_memory_is_drawn_in_this_process(seeds_study_fast):
    assert n_figure_processes(seeds_study_fast, -1, 12) == 1


def test_a_study_with_a_step_of_the_callers_own_is_drawn_in_this_process(monkeypatch):
    from textlab.study import _figures_parallel as fp

    monkeypatch.setattr(fp.os, "cpu_count", lambda: 8)
    monkeypatch.setattr(fp, "figure_jobs", lambda result: [("corpus", 0), ("my_own_step", 0)])
    assert fp.n_figure_processes(type("R", (), {"source": "x", "config": None})(), 2, 2) == 1
    monkeypatch.setattr(fp, "figure_jobs", lambda result: [("corpus", 0), ("keyness", 0)])
    assert fp.n_figure_processes(type("R", (), {"source": "x", "config": None})(), 2, 2) == 2
