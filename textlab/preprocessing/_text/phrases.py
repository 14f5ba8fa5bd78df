"""Two-word phrases: counted in NumPy arrays, scored with gensim's scorers, frozen as gensim ``FrozenPhrases``.

Counting keeps each distinct word pair as one int64 key and one int64 count (16 bytes, where a
Python ``Counter`` of tuples takes about 130), merged block by block, so learning phrases on
millions of passages needs hundreds of MB, not GB. Only the pairs that can be phrases (seen
``min_count`` times) are scored, with gensim's own scoring functions and its ``len(vocab)``, so
the phrases are those ``gensim.models.phrases.Phrases`` finds on the same counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # gensim is imported when phrases are learned (it is slow to import)
    from gensim.models.phrases import FrozenPhrases, Phrases

__all__ = ["learn_phrases", "apply_phrases", "PHRASE_DELIMITER", "MAX_VOCAB_SIZE", "LINE_BREAK"]

#: Marks a line boundary inside a token list before phrases are learned: no pair is counted or
#: joined across it, and :func:`apply_phrases` drops it (tokens never contain whitespace).
LINE_BREAK = "\n"

#: Joins learned word pairs inside the gensim model; textlab tokens never contain it.
PHRASE_DELIMITER = "__"
#: Count-table entries (words + pairs) kept while learning phrases before rare ones are pruned
#: (gensim's ``max_vocab_size`` rule; 16 bytes per entry, about 650 MB at the peak of a merge).
MAX_VOCAB_SIZE = 20_000_000
#: Token lists counted between two checks of the table size: a fixed step, so pruning (and so
#: the phrases) depend on the token lists only, never on how a caller batches them.
PRUNE_EVERY = 100_000
#: Token lists counted at once (the Python objects of one block are the transient memory).
_COUNT_BLOCK = 10_000
_SHIFT = np.int64(32)


class _PairCounts:
    """Word and adjacent-pair counts of token lists, with gensim's pruning rule."""

    def __init__(self, max_vocab_size: int) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self.unigrams = np.zeros(0, dtype=np.int64)
        self.keys = np.zeros(0, dtype=np.int64)  # sorted (id_a << 32 | id_b)
        self.counts = np.zeros(0, dtype=np.int64)
        self.max_vocab_size = max_vocab_size
        self.min_reduce = 0
        self.n_words = 0

    def add_block(self, block: list[Sequence[str]]) -> None:
        lengths = np.fromiter((len(t) for t in block), dtype=np.int64, count=len(block))
        flat = list(chain.from_iterable(block))
        if not flat:
            return
        self.n_words += len(flat)
        local, uniques = pd.factorize(pd.Series(flat, dtype=object), sort=False)
        ids, words = self.ids, self.words
        glob = np.empty(len(uniques), dtype=np.int64)
        for k, word in enumerate(uniques):
            word = str(word)
            j = ids.get(word)
            if j is None:
                j = ids[word] = len(words)
                words.append(word)
            glob[k] = j
        codes = glob[local]
        if len(words) > len(self.unigrams):
            self.unigrams = np.concatenate([self.unigrams, np.zeros(len(words) - len(self.unigrams), np.int64)])
        self.unigrams += np.bincount(codes, minlength=len(self.unigrams))
        inside = np.ones(len(codes) - 1, dtype=bool)
        starts = np.cumsum(lengths)[:-1]  # first position of every list after the first
        starts = starts[(starts > 0) & (starts < len(codes))]
        inside[starts - 1] = False
        pairs = (codes[:-1][inside] << _SHIFT) | codes[1:][inside]
        self._merge(*np.unique(pairs, return_counts=True))

    def _merge(self, keys: np.ndarray, counts: np.ndarray) -> None:
        if not len(keys):
            return
        pos = np.searchsorted(self.keys, keys)
        found = pos < len(self.keys)
        found[found] = self.keys[pos[found]] == keys[found]
        np.add.at(self.counts, pos[found], counts[found])
        new = ~found
        self.keys = np.insert(self.keys, pos[new], keys[new])
        self.counts = np.insert(self.counts, pos[new], counts[new])

    def size(self) -> int:
        return int(np.count_nonzero(self.unigrams)) + len(self.keys)

    def prune(self) -> None:
        """gensim's rule: drop entries seen at most ``min_reduce`` times, then raise ``min_reduce``."""
        self.min_reduce += 1
        self.unigrams[self.unigrams <= self.min_reduce] = 0
        keep = self.counts > self.min_reduce
        self.keys, self.counts = self.keys[keep], self.counts[keep]


def _count(token_lists: Iterable[Sequence[str]], max_vocab_size: int) -> _PairCounts:
    table = _PairCounts(max_vocab_size)
    block: list[Sequence[str]] = []
    step = min(_COUNT_BLOCK, PRUNE_EVERY)
    seen = 0
    for tokens in token_lists:
        if LINE_BREAK in tokens:  # each line counted on its own: no pair spans two lines
            block.extend(_lines(tokens))
        else:
            block.append(tokens)
        seen += 1
        if len(block) >= step or seen % PRUNE_EVERY == 0:
            table.add_block(block)
            block = []
            if seen % PRUNE_EVERY == 0 and table.size() > max_vocab_size:
                table.prune()
    table.add_block(block)
    return table


def _lines(tokens: Sequence[str]) -> list[list[str]]:
    """The token list cut at :data:`LINE_BREAK` markers."""
    out: list[list[str]] = [[]]
    for token in tokens:
        if token == LINE_BREAK:
            out.append([])
        else:
            out[-1].append(token)
    return [line for line in out if line]


