"""Results you can reload: a results folder read back gives the same tables, fits, figures and report."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import textlab
from textlab._errors import InputFileError
from textlab.study.results import read_results, write_results


@pytest.fixture(scope="module")
def results_dir(seeds_study_fast, tmp_path_factory):
    return write_results(seeds_study_fast, tmp_path_factory.mktemp("res") / "results")


@pytest.fixture(scope="module")
def reloaded(results_dir):
    return read_results(results_dir)


def test_read_results_rebuilds_every_table_exactly(seeds_study_fast, reloaded):
    assert textlab.read_results is read_results
    assert list(reloaded.results) == list(seeds_study_fast.results)
    assert reloaded.tables.keys() == seeds_study_fast.tables.keys()
    for name, table in seeds_study_fast.tables.items():
        pd.testing.assert_frame_equal(reloaded.tables[name], table, check_exact=True, obj=name)
    for step in ("keyness", "prevalence", "frames", "model_selection"):
        assert type(reloaded.results[step]) is type(seeds_study_fast.results[step]), step
    assert reloaded.results["keyness"].params == json.loads(json.dumps(seeds_study_fast.provenance["steps"]["keyness"]))
    assert reloaded.config.fast and reloaded.config.contrast == ("huawei-led", "aws-led")
    assert reloaded.n_topics == seeds_study_fast.n_topics and reloaded.provenance == seeds_study_fast.provenance


def test_fits_and_tokens_come_back_as_arrays_without_pickles(seeds_study_fast, reloaded, results_dir):
    assert len(reloaded.fits) == len(seeds_study_fast.fits)
    for fresh, back in zip(seeds_study_fast.fits, reloaded.fits, strict=True):
        for name in ("topic_term", "doc_topic", "doc_topic_dirichlet"):
            np.testing.assert_array_equal(getattr(back, name), getattr(fresh, name))
        assert back.vocabulary.tolist() == list(fresh.vocabulary) and back.n_topics == fresh.n_topics
    tokenized = reloaded.tokenized
    assert tokenized.tokens == seeds_study_fast.tokenized.tokens
    assert tokenized.surface_forms == seeds_study_fast.tokenized.surface_forms
    for path in results_dir.rglob("*.npy"):
        np.load(path, allow_pickle=False)  # would raise for an object array
    assert reloaded.cleaned is None and reloaded.dtm is None  # in-memory only, said so in the docs


def test_figures_from_a_folder_equal_figures_from_the_run(seeds_study_fast, reloaded, tmp_path):
    from textlab.study.figures import make_figures

    make_figures(seeds_study_fast, tmp_path / "a" / "figures")
    make_figures(reloaded, tmp_path / "b" / "figures")
    first = {p.name: p.read_bytes() for p in (tmp_path / "a" / "figures").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b" / "figures").iterdir()}
    assert first.keys() == second.keys()
    assert [n for n in first if first[n] != second[n]] == []
    readme = first["README.md"].decode()
    assert "**Quick look (`--fast`)**" in readme and "--out figures --fast`" in readme


def test_cli_draws_from_a_folder_without_running_the_study(results_dir, tmp_path, monkeypatch, capsys):
    import textlab.study.run as run_module
    from textlab.cli import main

    def refuse(*args, **kwargs):
        raise AssertionError("the study must not run when given a results folder")

    monkeypatch.setattr(run_module, "run_study", refuse)
    assert main(["figures", str(results_dir), "--out", str(tmp_path / "figs"), "--formats", "png", "--dpi", "60"]) == 0
    assert (tmp_path / "figs" / "08_prevalence_difference.png").is_file()
    assert not (tmp_path / "figs" / "08_prevalence_difference.pdf").exists()
    assert main(["report", str(results_dir), "--out", str(tmp_path / "report.html")]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Quick look (<code>--fast</code>)" in html.split("<h2>")[0]  # on the first page
    assert main(["kwic", str(results_dir), "1", "--by", "topic", "--max-rows", "3"]) == 0
    assert main(["kwic", str(results_dir), "export controls", "--window", "3"]) == 0
    assert "export controls" in capsys.readouterr().out
    assert main(["figures", str(results_dir), "--out", str(results_dir)]) == 2  # never into the results folder


def test_not_a_results_folder_and_a_newer_format_are_refused(results_dir, tmp_path):
    with pytest.raises(InputFileError, match="not a textlab results folder"):
        read_results(tmp_path)
    copy = tmp_path / "copy"
    copy.mkdir()
    manifest = json.loads((results_dir / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(InputFileError, match="version 99 is not readable.*rerun `textlab analyze"):
        read_results(copy)
