"""``run_study(out=...)`` (``textlab analyze``): each step written as it finishes, the same folder as writing at the end.

A generated dated nine-outlet news study with every built-in analysis that needs no export
(keyness, topics, prevalence, frames, perspectives, effects) is run twice: in memory then
:func:`write_results`, and with ``out=`` (each result written when its step ends and read back
from the folder by later steps).  The large-table (Parquet only) and memory-mapped-array paths are
forced by lowering their thresholds, so the steps after ``topics`` read memory-mapped topic
proportions and Arrow-string tables back, as they do at a million passages.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import textlab.study.results as results_module
from textlab.study._results_writer import SpilledResult
from textlab.study.config import load_study_config
from textlab.study.results import read_results, write_results
from textlab.study.run import run_study
from textlab.study.steps import Step, get_step

EXTRA = """
[lda]
n_topics = 4
stability_random_states = [0, 1]
restarts = 1

[uncertainty]
n_boot = 20
n_perm = 50
n_draws = 8

[effects]
formula = "~ outlet"
n_boot = 8
n_draws = 3
"""

NAMES = ("corpus", "tfidf", "keyness", "topics", "prevalence", "frames", "perspectives", "effects")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    from benchmarks.newscorpus import build_news_corpus

    folder = tmp_path_factory.mktemp("news")
    build_news_corpus(folder, 60, random_state=2)
    study = folder / "study.toml"
    study.write_text(study.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return load_study_config(study)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run(config, out: Path | None, steps) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(config, steps=steps, out=out)


@pytest.fixture(scope="module")
def both(config, tmp_path_factory):
    """``(in memory then write_results, written step by step)`` results folders, with small thresholds."""
    patch = pytest.MonkeyPatch()
    patch.setattr(results_module, "CSV_MAX_ROWS", 30)  # passage-level tables become Parquet only
    patch.setattr(results_module, "MMAP_BYTES", 1_000)  # topic proportions are read back memory-mapped
    seen: dict[str, type] = {}

    def look(ctx):  # what a step after the others sees of their results
        seen.update({name: type(value) for name, value in ctx.results.items()})

    steps = [get_step(name) for name in NAMES] + [Step("look", look)]
    try:
        root = tmp_path_factory.mktemp("out")
        plain = write_results(_run(config, None, steps), root / "plain")
        result = _run(config, root / "spilled", steps)
    finally:
        patch.undo()
    return plain, root / "spilled", result, seen


def test_the_folder_is_the_one_written_at_the_end(both):
    plain, spilled, _, _ = both
    a, b = _files(plain), _files(spilled)
    assert sorted(a) == sorted(b)
    assert any(name.endswith(".parquet") and "/" not in name for name in a)  # the large-table path ran
    differ = [name for name in a if a[name] != b[name]]
    assert sorted(differ) == ["manifest.json", "provenance.json"]
    manifest = [json.loads(x[n]) for x, n in ((a, "manifest.json"), (b, "manifest.json"))]
    assert manifest[0]["rerun"].replace("plain", "spilled") == manifest[1]["rerun"]
    manifest[0].pop("rerun"), manifest[1].pop("rerun")
    assert manifest[0] == manifest[1]
    provenance = [json.loads(x["provenance.json"]) for x in (a, b)]
    for p in provenance:
        p.pop("timings_seconds"), p.pop("rerun", None)
    assert provenance[0] == provenance[1]


def test_later_steps_read_earlier_results_from_the_folder(both):
    _, _, result, seen = both
    assert seen["corpus"] is not SpilledResult  # every step reads the corpus: it stays in memory
    assert all(seen[name] is SpilledResult for name in NAMES[1:])
    assert result.source is not None and result.results.loaded() == []  # returned read back, lazily


def test_a_released_result_reads_back_equal_and_holds_nothing(config, both):
    _, spilled, _, _ = both
    again = read_results(spilled)
    entry = next(e for e in json.loads((spilled / "manifest.json").read_text())["steps"] if e["name"] == "frames")
    value = SpilledResult(entry, spilled / "data" / "frames")
    assert value.params == again.results["frames"].params
    assert value.by_group.equals(again.results["frames"].by_group)
    assert value._ref is None  # a table is read alone: the result is not rebuilt
    fits = SpilledResult(next(e for e in json.loads((spilled / "manifest.json").read_text())["steps"]
                              if e["name"] == "topics"), spilled / "data" / "topics").fits
    assert [f.n_topics for f in fits] == [f.n_topics for f in again.results["topics"].fits]
    whole = value.load()  # the result itself, held while someone holds it
    assert type(whole) is type(again.results["frames"]) and value._ref() is whole
    del whole
    assert value._ref() is None


def test_a_failing_step_leaves_no_folder_behind(config, tmp_path):
    def broken(ctx):
        raise RuntimeError("boom")

    out = tmp_path / "results"
    with pytest.raises(RuntimeError, match="boom"):
        _run(config, out, [get_step("corpus"), get_step("tfidf"), Step("broken", broken)])
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_cli_writes_step_by_step(config, tmp_path, monkeypatch):
    from textlab import cli

    calls = []
    original = run_study

    def spy(*args, **kwargs):
        calls.append(kwargs.get("out"))
        return original(*args, **{**kwargs, "steps": [get_step("corpus"), get_step("tfidf")]})

    monkeypatch.setattr("textlab.study.run.run_study", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cli.main(["analyze", str(config.source), "--out", str(tmp_path / "r"), "--fast"]) == 0
    assert calls == [str(tmp_path / "r")]
    assert (tmp_path / "r" / "distinctive_terms.csv").is_file()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident set from /proc (Linux)")
def test_dropping_the_pages_of_a_mapped_array_frees_them_and_keeps_its_values(tmp_path):
    import numpy as np

    from textlab._memory import drop_mapped_pages

    def file_mb() -> float:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("RssFile"))
        return int(line.split()[1]) / 1024

    values = np.random.default_rng(0).random((1_000_000, 16), dtype=np.float32)  # 64 MB
    np.save(tmp_path / "theta.npy", values)
    mapped = np.load(tmp_path / "theta.npy", mmap_mode="r")
    before = file_mb()
    total = float(mapped.sum(dtype=np.float64))
    touched = file_mb()
    assert touched - before > 40
    assert drop_mapped_pages(mapped[::2], np.zeros(3)) == 1  # a view finds its mapping; a plain array is left alone
    assert touched - file_mb() > 40
    assert float(mapped.sum(dtype=np.float64)) == total and np.array_equal(mapped, values)


def test_table_columns_reads_only_the_columns_asked_for(both):
    import pandas as pd

    from textlab.study._results_lazy import table_columns

    _, spilled, _, _ = both
    keep = lambda c: c == "passage_id" or str(c).startswith("topic_")  # noqa: E731
    lazy = read_results(spilled)
    part = table_columns(lazy, "passage_topics", keep)
    assert lazy.tables.loaded() == []  # the whole table was not read
    whole = read_results(spilled).tables["passage_topics"]
    assert list(part.columns) == [c for c in whole.columns if keep(c)] and len(part.columns) < len(whole.columns)
    pd.testing.assert_frame_equal(part, whole[list(part.columns)])
    assert table_columns(lazy, "no_such_table", keep) is None