def _phrasegrams(table: _PairCounts, model) -> dict[str, float]:
    """Score the pairs that can be phrases exactly as ``Phrases.export_phrases`` would."""
    a = table.keys >> _SHIFT
    b = table.keys & np.int64(0xFFFFFFFF)
    count_a, count_b = table.unigrams[a], table.unigrams[b]
    # below min_count npmi is -inf and the default score negative (gensim wants threshold > 0): never phrases
    candidates = (count_a > 0) & (count_b > 0) & (table.counts >= max(model.min_count, 1))
    len_vocab = table.size()
    out: dict[str, float] = {}
    words = table.words
    for i in np.flatnonzero(candidates):
        score = model.scoring(worda_count=int(count_a[i]), wordb_count=int(count_b[i]),
                              bigram_count=int(table.counts[i]), len_vocab=len_vocab, min_count=model.min_count,
                              corpus_word_count=model.corpus_word_count)
        if score > model.threshold:
            out[words[a[i]] + PHRASE_DELIMITER + words[b[i]]] = score
    return out


def learn_phrases(
    token_lists: Iterable[Sequence[str]],
    *,
    min_count: int = 3,
    threshold: float = 0.5,
    scoring: str = "npmi",
    max_vocab_size: int = MAX_VOCAB_SIZE,
) -> FrozenPhrases:
    """Learn two-word phrases with gensim ``Phrases`` and freeze the model.

    The model joins words with ``"__"`` internally, so a learned pair never collides with a
    token that already contains ``"_"`` (an alias such as ``data_center``); use
    :func:`apply_phrases`, which joins with ``"_"``.  ``token_lists`` is read once, so a
    generator streaming token lists from disk works: memory is bounded by ``max_vocab_size``.
    The in-memory and on-disk paths of textlab both learn phrases here.

    Parameters
    ----------
    token_lists
        One token list per passage.
    min_count, threshold, scoring
        gensim ``Phrases`` parameters (``scoring="npmi"`` needs ``threshold`` in [-1, 1]).
    max_vocab_size
        When the count tables hold more entries, checked every :data:`PRUNE_EVERY` token
        lists, entries seen at most ``min_reduce`` times are dropped and ``min_reduce`` grows
        by one, as gensim's ``Phrases`` does; ``model.textlab_min_reduce`` records the last
        ``min_reduce`` used (0: nothing pruned, the counts are exact).

    Returns
    -------
    gensim.models.phrases.FrozenPhrases
        ``.phrasegrams`` maps ``"a__b"`` to its score.

    Examples
    --------
    >>> model = learn_phrases([["data", "center", "open"]] * 3 + [["open", "data"]])
    >>> apply_phrases([["new", "data", "center"]], model)
    [['new', 'data_center']]
    """
    from gensim.models.phrases import Phrases

    model = Phrases(None, min_count=min_count, threshold=threshold, scoring=scoring, delimiter=PHRASE_DELIMITER)
    table = _count(token_lists, max_vocab_size)
    model.corpus_word_count = table.n_words
    frozen = model.freeze()  # an empty vocabulary: no phrases yet, gensim's settings
    frozen.phrasegrams = _phrasegrams(table, model)
    frozen.textlab_min_reduce = table.min_reduce
    return frozen


def apply_phrases(
    token_lists: Iterable[Sequence[str]], phrases: Phrases | FrozenPhrases
) -> list[list[str]]:
    """Join the phrases of a model from :func:`learn_phrases` in each token list, with ``_``.

    Same result as gensim's ``phrases[tokens]`` (greedy, left to right), computed from the
    model's set of word pairs, which is faster than gensim's per-pair scoring.

    Examples
    --------
    >>> model = learn_phrases([["export", "control"]] * 4 + [["control", "room"]])
    >>> apply_phrases([["export", "control", "rule"]], model)
    [['export_control', 'rule']]
    """
    pairs = _phrase_pairs(phrases)
    return [_join_pairs(list(tokens), pairs) for tokens in token_lists]


def _join_pairs(tokens: list[str], pairs: frozenset) -> list[str]:
    """Greedy left-to-right joining of adjacent pairs in ``pairs`` (gensim's rule); line marks dropped."""
    hits = [i for i, pair in enumerate(zip(tokens, tokens[1:])) if pair in pairs]
    if not hits:
        return [t for t in tokens if t != LINE_BREAK] if LINE_BREAK in tokens else tokens
    out: list[str] = []
    pos = 0
    for i in hits:
        if i >= pos:
            out.extend(tokens[pos:i])
            out.append(tokens[i] + "_" + tokens[i + 1])
            pos = i + 2
    out.extend(tokens[pos:])
    return [t for t in out if t != LINE_BREAK] if LINE_BREAK in out else out


def _phrase_pairs(phrases) -> frozenset:
    """The model's word pairs as a frozenset of tuples (cached on the model object)."""
    cached = getattr(phrases, "_textlab_pairs", None)
    if cached is not None:
        return cached
    model = phrases if hasattr(phrases, "phrasegrams") else phrases.freeze()
    delimiter = getattr(model, "delimiter", PHRASE_DELIMITER)
    pairs = frozenset(
        tuple(parts) for g in model.phrasegrams if len(parts := g.split(delimiter)) == 2
    )
    try:
        phrases._textlab_pairs = pairs
    except AttributeError:
        pass
    return pairs
