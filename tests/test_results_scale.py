"""Results folders at scale: lazy reading, Parquet-only large tables, and a disk store that travels with its results."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import textlab.study.results as results_module
from textlab.study._results_lazy import LazyResults, LazyTables, step_params, step_ran
from textlab.study.results import read_results, write_results
from textlab.study.run import run_study
from textlab.study.steps import get_step

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("corpus", "tfidf", "keyness", "model_selection", "topics", "prevalence", "frames")


@pytest.fixture(scope="module")
def disk_study(tmp_path_factory):
    """A 40-article generated news study on the disk store, with no cache_dir (a temporary store), topics on every passage."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.newscorpus import build_news_corpus

    folder = tmp_path_factory.mktemp("news")
    build_news_corpus(folder, 40, random_state=3)
    study = (folder / "study.toml").read_text(encoding="utf-8") + (
        '\n[lda]\nn_topics_range = [3, 4]\npasses = 20\n\n[compute]\nstore = "disk"\nn_jobs = 1\n')
    (folder / "study.toml").write_text(study, encoding="utf-8")
    with pytest.warns(UserWarning):
        result = run_study(folder / "study.toml", fast=True, steps=[get_step(n) for n in STEPS])
    return folder, result


@pytest.fixture(scope="module")
def written(disk_study, tmp_path_factory):
    _, result = disk_study
    return write_results(result, tmp_path_factory.mktemp("out") / "results")


def test_reading_a_results_folder_reads_nothing_until_asked(disk_study, written):
    _, fresh = disk_study
    again = read_results(written)
    assert isinstance(again.results, LazyResults) and isinstance(again.tables, LazyTables)
    assert list(again.results) == list(fresh.results) and set(again.tables) == set(fresh.tables)
    assert again.results.loaded() == []
    # whether a step ran and its settings come from the manifest and params.json, not from its tables
    assert step_ran(again, "frames") and step_params(again, "frames")["ci_level"] == fresh.results["frames"].params[
        "ci_level"]
    assert again.results.loaded() == []
    keyness = again.tables["keyness"]
    assert again.results.loaded() == ["keyness/table"]
    pd.testing.assert_frame_equal(keyness, fresh.tables["keyness"])
    shares = again.tables["passage_topics"]  # read before its step: the step's result then holds the same object
    assert again.results["topics"].passage_topics is shares
    assert "frames/by_passage" not in again.results.loaded() and "frames" not in again.results.loaded()
    for name in fresh.tables:  # every table, read lazily, equals the fresh one
        pd.testing.assert_frame_equal(again.tables[name], fresh.tables[name], check_dtype=False)
    with pytest.raises(KeyError):
        again.tables["no_such_table"]
    with pytest.raises(TypeError):
        again.tables["keyness"] = keyness  # read-only, as a results folder is


