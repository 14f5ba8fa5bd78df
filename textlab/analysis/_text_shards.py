"""Frames and keyword-in-context over the token shards of a disk store, one task per shard.

When the tokens are a :class:`~textlab.store.disk.DiskTokens`, :func:`token_vocabulary`,
:func:`count_units` (used by :func:`~textlab.analysis.frames.score_frames`) and
:func:`find_in_shards` (used by :func:`~textlab.analysis.kwic.keywords_in_context`) send one
task per shard through :func:`~textlab.store._shard_tasks.map_shards`: on the workers when a Dask
cluster is active, else in this process. Each task runs the same function a one-process run
calls on that shard's rows; the driver stacks the results in shard order, so the tables are
identical to one process (tests on a 2-process ``LocalCluster``). Tokens held in memory are
handled here as before, in this process.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from textlab.store._shard_tasks import map_shards

__all__ = ["token_vocabulary", "count_units", "find_in_shards", "on_disk"]


def on_disk(tokens: Any) -> bool:
    """Whether ``tokens`` are Parquet shards (:class:`~textlab.store.disk.DiskTokens`)."""
    from textlab.store.disk import DiskTokens

    return isinstance(tokens, DiskTokens)


def _shard_tokens(tokens: Any, index: int) -> Iterator[list[str]]:
    for batch in tokens.iter_shard_batches(index):
        yield from batch


@dataclass(frozen=True)
class _Vocabulary:
    tokens: Any  # DiskTokens

    def __call__(self, index: int) -> list[str]:
        seen: set[str] = set()
        for toks in _shard_tokens(self.tokens, index):
            seen.update(toks)
        return sorted(seen)


def token_vocabulary(tokens: Sequence[list[str]]) -> set[str]:
    """Every distinct token (one task per shard on disk).

    Examples
    --------
    >>> sorted(token_vocabulary([["ai", "hub"], ["hub"]]))
    ['ai', 'hub']
    """
    if not on_disk(tokens):
        return {t for toks in tokens for t in toks}
    vocabulary: set[str] = set()
    for _, part in map_shards(_Vocabulary(tokens), range(len(tokens.shards))):
        vocabulary.update(part)
    return vocabulary


@dataclass(frozen=True)
class _UnitCounts:
    tokens: Any  # DiskTokens
    units: tuple[tuple[str, ...], ...]

    def __call__(self, index: int) -> tuple[sp.csr_matrix, np.ndarray]:
        from textlab.analysis.frames import _count_units

        token_lists = list(_shard_tokens(self.tokens, index))
        return _count_units(token_lists, list(self.units)), np.array([len(t) for t in token_lists], dtype=np.int64)


def count_units(tokens: Sequence[list[str]], units: list[tuple[str, ...]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(N x U counts of each codebook unit, tokens per row)``, as :func:`~textlab.analysis.frames._count_units`.

    Examples
    --------
    >>> counts, n_tokens = count_units([["ai", "hub"], ["hub", "hub"]], [("hub",)])
    >>> counts.toarray().ravel().tolist(), n_tokens.tolist()
    ([1, 2], [2, 2])
    """
    from textlab.analysis.frames import _count_units

    if not on_disk(tokens):
        return _count_units(tokens, units), np.array([len(t) for t in tokens], dtype=np.int64)
    blocks, lengths = [], []
    for _, (block, n_tokens) in map_shards(_UnitCounts(tokens, tuple(units)), range(len(tokens.shards))):
        blocks.append(block)
        lengths.append(n_tokens)
    counts = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, len(units)), dtype=np.int64)
    return sp.csr_matrix(counts, dtype=np.int64), np.concatenate(lengths) if lengths else np.zeros(0, np.int64)


@dataclass(frozen=True)
class _Find:
    tokens: Any  # DiskTokens with text
    targets: frozenset
    literal: Any  # compiled pattern or None
    normalize: Any
    window: int
    max_rows: int

    def __call__(self, item: tuple[int, int]) -> list[tuple]:
        from textlab.analysis.kwic import _find

        index, first = item
        texts = (t for batch in self.tokens.iter_shard_batches(index, column="text") for t in batch)
        candidates = zip(range(first, first + self.tokens.lengths[index]), texts, _shard_tokens(self.tokens, index))
        return _find(candidates, set(self.targets), self.literal, self.normalize, self.window, self.max_rows, False)


def find_in_shards(tokens: Any, targets: set, literal: Any, normalize: Any, window: int, max_rows: int) -> list[tuple]:
    """The first ``max_rows`` occurrences, in row order, searching shard by shard (stops once enough are found)."""
    starts = np.concatenate([[0], np.cumsum(tokens.lengths)[:-1]]).astype(int).tolist()
    task = _Find(tokens, frozenset(targets), literal, normalize, int(window), int(max_rows))
    found: list[tuple] = []
    items = map_shards(task, list(zip(range(len(tokens.shards)), starts)))
    try:
        for _, part in items:
            found.extend(part)
            if len(found) >= max_rows:
                break
    finally:
        items.close()  # pending shard tasks are cancelled
    return found[:max_rows]
