"""prepare_data: one preparation path, identical in memory and on disk (textlab.preprocessing.pipeline)."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textlab._errors import CleaningWarning, ConfigError, InputFileError
from textlab.preprocessing import _prepare_sinks
from textlab.preprocessing.clean import clean_corpus
from textlab.preprocessing.counts import count_terms
from textlab.preprocessing.pipeline import PreparedCorpus, choose_store, prepare_data
from textlab.preprocessing.read import load_corpus
from textlab.preprocessing.tokens import TokenizerOptions, preprocess

_SUBJECTS = ["AWS", "Huawei", "Microsoft", "the government", "Johor officials", "Google"]
_OBJECTS = ["a data centre", "export controls", "cloud computing", "a new chip plant", "the power grid",
            "water supply", "artificial intelligence", "digital sovereignty"]
_VERBS = ["announced", "criticised", "expanded", "reviewed", "planned", "questioned"]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} in {rng.choice(['Malaysia', 'Johor', 'Penang'])}."


def _document(i: int, rng: random.Random) -> dict:
    lines = ["Logo", "Share this article", f"Headline number {i} about {rng.choice(_OBJECTS)}", f"{rng.randint(2, 9)} min read"]
    for _ in range(rng.randint(1, 6)):
        lines.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 8))))
    lines += ["Advertisement: buy now", "Related articles:", "Another story teaser here", "More teaser text"]
    row = {"doc_id": f"n{i:04d}", "text": "\n\n".join(lines), "outlet": f"outlet{i % 5}",
           "narrative": ["aws-led", "huawei-led", "mixed"][i % 3], "clean_cutoff": None, "clean_patterns": None,
           "clean_keep_all": None}
    if i % 7 == 0:
        row["clean_cutoff"] = "Related articles:"
    if i % 11 == 0:
        row["clean_patterns"] = "^Advertisement || teaser"
    if i % 29 == 0:
        row["clean_keep_all"] = "true"
    if i % 97 == 5:
        row["clean_cutoff"] = "marker that is not there"
    return row


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    rng = random.Random(0)
    path = tmp_path_factory.mktemp("gen") / "news.jsonl"
    path.write_text("".join(json.dumps(_document(i, rng)) + "\n" for i in range(300)), encoding="utf-8")
    return path


def _prepare(path, store, tmp_path=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CleaningWarning)
        return prepare_data(path, store=store, cache_dir=tmp_path, progress=False,
                            read={"chunk_size": 37}, **kwargs)


@pytest.fixture(scope="module")
def both(corpus_file, tmp_path_factory):
    _prepare_sinks._PART_ROWS, saved = 100, _prepare_sinks._PART_ROWS  # several pre-phrase parts on disk
    try:
        memory = _prepare(corpus_file, "memory", n_jobs=1)
        disk = _prepare(corpus_file, "disk", tmp_path_factory.mktemp("cache"), n_jobs=2)
    finally:
        _prepare_sinks._PART_ROWS = saved
    return memory, disk


def test_memory_and_disk_give_identical_passages_tokens_audit_and_counts(both):
    memory, disk = both
    assert memory.params["store"] == "memory" and disk.params["store"] == "disk"
    assert type(memory.data.store).__name__ == "MemoryStore" and type(disk.data.store).__name__ == "DiskStore"
    mem_rows, disk_rows = memory.data.rows, disk.data.rows
    assert len(mem_rows) > 300  # passages, not documents
    assert list(disk_rows.columns) == [c for c in mem_rows.columns if c != "text"]
    pd.testing.assert_frame_equal(mem_rows.drop(columns="text"), disk_rows, check_dtype=False)
    assert memory.data.texts() == disk.data.texts()
    assert list(memory.data.tokens) == list(disk.data.tokens)
    pd.testing.assert_frame_equal(memory.audit, disk.audit_table(), check_dtype=False)
    pd.testing.assert_frame_equal(memory.data.terms, disk.data.terms, check_dtype=False)
    assert (memory.data.counts != disk.data.counts).nnz == 0
    pd.testing.assert_frame_equal(memory.documents, disk.documents, check_dtype=False)
    assert memory.data.params["phrases_found"] == disk.data.params["phrases_found"] != {}
    assert memory.params["clean"] == disk.params["clean"]


def test_per_document_overrides_are_honoured_on_both_paths(both, corpus_file):
    memory, disk = both
    audit = disk.audit_table()
    cut = audit[audit["rule"] == "override_cutoff"]
    assert set(cut["doc_id"]) == {f"n{i:04d}" for i in range(300) if i % 7 == 0 and i % 29 != 0}
    patterned = audit[audit["rule"] == "override_pattern"]
    assert set(patterned["doc_id"]) <= {f"n{i:04d}" for i in range(300) if i % 11 == 0}
    assert len(patterned) > 0
    kept = [f"n{i:04d}" for i in range(300) if i % 29 == 0]
    assert disk.params["clean"]["kept_whole"] == kept
    assert not audit["doc_id"].isin(kept).any()
    docs = memory.documents.set_index("doc_id")
    assert (docs.loc[kept, "n_words_raw"] == docs.loc[kept, "n_words_clean"]).all()
    texts = dict(zip(memory.data.rows["passage_id"], memory.data.texts()))
    assert "Logo" in texts["n0000:000"]  # kept whole: chrome stays
    assert not any("Logo" in t for pid, t in texts.items() if pid.split(":")[0] not in kept)


def test_prepare_data_equals_the_step_by_step_functions(both, corpus_file):
    memory, _ = both
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CleaningWarning)
        corpus = load_corpus(corpus_file)
        cleaned = clean_corpus(corpus)
        tokenized = preprocess(cleaned.corpus)
    data = count_terms(tokenized)
    expected_rows = tokenized.passages
    pd.testing.assert_frame_equal(memory.data.rows[expected_rows.columns], expected_rows, check_dtype=False)
    assert list(memory.data.tokens) == tokenized.tokens
    assert memory.data.surface_forms == tokenized.surface_forms
    assert (memory.data.counts != data.counts).nnz == 0
    assert memory.data.params["phrases_found"] == tokenized.params["phrases_found"]
    pd.testing.assert_frame_equal(memory.audit.reset_index(drop=True), cleaned.audit, check_dtype=False)
    assert memory.params["read"]["files"] == corpus.params["files"]


def test_n_jobs_and_chunk_size_do_not_change_the_output(corpus_file, both):
    memory, _ = both
    other = prepare_data(corpus_file, store="memory", n_jobs=2, progress=False, read={"chunk_size": 1000},
                         tokens=TokenizerOptions())
    assert list(other.data.tokens) == list(memory.data.tokens)
    pd.testing.assert_frame_equal(other.data.rows, memory.data.rows, check_dtype=False)  # pandas infers str per chunk
    pd.testing.assert_frame_equal(other.audit, memory.audit)


def test_documents_table_has_one_row_per_document_and_no_text(both):
    memory, _ = both
    docs = memory.documents
    assert len(docs) == 300 and docs["doc_id"].is_unique
    assert "text" not in docs.columns
    assert {"outlet", "narrative", "n_words_raw", "n_words_clean"} <= set(docs.columns)
    assert (docs["n_words_clean"] <= docs["n_words_raw"]).all()
    assert isinstance(memory, PreparedCorpus) and set(memory.tables()) == {"documents", "audit"}


def test_cutoff_marker_not_found_is_warned_once_per_document(corpus_file):
    with pytest.warns(CleaningWarning, match="clean_cutoff marker 'marker that is not there' not found"):
        prepare_data(corpus_file, store="memory", n_jobs=1, progress=False)


def test_documents_as_rows_and_no_cleaning(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"doc_id": d, "text": t}) + "\n" for d, t in
                            [("a", "Logo\nAWS builds a data centre."), ("b", "Huawei opens a cloud region.")]))
    prepared = prepare_data(path, store="memory", n_jobs=1, clean=False, passages=False, progress=False,
                            tokens={"phrases": False})
    assert prepared.data.unit == "document" and prepared.data.rows["doc_id"].tolist() == ["a", "b"]
    assert prepared.data.tokens[0][0] == "logo" and prepared.audit.empty
    disk = prepare_data(path, store="disk", cache_dir=tmp_path / "c", n_jobs=1, clean=False, passages=False,
                        progress=False, tokens={"phrases": False})
    assert list(disk.data.tokens) == list(prepared.data.tokens) and disk.data.unit == "document"


def test_auto_store_chooses_by_size(tmp_path, monkeypatch):
    from textlab.preprocessing import pipeline

    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "text": "x" * 1000}) + "\n")
    assert choose_store(path)[0] == "memory"
    monkeypatch.setattr(pipeline, "AUTO_MEMORY_BYTES", 500)
    store, reason = choose_store(path)
    assert store == "disk" and "bytes" in reason
    with pytest.raises(ConfigError, match="store='cloud'"):
        choose_store(path, "cloud")


def test_bad_options_are_refused_before_reading(tmp_path):
    with pytest.raises(ConfigError, match="passages="):
        prepare_data(tmp_path / "missing.jsonl", store="memory", passages={"max_word": 3})
    with pytest.raises(ConfigError, match="n_jobs=0"):
        prepare_data(tmp_path / "missing.jsonl", store="memory", n_jobs=0)
    with pytest.raises(InputFileError, match="does not exist"):
        prepare_data(tmp_path / "missing.jsonl", store="memory")


def test_a_column_first_seen_late_is_refused(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [{"doc_id": f"d{i}", "text": f"AWS text number {i} here."} for i in range(5)]
    rows[4]["year"] = 2024
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputFileError, match=r"'d4' on have column\(s\) \['year'\]"):
        prepare_data(path, store="memory", n_jobs=1, read={"chunk_size": 2}, progress=False)


def test_disk_path_failure_leaves_no_work_files(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "text": "AWS text."}) + "\n" + "not json\n")
    cache = tmp_path / "cache"
    with pytest.raises(InputFileError, match="line 2 is not valid JSON"):
        prepare_data(path, store="disk", cache_dir=cache, n_jobs=1, progress=False)
    assert not (cache / ".work").exists()
    assert np.all([p.name != "audit.parquet" for p in cache.iterdir()])


def test_seeds_folder_through_both_stores_and_the_step_by_step_path(seeds_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CleaningWarning)
        memory = prepare_data(seeds_dir, store="memory", n_jobs=1, progress=False)
        disk = prepare_data(seeds_dir / "metadata.csv", store="disk", cache_dir=tmp_path, n_jobs=2, progress=False)
        corpus = load_corpus(seeds_dir)
        cleaned = clean_corpus(corpus)
        tokenized = preprocess(cleaned.corpus)
    assert list(memory.data.tokens) == list(disk.data.tokens) == tokenized.tokens
    assert memory.data.texts() == disk.data.texts() == tokenized.passages["text"].tolist()
    assert memory.data.surface_forms == disk.data.surface_forms == tokenized.surface_forms
    pd.testing.assert_frame_equal(memory.audit, cleaned.audit)
    pd.testing.assert_frame_equal(disk.audit_table(), cleaned.audit, check_dtype=False)
    assert (memory.data.counts != disk.data.counts).nnz == 0
    assert memory.params["read"]["files"] == disk.params["read"]["files"] == corpus.params["files"]
    from_corpus = prepare_data(corpus, store="auto", n_jobs=1, progress=False)
    assert from_corpus.params["store"] == "memory" and list(from_corpus.data.tokens) == tokenized.tokens
