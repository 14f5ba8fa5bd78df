"""On-disk tokens and counts (textlab.store.disk): same numbers as memory, nothing from disk executed."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textlab._errors import ConfigError, InputFileError, OutputError
from textlab.data import TextData
from textlab.preprocessing.counts import count_terms
from textlab.preprocessing.tokens import TokenizedCorpus
from textlab.store.disk import DiskStore, DiskTokens, TokenShardWriter, open_data, open_tokens
from textlab.store.memory import MemoryStore


def generated_corpus(n_passages: int = 2_000, seed: int = 0) -> TokenizedCorpus:
    """Passages with Zipf-like tokens (phrases included), metadata and texts, from a seed."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i:04d}" for i in range(3_000)] + ["data_center", "export_control", "é_ü"], dtype=object)
    p = 1.0 / np.arange(1, len(words) + 1)
    p /= p.sum()
    tokens = [list(rng.choice(words, size=int(rng.integers(0, 60)), p=p)) for _ in range(n_passages)]
    doc = np.sort(rng.integers(0, n_passages // 4, size=n_passages))
    position = pd.Series(doc).groupby(doc).cumcount().to_numpy()
    rows = pd.DataFrame({
        "passage_id": [f"d{d:05d}:{k:03d}" for d, k in zip(doc, position)],
        "doc_id": [f"d{d:05d}" for d in doc],
        "position": position.astype("int64"),
        "text": [" ".join(t).replace("_", " ").capitalize() + "." for t in tokens],
        "n_words": np.array([len(t) for t in tokens], dtype="int64"),
        "outlet": rng.choice(["a", "b", "c"], size=n_passages),
        "year": rng.integers(2019, 2024, size=n_passages).astype("int64"),
    })
    forms = {"data_center": "data centre", "export_control": "export controls"}
    return TokenizedCorpus(rows, [[str(t) for t in toks] for toks in tokens], forms, {"stem": "plural"})


def write_disk(tokenized: TokenizedCorpus, folder: Path, chunk: int = 333, shard_rows: int = 450) -> TokenizedCorpus:
    with TokenShardWriter(folder, shard_rows=shard_rows) as writer:
        for start in range(0, len(tokenized.passages), chunk):
            writer.add(tokenized.passages.iloc[start:start + chunk], tokenized.tokens[start:start + chunk])
        return writer.close(tokenized.params, surface_forms=tokenized.surface_forms)


@pytest.fixture(scope="module")
def corpus():
    return generated_corpus()


def test_shards_round_trip_tokens_rows_and_texts(corpus, tmp_path):
    disk = write_disk(corpus, tmp_path / "data")
    assert isinstance(disk.tokens, DiskTokens)
    assert len(disk.tokens) == len(corpus.tokens) == 2_000
    assert disk.tokens.lengths == (450, 450, 450, 450, 200)  # chunks of 333 regrouped into shards of 450
    assert list(disk.tokens) == corpus.tokens
    assert list(disk.tokens) == corpus.tokens  # re-iterable
    assert disk.tokens[1_234] == corpus.tokens[1_234] and disk.tokens[-1] == corpus.tokens[-1]
    pd.testing.assert_frame_equal(disk.passages, corpus.passages.drop(columns="text"))
    assert list(disk.tokens.iter_texts()) == corpus.passages["text"].tolist()
    picks = [1_999, 3, 900, 3]
    assert disk.tokens.read_texts(picks) == corpus.passages["text"].iloc[picks].tolist()
    assert disk.surface_forms == corpus.surface_forms and disk.params == corpus.params
    again = open_tokens(tmp_path / "data")
    pd.testing.assert_frame_equal(again.passages, disk.passages)
    assert list(again.tokens) == corpus.tokens


@pytest.mark.parametrize("options", [{}, {"min_df": 3, "max_df": 0.5}, {"min_df": 0.01},
                                     {"vocabulary": ["w0003", "zzz", "data_center", "w0001"]}])
def test_memory_and_disk_counts_are_identical(corpus, tmp_path, options):
    memory = count_terms(corpus, **options)
    disk = count_terms(write_disk(corpus, tmp_path / "data"), **options)
    assert isinstance(memory.store, MemoryStore) and isinstance(disk.store, DiskStore)
    assert disk.shape == memory.shape
    assert (disk.counts != memory.counts).nnz == 0
    assert disk.counts.dtype == memory.counts.dtype == np.int64
    pd.testing.assert_frame_equal(disk.terms, memory.terms)
    for key in ("n_rows", "n_terms", "n_tokens", "min_df", "max_df"):
        assert disk.params[key] == memory.params[key]
    # independent check: the document-frequency rule and the counts, by Counter
    df = Counter(t for toks in corpus.tokens for t in set(toks))
    if "vocabulary" in options:
        expected_terms = options["vocabulary"]
    else:
        low = options.get("min_df", 1)
        low = low if isinstance(low, int) else low * len(corpus.tokens)
        high = options.get("max_df", 1.0) * len(corpus.tokens)
        expected_terms = sorted(t for t, n in df.items() if low <= n <= high)
    assert list(disk.vocabulary) == expected_terms
    column = {t: j for j, t in enumerate(expected_terms)}
    dense = disk.counts.toarray()
    for i in (0, 17, 1_999):
        expected = np.zeros(len(expected_terms), dtype=np.int64)
        for term, n in Counter(corpus.tokens[i]).items():
            if term in column:
                expected[column[term]] = n
        assert np.array_equal(dense[i], expected)
    if "data_center" in column:
        assert disk.terms.set_index("term").loc["data_center", "label"] == "data centre"


def test_open_data_gives_the_same_data(corpus, tmp_path):
    disk = count_terms(write_disk(corpus, tmp_path / "data"), min_df=2)
    again = open_data(tmp_path / "data")
    assert isinstance(again, TextData) and again.unit == "passage"
    assert (again.counts != disk.counts).nnz == 0
    pd.testing.assert_frame_equal(again.rows, disk.rows)
    pd.testing.assert_frame_equal(again.terms, disk.terms)
    assert again.params["min_df"] == 2 and again.params["stem"] == "plural"
    assert again.texts([5]) == [corpus.passages["text"].iloc[5]]
    blocks = list(again.store.iter_blocks(100))
    assert [start for start, _ in blocks][:6] == [0, 100, 200, 300, 400, 450]
    assert sum(b.shape[0] for _, b in blocks) == 2_000
    # counting again with other settings replaces the counts in place
    count_terms(open_tokens(tmp_path / "data"), min_df=50)
    assert open_data(tmp_path / "data").shape[1] < disk.shape[1]


class _Planted:
    """Unpickling this writes a marker file: proof that code from disk ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "pwned"))


def _plant(path: Path, marker: Path) -> None:
    path.write_bytes(pickle.dumps(_Planted(str(marker))))


@pytest.mark.parametrize("name", ["corpus.mm.index", "dictionary.gensim", "phrases.gensim", "tokens-00099.parquet"])
def test_planted_pickle_is_refused_and_never_run(corpus, tmp_path, name):
    folder = tmp_path / "data"
    count_terms(write_disk(corpus.__class__(corpus.passages.iloc[:50], corpus.tokens[:50]), folder))
    marker = tmp_path / "marker"
    _plant(folder / name, marker)
    with pytest.raises(InputFileError, match=f"{name}: is not listed in the manifest"):
        open_data(folder)
    with pytest.raises(InputFileError, match="not listed"):
        open_tokens(folder, verify="size")
    assert not marker.exists()
    pickle.loads((folder / name).read_bytes())  # the planted file really is live
    assert marker.exists()


def test_pickle_in_place_of_a_shard_or_listed_in_the_manifest(corpus, tmp_path):
    folder = tmp_path / "data"
    count_terms(write_disk(corpus.__class__(corpus.passages.iloc[:50], corpus.tokens[:50]), folder))
    marker = tmp_path / "marker"
    _plant(folder / "counts-00000.parquet", marker)
    with pytest.raises(InputFileError, match="counts-00000.parquet: has .* bytes, the manifest says"):
        open_data(folder)
    # an attacker who also rewrites the manifest: the hash now matches, but the file is only read as Parquet
    manifest = json.loads((folder / "manifest.json").read_text())
    data = (folder / "counts-00000.parquet").read_bytes()
    import hashlib
    manifest["files"]["counts-00000.parquet"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputFileError, match="counts-00000.parquet: cannot be read as a textlab counts shard"):
        open_data(folder).counts
    manifest["files"]["dictionary.gensim"] = manifest["files"].pop("counts-00000.parquet")
    (folder / "counts-00000.parquet").rename(folder / "dictionary.gensim")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputFileError, match="lists 'dictionary.gensim', which is not a textlab data file"):
        open_data(folder)
    assert not marker.exists()


def test_manifest_problems_are_one_line_errors(corpus, tmp_path):
    folder = tmp_path / "data"
    count_terms(write_disk(corpus.__class__(corpus.passages.iloc[:50], corpus.tokens[:50]), folder))
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "tokens-00000.parquet").write_bytes((folder / "tokens-00000.parquet").read_bytes()[:-1] + b"X")
    with pytest.raises(InputFileError, match="tokens-00000.parquet: does not match its SHA-256"):
        open_data(folder)
    with pytest.raises(InputFileError, match="tokens-00000.parquet: cannot be read as a textlab shard"):
        open_data(folder, verify="size")  # sizes agree: the hash check is skipped, Parquet refuses the file
    for broken in ({"shards": "all"}, {"shards": [{"tokens": "tokens-00000.parquet", "n_rows": "50"}]},
                   {"unit": "sentence"}, {"row_columns": [1]}, {"counts": {"params": []}}):
        (folder / "manifest.json").write_text(json.dumps({**manifest, **broken}))
        with pytest.raises(InputFileError, match="does not describe its shards as textlab writes them"):
            open_data(folder, verify="size")
    (folder / "manifest.json").write_text(json.dumps({**manifest, "files": {}}))
    with pytest.raises(InputFileError, match="lists no files"):
        open_data(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(InputFileError, match="manifest.json: is not valid JSON"):
        open_data(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(InputFileError, match="has no manifest.json"):
        open_data(folder)
    with pytest.raises(ConfigError, match="verify='fast'"):
        open_data(folder, verify="fast")
    for error in (InputFileError,):
        with pytest.raises(error) as info:
            open_data(tmp_path / "nowhere")
        assert "\n" not in str(info.value)


def test_writer_refuses_foreign_folders_and_bad_input(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="notes.txt"):
        TokenShardWriter(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    writer = TokenShardWriter(tmp_path / "w")
    rows = pd.DataFrame({"passage_id": ["a", "b"]})
    with pytest.raises(ConfigError, match="2 rows but tokens has 1"):
        writer.add(rows, [["x"]])
    writer.add(rows, [["x"], []])
    with pytest.raises(ConfigError, match="differ from the first chunk"):
        writer.add(pd.DataFrame({"doc_id": ["c"]}), [["y"]])
    with pytest.raises(ConfigError, match="tokens=3"):
        writer.add(pd.DataFrame({"passage_id": ["c"]}), [[3]])
        writer.close()
    with pytest.raises(ConfigError, match="no rows were added"):
        TokenShardWriter(tmp_path / "empty").close()
    with pytest.raises(ConfigError, match="no passage text"):
        next(write_disk(TokenizedCorpus(rows, [["x"], []]), tmp_path / "notext").tokens.iter_texts())


def test_writer_replaces_its_own_folder_and_cleans_up_on_error(corpus, tmp_path):
    small = corpus.__class__(corpus.passages.iloc[:30], corpus.tokens[:30])
    count_terms(write_disk(small, tmp_path / "data", chunk=7, shard_rows=10))
    again = write_disk(small, tmp_path / "data", chunk=30, shard_rows=100)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["manifest.json", "tokens-00000.parquet"]
    assert list(again.tokens) == small.tokens
    with pytest.raises(RuntimeError):
        with TokenShardWriter(tmp_path / "broken", shard_rows=5) as writer:
            writer.add(small.passages, small.tokens)
            raise RuntimeError("interrupted")
    assert list((tmp_path / "broken").iterdir()) == []


def test_shards_are_cut_by_tokens_as_well_as_rows(tmp_path):
    rows = pd.DataFrame({"doc_id": [f"d{i}" for i in range(6)]})
    tokens = [["a"] * n for n in (3, 4, 1, 5, 0, 2)]
    with TokenShardWriter(tmp_path / "data", unit="document", shard_rows=4, shard_tokens=6) as writer:
        writer.add(rows.iloc[:2], tokens[:2])
        writer.add(rows.iloc[2:], tokens[2:])
        disk = writer.close()
    assert disk.tokens.lengths == (2, 2, 2)  # 3+4 >= 6; 1+5 >= 6; the rest
    assert list(disk.tokens) == tokens and disk.tokens.unit == "document"
    assert [len(b) for b in disk.tokens.iter_batches(batch_rows=1)] == [1] * 6
    data = count_terms(disk)
    assert data.unit == "document" and data.counts.toarray().ravel().tolist() == [3, 4, 1, 5, 0, 2]
