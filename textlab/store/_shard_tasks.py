"""Per-shard work of the disk store, as picklable tasks that run in this process or on Dask workers.

Each task reads one Parquet file, does one shard's work and writes (at most) one file whose name
comes from the shard's index, so the folder is the same whichever process ran the task and in
whatever order the tasks finished; the driver only collects the small results (sizes, SHA-256,
row and token counts, a shard's vocabulary or document frequencies) and writes the manifest.

:class:`WriteTokenShard`
    a pre-phrase part (rows + ``tokens``) -> ``tokens-NNNNN.parquet`` with the phrases applied.
:class:`ShardFrequencies`
    a tokens shard -> ``Counter`` of document frequencies (for ``min_df`` / ``max_df``).
:class:`CountShard`
    a tokens shard -> ``counts-NNNNN.parquet`` (``row, term, count`` in CSR order) over fixed terms.

:func:`map_shards` runs a task over every item, on the active Dask cluster
(:func:`textlab.compute.ordered_map`, one shard per task) or here, results in input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from textlab._errors import ConfigError, InputFileError, bad_value
from textlab.store._manifest import _write_parquet

__all__ = ["WriteTokenShard", "ShardFrequencies", "CountShard", "map_shards", "token_table", "count_shard"]


def _read(path: Path, columns: list[str] | None = None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except (pa.ArrowException, OSError) as err:
        raise InputFileError(path, f"cannot be read as a textlab shard ({err})") from None


def token_table(rows: pa.Table, tokens: list[list[str]]) -> pa.Table:
    """``rows`` with a ``tokens`` column (``list<string>``) appended: the content of a tokens shard."""
    try:
        array = pa.array(tokens, type=pa.list_(pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        bad = next(t for toks in tokens for t in toks if not isinstance(t, str))
        raise bad_value("tokens", bad, "lists of strings") from None
    return rows.append_column("tokens", array)


def map_shards(task: Any, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """``(item, task(item))`` in input order: one item per task on the active Dask cluster, else in this process.

    Examples
    --------
    >>> [out for _, out in map_shards(len, ["ab", "c"])]
    [2, 1]
    """
    from textlab.compute import ordered_map

    return ordered_map(task, ((item, item) for item in items), n_jobs=1, items_per_task=1)


@dataclass(frozen=True)
class WriteTokenShard:
    """Task ``(index, part path) -> shard entry``: apply the phrases to one part and write ``tokens-{index}``.

    The result: ``name``, ``n_rows``, ``n_tokens``, ``file`` (size and SHA-256 for the
    manifest), ``columns`` (the row columns) and ``vocabulary`` (the shard's distinct tokens).
    """

    folder: str
    frozen: Any = None  # gensim FrozenPhrases learnt on the whole corpus, or None

    def __call__(self, item: tuple[int, str]) -> dict:
        from textlab.preprocessing.tokens import apply_phrases

        index, part = item
        if not Path(part).is_file():
            raise ConfigError(f"{part}: not found on the worker that was to write shard {index}; put the store "
                              "([compute] cache_dir) on storage that every worker and the driver share")
        table = _read(Path(part))
        tokens = table.column("tokens").to_pylist()
        if self.frozen is not None:
            tokens = apply_phrases(tokens, self.frozen)
        rows = table.drop_columns(["tokens"])
        name = f"tokens-{index:05d}.parquet"
        entry = _write_parquet(token_table(rows, tokens), Path(self.folder) / name)
        return {"name": name, "n_rows": len(tokens), "n_tokens": int(sum(map(len, tokens))), "file": entry,
                "columns": list(rows.column_names), "vocabulary": sorted(set(chain.from_iterable(tokens)))}


@dataclass(frozen=True)
class ShardFrequencies:
    """Task ``tokens shard path -> Counter``: in how many rows of the shard each token occurs."""

    def __call__(self, path: str) -> Counter:
        df: Counter = Counter()
        column = _read(Path(path), ["tokens"]).column(0)
        for start in range(0, len(column), 2_000):
            for toks in column.slice(start, 2_000).to_pylist():
                df.update(set(toks))
        return df


def count_shard(column: pa.ChunkedArray, n_rows: int, value_set: pa.Array) -> sp.csr_matrix:
    """CSR counts of one shard's ``list<string>`` tokens over the terms ``value_set`` (Arrow + NumPy, no Python loop).

    Each token is looked up in the terms (``pyarrow.compute.index_in``; unknown tokens are
    dropped), then ``row * n_terms + term`` keys are counted with ``numpy.unique``, which
    sorts them by row and term: the CSR order.  The same numbers as ``CountVectorizer`` with
    the vocabulary fixed (tests compare them).
    """
    import pyarrow.compute as pc

    n_terms = len(value_set)
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    parents = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    ids = pc.index_in(lists.flatten(), value_set=value_set)
    known = ids.is_valid().to_numpy(zero_copy_only=False)
    keys = parents[known] * n_terms + ids.fill_null(0).to_numpy().astype(np.int64)[known]
    keys, counts = np.unique(keys, return_counts=True)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n_terms, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((counts.astype(np.int64), keys % n_terms, indptr), shape=(n_rows, n_terms))


@dataclass(frozen=True)
class CountShard:
    """Task ``(index, tokens shard name, n_rows) -> (counts entry, n_tokens)``: write ``counts-{index}``."""

    folder: str
    terms: tuple[str, ...]

    def __call__(self, item: tuple[int, str, int]) -> tuple[str, dict, int]:
        index, name, n_rows = item
        folder = Path(self.folder)
        column = _read(folder / name, ["tokens"]).column(0)
        block = count_shard(column, int(n_rows), pa.array(list(self.terms), type=pa.string()))
        rows = np.repeat(np.arange(block.shape[0], dtype=np.int32), np.diff(block.indptr))
        table = pa.table({"row": rows, "term": block.indices.astype(np.int32), "count": block.data})
        out = f"counts-{index:05d}.parquet"
        return out, _write_parquet(table, folder / out), int(block.data.sum())
