"""Two-word phrases: counted with ``Counter``, scored and frozen by gensim ``Phrases``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # gensim is imported when phrases are learned (it is slow to import)
    from gensim.models.phrases import FrozenPhrases, Phrases

__all__ = ["learn_phrases", "apply_phrases", "PHRASE_DELIMITER", "MAX_VOCAB_SIZE"]

#: Joins learned word pairs inside the gensim model; textlab tokens never contain it.
PHRASE_DELIMITER = "__"
#: Count-table entries (words + pairs) kept while learning phrases before rare ones are pruned
#: (gensim's ``max_vocab_size`` rule; about 1.3 GB of Python objects at this size).
MAX_VOCAB_SIZE = 10_000_000
#: Token lists counted between two checks of the table size: a fixed step, so pruning (and so
#: the phrases) depend on the token lists only, never on how a caller batches them.
PRUNE_EVERY = 10_000


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

    model = Phrases(
        None,
        min_count=min_count,
        threshold=threshold,
        scoring=scoring,
        delimiter=PHRASE_DELIMITER,
    )
    # Count unigrams and adjacent pairs with Counter (C speed; gensim's own loop is pure
    # Python); the counts are exactly those of Phrases.add_vocab without connector words.
    unigrams: Counter = Counter()
    pairs: Counter = Counter()
    n_words, min_reduce, seen = 0, 0, 0
    for tokens in token_lists:
        n_words += len(tokens)
        unigrams.update(tokens)
        pairs.update(zip(tokens, tokens[1:]))
        seen += 1
        if seen % PRUNE_EVERY == 0 and len(unigrams) + len(pairs) > max_vocab_size:
            min_reduce += 1
            for table in (unigrams, pairs):
                for key in [k for k, n in table.items() if n <= min_reduce]:
                    del table[key]
    vocab = dict(unigrams)
    del unigrams
    vocab.update({a + PHRASE_DELIMITER + b: n for (a, b), n in pairs.items()})
    del pairs
    model.vocab = vocab
    model.corpus_word_count = n_words
    frozen = model.freeze()
    frozen.textlab_min_reduce = min_reduce
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
    """Greedy left-to-right joining of adjacent pairs in ``pairs`` (gensim's rule)."""
    hits = [i for i, pair in enumerate(zip(tokens, tokens[1:])) if pair in pairs]
    if not hits:
        return tokens
    out: list[str] = []
    pos = 0
    for i in hits:
        if i >= pos:
            out.extend(tokens[pos:i])
            out.append(tokens[i] + "_" + tokens[i + 1])
            pos = i + 2
    out.extend(tokens[pos:])
    return out


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
