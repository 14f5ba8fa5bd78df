"""Chunked readers and ordered parallel preprocessing (textlab.preprocessing.stream)."""

from __future__ import annotations

import functools
import json
import re

import pandas as pd
import pytest

from textlab._errors import ConfigError, InputFileError
from textlab.preprocessing.stream import describe_preprocess_fn, iter_documents, preprocess_stream

_WORD = re.compile(r"[a-z]+")


def lower_words(text: str) -> list[str]:
    """Module-level (picklable) tokenizer used by the worker processes."""
    return _WORD.findall(text.lower())


def tagged_words(text: str, *, tag: str) -> list[str]:
    return [f"{tag}{w}" for w in _WORD.findall(text.lower())]


@pytest.fixture
def table() -> pd.DataFrame:
    words = ["Data", "centre", "Johor", "cloud", "AI", "hub", "grid", "water", "power", "Huawei"]
    texts = [" ".join(words[(i * 3 + j) % len(words)] for j in range(i % 7 + 1)) for i in range(57)]
    texts[5] = ""  # an empty document must survive
    return pd.DataFrame(
        {
            "doc_id": [f"doc{i:03d}" for i in range(57)],
            "text": texts,
            "outlet": [f"outlet{i % 4}" for i in range(57)],
        }
    )


def _write(table: pd.DataFrame, tmp_path, fmt: str):
    if fmt == "csv":
        path = tmp_path / "corpus.csv"
        table.to_csv(path, index=False)
    elif fmt == "jsonl":
        path = tmp_path / "corpus.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_dict("records")), encoding="utf-8")
    elif fmt == "parquet":
        path = tmp_path / "corpus.parquet"
        table.to_parquet(path, index=False, row_group_size=10)
    else:
        path = tmp_path / "folder"
        for row in table.itertuples():
            sub = path / row.outlet
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"{row.doc_id}.txt").write_text(row.text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "folder"])
def test_chunks_reassemble_the_full_table(table, tmp_path, fmt):
    path = _write(table, tmp_path, fmt)
    chunks = list(iter_documents(path, chunk_size=8))
    assert [len(c) for c in chunks] == [8] * 7 + [1]
    got = pd.concat(chunks)
    if fmt == "folder":  # ids are relative paths without .txt, files in sorted path order
        expected = table.assign(doc_id=table["outlet"] + "/" + table["doc_id"]).sort_values("doc_id")
        assert got["file"].tolist() == (expected["doc_id"] + ".txt").tolist()
    else:
        expected = table
        assert got["outlet"].tolist() == expected["outlet"].tolist()
    assert got.index.name == "doc_id"
    assert got.index.tolist() == expected["doc_id"].tolist()
    assert got["text"].tolist() == expected["text"].tolist()
    # chunking never changes the documents
    whole = next(iter_documents(path, chunk_size=1000))
    assert whole["text"].tolist() == got["text"].tolist()


def test_missing_id_column_uses_row_numbers_across_chunks(table, tmp_path):
    path = tmp_path / "noid.csv"
    table.drop(columns="doc_id").to_csv(path, index=False)
    ids = [i for c in iter_documents(path, chunk_size=10, id_column=None) for i in c.index]
    assert ids == [str(i) for i in range(len(table))]
    with pytest.raises(InputFileError, match=r"no column 'doc_id'.*id_column="):  # not silently numbered
        next(iter(iter_documents(path)))


def test_bad_inputs_raise_textlab_errors(table, tmp_path):
    path = _write(table, tmp_path, "csv")
    with pytest.raises(InputFileError, match="'body' column"):
        next(iter_documents(path, text_column="body"))
    with pytest.raises(InputFileError, match="does not exist"):
        next(iter_documents(tmp_path / "nope.csv"))
    with pytest.raises(ConfigError, match="chunk_size=0"):
        next(iter_documents(path, chunk_size=0))
    (tmp_path / "x.docx").write_text("x")
    with pytest.raises(InputFileError, match="jsonl"):
        next(iter_documents(tmp_path / "x.docx"))


def test_parallel_preprocessing_equals_single_core(table, tmp_path):
    path = _write(table, tmp_path, "jsonl")
    serial = list(preprocess_stream(iter_documents(path, chunk_size=9), preprocess_fn=lower_words, n_jobs=1,
                                    batch_size=4))
    parallel = list(preprocess_stream(iter_documents(path, chunk_size=9), preprocess_fn=lower_words, n_jobs=2,
                                      batch_size=4))
    assert parallel == serial
    ids = [i for batch_ids, _ in serial for i in batch_ids]
    tokens = [t for _, batch in serial for t in batch]
    assert ids == table["doc_id"].tolist()
    assert tokens == [lower_words(t) for t in table["text"]]  # independent single call per text
    assert tokens[5] == []


def test_partial_functions_run_in_workers_and_describe_their_settings(table, tmp_path):
    path = _write(table, tmp_path, "csv")
    fn = functools.partial(tagged_words, tag="x_")
    out = [t for _, b in preprocess_stream(iter_documents(path), preprocess_fn=fn, n_jobs=2, batch_size=5) for t in b]
    assert out[0] == ["x_" + w for w in lower_words(table["text"][0])]
    assert describe_preprocess_fn(fn) != describe_preprocess_fn(functools.partial(tagged_words, tag="y_"))


def test_bad_n_jobs(table, tmp_path):
    path = _write(table, tmp_path, "csv")
    with pytest.raises(ConfigError, match="n_jobs=0"):
        list(preprocess_stream(iter_documents(path), preprocess_fn=lower_words, n_jobs=0))


def test_fast_cleaning_equals_clean_text(seeds_dir):
    from textlab.preprocessing.clean import clean_text
    from textlab.preprocessing.stream import clean_text_only

    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    texts.append("Logo\nA headline here\n\nBody text.\n\nA headline here")
    for text in texts:
        assert clean_text_only(text) == clean_text(text)[0]


def test_default_textlab_pipeline_in_two_processes_equals_direct_calls(seeds_dir):
    from textlab.preprocessing.clean import clean_text
    from textlab.preprocessing.tokens import tokenize_text

    chunks = list(iter_documents(seeds_dir, chunk_size=2))
    parallel = [t for _, batch in preprocess_stream(chunks, n_jobs=2, batch_size=1) for t in batch]
    texts = [t for chunk in chunks for t in chunk["text"]]
    assert parallel == [tokenize_text(clean_text(t)[0]) for t in texts]
    assert len(parallel) == 5 and all(len(t) > 100 for t in parallel)


def test_folder_with_metadata_reads_like_load_corpus(seeds_dir):
    from textlab.preprocessing.read import load_corpus

    expected = load_corpus(seeds_dir).docs
    got = pd.concat(list(iter_documents(seeds_dir, chunk_size=2)))
    assert got.index.tolist() == expected.index.tolist()  # ids from metadata.csv, not file stems
    assert got["text"].tolist() == expected["text"].tolist()
    for column in ("outlet", "narrative"):
        assert got[column].fillna("").tolist() == expected[column].fillna("").tolist()