def test_the_store_travels_with_the_results_and_reopens_after_the_temporary_folder_is_gone(disk_study, written):
    _, fresh = disk_study
    store = fresh.results["corpus"].params["store"]
    assert store["used"] == "disk" and Path(store["cache_dir"]).name.startswith("textlab-data-")
    params = json.loads((written / "data" / "corpus" / "params.json").read_text(encoding="utf-8"))
    assert params["store"]["data_folder"] == "store" and params["store"]["cache_dir"] is None
    provenance = json.loads((written / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["steps"]["corpus"]["store"]["data_folder"] == "store"
    assert (written / "store" / "manifest.json").is_file()
    tokens = [list(t) for t in fresh.tokenized.tokens]
    moved = written.parent / "moved"  # the folder is self-contained: move it, and remove the temporary store
    shutil.copytree(written, moved)
    shutil.rmtree(store["cache_dir"])
    again = read_results(moved)
    assert again.results["corpus"].params["store"]["data_folder"] == str(moved / "store")
    assert [list(t) for t in again.tokenized.tokens] == tokens
    assert again.tokenized.texts([0, 3]) == fresh.tables["passages"]["text"].iloc[[0, 3]].tolist() \
        if "text" in fresh.tables["passages"] else len(again.tokenized.texts([0, 3])) == 2


def test_a_temporary_store_is_removed_when_the_process_exits(tmp_path):
    code = ("from textlab.preprocessing.pipeline import prepare_data\n"
            "from textlab.preprocessing.read import load_texts\n"
            "corpus = load_texts({'a': 'A council opens a new library in York today.', 'b': 'The council votes.'})\n"
            "p = prepare_data(corpus, store='disk', n_jobs=1, passages={'min_words': 2}, progress=False)\n"
            "import pathlib; assert pathlib.Path(p.params['cache_dir']).is_dir(); print(p.params['cache_dir'])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    folder = Path(out.stdout.strip().splitlines()[-1])
    assert folder.name.startswith("textlab-data-") and not folder.exists()


def test_tables_over_the_row_limit_are_parquet_only(disk_study, tmp_path, monkeypatch):
    _, fresh = disk_study
    n_passages = len(fresh.tables["passages"])
    monkeypatch.setattr(results_module, "CSV_MAX_ROWS", n_passages - 1)
    out = write_results(fresh, tmp_path / "results")
    large = {name for name, table in fresh.tables.items() if len(table) > n_passages - 1}
    assert {"passages", "passage_topics", "frames_by_passage"} <= large
    for name in fresh.tables:
        assert (out / f"{name}.csv").exists() == (name not in large), name
        assert (out / f"{name}.parquet").exists() == (name in large), name
    for name in large:
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), fresh.tables[name], check_dtype=False)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["large_tables"]["max_csv_rows"] == n_passages - 1
    assert set(manifest["large_tables"]["tables"]) == large
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert "Parquet only" in readme and all(f"{name}.parquet" in readme for name in large)
    pd.testing.assert_frame_equal(read_results(out).tables["passages"], fresh.tables["passages"], check_dtype=False)


def test_small_results_have_no_readme_and_every_table_as_csv(disk_study, written):
    _, fresh = disk_study
    assert not (written / "README.txt").exists()
    assert all((written / f"{name}.csv").is_file() for name in fresh.tables)
    assert "large_tables" not in json.loads((written / "manifest.json").read_text(encoding="utf-8"))


def test_figures_and_report_from_the_folder_equal_those_of_the_run(disk_study, written):
    from textlab.study.figures import build_figures
    from textlab.study.report import render_report

    _, fresh = disk_study
    again = read_results(written)
    import matplotlib.pyplot as plt

    before = build_figures(fresh)
    plt.close("all")
    after = build_figures(again)
    assert list(before) == list(after) and len(before) >= 8
    for name in before:
        pd.testing.assert_frame_equal(after[name].table, before[name].table, check_dtype=False)
        assert after[name].claim == before[name].claim, name

    plt.close("all")
    assert render_report(again, figures={}, explorer=False) == render_report(fresh, figures={}, explorer=False)


def test_figure_01_csv_at_scale_is_the_box_plots_it_draws(disk_study, monkeypatch):
    from matplotlib.cbook import boxplot_stats

    import textlab.study.figures as figures

    _, fresh = disk_study
    documents = fresh.tables["documents"]
    monkeypatch.setattr(figures, "OVERVIEW_CSV_MAX_DOCUMENTS", 10)
    spec = figures.figure_corpus(fresh)
    assert len(documents) > 10 and len(spec.table) == 2 * documents["group"].nunique()
    for row in spec.table.itertuples():
        part = documents[documents["group"].astype(str) == row.group]
        column = "n_words_raw" if row.stage == "before cleaning" else "n_words_clean"
        stats = boxplot_stats(part[column].clip(lower=1).to_numpy(dtype=float))[0]  # what ax.boxplot draws
        assert (row.whisker_low, row.q1, row.median, row.q3, row.whisker_high) == pytest.approx(
            (stats["whislo"], stats["q1"], stats["med"], stats["q3"], stats["whishi"]))
        assert row.n_documents == len(part) and row.words == part[column].sum()
    assert "box plot" in spec.caption
    monkeypatch.setattr(figures, "OVERVIEW_CSV_MAX_DOCUMENTS", 10_000)
    assert len(figures.figure_corpus(fresh).table) == len(documents)  # below the limit: one row per document
    import matplotlib.pyplot as plt

    plt.close("all")


def test_explorer_term_index_from_the_disk_counts_equals_the_token_pass(written):
    from textlab.explorer._evidence import term_index, term_index_from_counts

    data = read_results(written).tokenized  # the store inside the results folder (the temporary one may be gone)
    vocabulary = data.terms["term"].astype(str).tolist()
    terms = set(vocabulary[::7]) | {"no_such_term"}
    from_counts = term_index_from_counts(data, terms)
    assert from_counts is not None
    rows, counts, n_tokens = term_index(data.tokens, terms)
    assert {t: r.tolist() for t, r in from_counts[0].items()} == rows and from_counts[1:] == (counts, n_tokens)
    assert n_tokens == sum(len(t) for t in data.tokens) and len(from_counts[0]["no_such_term"]) == 0
    assert term_index_from_counts(data.with_(params={**data.params, "min_df": 2}), terms) is None  # not every token


def test_explorer_ranks_topic_evidence_from_the_top_rows_only():
    import numpy as np

    from textlab.explorer.explorer import _top_rows

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"passage_id": [f"p{i:04d}" for i in range(2000)],
                          **{f"topic_{t}": rng.integers(0, 40, 2000) / 40 for t in (1, 2, 3)}})  # many ties
    kept = _top_rows(table, 6)
    assert len(kept) < 200
    for column in ("topic_1", "topic_2", "topic_3"):
        def top(t):
            return t.sort_values([column, "passage_id"], ascending=[False, True]).head(6)["passage_id"].tolist()
        assert top(kept) == top(table)
        assert (kept[column] >= table[column].nlargest(6).min()).sum() == (table[column] >= table[column].nlargest(
            6).min()).sum()  # every tie at the edge kept
    assert _top_rows(table.head(10), 6) is not None and len(_top_rows(table.head(10), 6)) == 10


