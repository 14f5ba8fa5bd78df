"""Two-word phrases: counted with ``Counter``, scored and frozen by gensim ``Phrases``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # gensim is imported when phrases are learned (it is slow to import)
    from gensim.models.phrases import FrozenPhrases, Phrases

__all__ = ["learn_phrases", "apply_phrases", "PHRASE_DELIMITER"]

#: Joins learned word pairs inside the gensim model; textlab tokens never contain it.
PHRASE_DELIMITER = "__"


def learn_phrases(
    token_lists: Iterable[Sequence[str]],
    *,
    min_count: int = 3,
    threshold: float = 0.5,
    scoring: str = "npmi",
) -> FrozenPhrases:
    """Learn two-word phrases with gensim ``Phrases`` and freeze the model.

    The model joins words with ``"__"`` internally, so a learned pair never collides with a
    token that already contains ``"_"`` (an alias such as ``data_center``); use
    :func:`apply_phrases`, which joins with ``"_"``.  ``token_lists`` must be re-iterable
    (a list, not a generator) when it is large and streamed.

    Parameters
    ----------
    token_lists
        One token list per passage.
    min_count, threshold, scoring
        gensim ``Phrases`` parameters (``scoring="npmi"`` needs ``threshold`` in [-1, 1]).

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
    for tokens in token_lists:
        unigrams.update(tokens)
        pairs.update(zip(tokens, tokens[1:]))
    vocab = dict(unigrams)
    vocab.update({a + PHRASE_DELIMITER + b: n for (a, b), n in pairs.items()})
    model.vocab = vocab
    model.corpus_word_count = sum(unigrams.values())
    return model.freeze()


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