def test_explorer_frame_candidates_keep_each_frames_top_rows_and_ties():
    import numpy as np

    from textlab.explorer.explorer import _top_frame_rows

    rng = np.random.default_rng(1)
    table = pd.DataFrame({"passage_id": [f"p{i:04d}" for i in range(3000)],
                          "frame": rng.choice(["cost", "risk", "rights"], 3000), "n_hits": rng.integers(0, 12, 3000)})
    kept = _top_frame_rows(table, 5)
    for frame, part in table.groupby("frame"):
        edge = part["n_hits"].nlargest(5).min()
        assert set(kept.loc[kept["frame"] == frame, "passage_id"]) == set(part.loc[part["n_hits"] >= edge, "passage_id"])


def test_large_tables_are_kept_only_while_held(disk_study, written, monkeypatch):
    import gc

    _, fresh = disk_study
    monkeypatch.setattr(results_module, "CSV_MAX_ROWS", 10)
    again = read_results(written)
    first = again.tables["passage_topics"]
    assert again.tables["passage_topics"] is first  # held: the same object
    del first
    gc.collect()
    assert again.results._reader._large.get(("topics", "passage_topics")) is None  # released once nobody holds it
    pd.testing.assert_frame_equal(again.tables["passage_topics"], fresh.tables["passage_topics"], check_dtype=False)
    small = again.tables["topic_terms"] if len(fresh.tables["topic_terms"]) <= 10 else again.tables["topic_divergence"]
    assert len(small) <= 10 and again.tables[
        "topic_terms" if len(fresh.tables["topic_terms"]) <= 10 else "topic_divergence"] is small  # small: cached
