"""Topic quality measures: coherence (gensim ``c_v`` / ``c_npmi``), diversity and held-out perplexity.

``topic_coherence`` counts window co-occurrences once for the union of all fits' top words and
evaluates gensim's confirmation measures as small matrix operations (equal to
``CoherenceModel(...).get_coherence_per_topic()``, tested); ``topic_diversity`` is Dieng et al.'s
share of distinct top words; ``heldout_perplexity`` scores held-out passages under a fit with its
engine model attached.  :func:`~textlab.analysis.topics.selection.select_n_topics` uses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel
from gensim.topic_coherence.direct_confirmation_measure import EPSILON as _EPSILON

from textlab._errors import ConfigError, bad_value
from textlab.analysis.topics.lda import LdaFit

__all__ = ["topic_coherence", "topic_diversity", "heldout_perplexity"]

MEASURES = ("c_v", "c_npmi")
_MEASURES = MEASURES


def _top_words(fit: LdaFit, top_n: int) -> list[list[str]]:
    order = np.argsort(-np.asarray(fit.topic_term), axis=1, kind="stable")[:, :top_n]
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    return [vocabulary[row].tolist() for row in order]


def topic_diversity(fit: LdaFit | np.ndarray, *, top_n: int = 25) -> float:
    """Share of distinct words among the top ``top_n`` words of all topics (Dieng et al. 2020).

    Parameters
    ----------
    fit
        An :class:`LdaFit` or a ``K x V`` topic-term matrix.
    top_n
        Words per topic (25 as in Dieng et al.; capped at V).

    Returns
    -------
    float
        In ``(0, 1]``; 1 means no top word is shared by two topics.

    Examples
    --------
    >>> topic_diversity(np.array([[.5, .3, .2, 0], [.5, 0, .2, .3]]), top_n=2)
    0.75
    """
    matrix = np.asarray(fit.topic_term if isinstance(fit, LdaFit) else fit, dtype=float)
    n = min(int(top_n), matrix.shape[1])
    top = np.argsort(-matrix, axis=1, kind="stable")[:, :n]
    return float(np.unique(top).size / top.size)


def _window_counts(accumulator: Any, ids: np.ndarray) -> tuple[Any, np.ndarray, float] | None:
    """gensim's window co-occurrence table, the rows of ``ids`` in it, and the number of windows.

    Read from gensim's ``WordOccurrenceAccumulator`` (its symmetrised ``_co_occurrences`` table,
    occurrences on the diagonal, and its ``id2contiguous`` map); ``None`` if a gensim version
    stores them differently, in which case :func:`topic_coherence` falls back to gensim's own
    (slower) scoring loop.
    """
    table = getattr(accumulator, "_co_occurrences", None)
    mapping = getattr(accumulator, "id2contiguous", None)
    if table is None or mapping is None or not hasattr(table, "shape"):
        return None
    rows = np.array([mapping[int(i)] for i in ids], dtype=np.intp)
    table = table.tocsr() if hasattr(table, "tocsr") else np.asarray(table)
    return table, rows, float(accumulator.num_docs)


def _block(table: Any, rows: np.ndarray) -> np.ndarray:
    sub = table[rows][:, rows]
    return np.asarray(sub.toarray() if hasattr(sub, "toarray") else sub, dtype=float)


def _npmi(block: np.ndarray, n_windows: float) -> np.ndarray:
    """NPMI of every pair of words, as gensim's ``log_ratio_measure(normalize=True)`` computes it."""
    p = np.diag(block) / n_windows
    p_joint = block / n_windows
    pmi = np.log((p_joint + _EPSILON) / np.outer(p, p))
    return pmi / -np.log(p_joint + _EPSILON)


def _c_v(npmi: np.ndarray) -> float:
    """gensim's c_v of one topic: mean cosine between each word's NPMI context vector and the set's."""
    whole = npmi.sum(axis=0)  # context vector of the whole top-word set (gamma = 1)
    norms = np.sqrt((npmi**2).sum(axis=1)) * np.sqrt((whole**2).sum())
    return (npmi @ whole) / norms


def topic_coherence(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Sequence[Sequence[str]],
    *,
    measures: Sequence[str] = _MEASURES,
    top_n: int = 10,
    processes: int = 1,
    dictionary: Dictionary | None = None,
) -> dict[str, list[np.ndarray]]:
    """Per-topic coherence (gensim ``c_v`` / ``c_npmi``) of several topic sets from one counting pass.

    Word and word-pair window counts are gathered once per measure by gensim's
    ``CoherenceModel`` for the union of all top words (the expensive pass over the texts, with
    gensim's window sizes: 110 for c_v, 10 for c_npmi).  The confirmation step — NPMI of word
    pairs, and for c_v the cosine between each word's NPMI context vector and the whole set's —
    is then evaluated as small matrix operations per topic, with gensim's formulas and
    ``EPSILON``; the values equal ``CoherenceModel(topics=..., texts=...).get_coherence_per_topic()``
    (checked in the tests), at a fraction of the cost when many models are scored.

    Parameters
    ----------
    topic_sets
        One entry per model: a list of topics, each a list of at least ``top_n`` words in rank
        order.
    texts
        Token lists the co-occurrences are counted in (the passages).
    measures
        ``"c_v"`` and/or ``"c_npmi"``.
    top_n
        Words per topic scored.
    processes
        ``CoherenceModel(processes=...)`` for the counting pass; 1 avoids multiprocessing.
    dictionary
        gensim ``Dictionary`` of ``texts`` (built if omitted).

    Returns
    -------
    dict
        ``{measure: [per-topic coherence array for each topic set]}``; the mean of an array is
        gensim's model coherence.

    Examples
    --------
    >>> texts = [["chip", "tariff", "export"], ["cloud", "server", "region"]] * 3
    >>> out = topic_coherence([[["chip", "tariff"], ["cloud", "server"]]], texts, measures=["c_npmi"], top_n=2)
    >>> np.round(out["c_npmi"][0], 3).tolist()
    [1.0, 1.0]
    """
    measures = [measures] if isinstance(measures, str) else list(measures)
    if any(m not in _MEASURES for m in measures):
        raise bad_value("measures", measures, f"a selection of {list(_MEASURES)}")
    if dictionary is None:
        dictionary = Dictionary(texts)
    sets = [[list(topic)[:top_n] for topic in topics] for topics in topic_sets]
    short = [t for topics in sets for t in topics if len(t) < top_n]
    if short:
        raise bad_value("top_n", top_n, f"at most the number of words per topic (a topic has {len(short[0])})")
    words = sorted({w for topics in sets for topic in topics for w in topic})
    missing = [w for w in words if w not in dictionary.token2id]
    if missing:
        raise ConfigError(f"topic words {missing[:5]} do not occur in texts: coherence needs the texts the model saw")
    ids = np.array([dictionary.token2id[w] for w in words])
    position = {w: i for i, w in enumerate(words)}
    out: dict[str, list[np.ndarray]] = {}
    for measure in measures:
        cm = CoherenceModel(topics=[words], texts=texts, dictionary=dictionary, coherence=measure,
                            topn=len(words), processes=processes)
        # the segmentation passed here only names the relevant ids, so gensim counts every
        # relevant word once without segmenting one huge topic
        accumulator = cm.estimate_probabilities(segmented_topics=[[(int(i), int(i)) for i in ids]])
        counts = _window_counts(accumulator, ids)
        scores = []
        for topics in sets:
            if counts is None:  # gensim internals differ: use its own loop on the same accumulator
                cm.topn = top_n
                cm.topics = topics
                scores.append(np.asarray(cm.get_coherence_per_topic(), dtype=float))
                continue
            table, rows, n_windows = counts
            per_topic = []
            for topic in topics:
                idx = np.array([position[w] for w in topic])
                npmi = _npmi(_block(table, rows[idx]), n_windows)
                if measure == "c_npmi":
                    off = ~np.eye(len(idx), dtype=bool)  # gensim's s_one_one: all ordered pairs i != j
                    per_topic.append(float(npmi[off].mean()))
                else:
                    per_topic.append(float(_c_v(npmi).mean()))
            scores.append(np.asarray(per_topic))
        out[measure] = scores
    return out


def heldout_perplexity(fit: LdaFit, texts: Sequence[Sequence[str]]) -> float:
    """Per-word perplexity of held-out passages under a fit made with ``keep_model=True``.

    Topic proportions of each held-out passage are inferred with the topics fixed (tomotopy
    ``infer`` or gensim ``inference``); see the module notes for the formula.  Tokens outside
    the fit's vocabulary are ignored.

    Parameters
    ----------
    fit
        Fit to the training passages, with its engine model attached (``fit.model``).
    texts
        Held-out token lists.

    Returns
    -------
    float
        ``exp(−mean log-likelihood per held-out token)``; ``nan`` if no held-out token is in
        the vocabulary.
    """
    if fit.model is None:
        raise ConfigError("heldout_perplexity needs fit_lda(..., keep_model=True): fit.model is None")
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    index = {w: i for i, w in enumerate(vocabulary)}
    docs = [[index[w] for w in doc if w in index] for doc in texts]
    docs = [d for d in docs if d]
    if not docs:
        return float("nan")
    beta = np.asarray(fit.topic_term, dtype=float)
    engine = fit.params.get("engine")
    if engine == "tomotopy":
        model = fit.model
        made = [model.make_doc(vocabulary[d].tolist()) for d in docs]
        dists, _ = model.infer(made, workers=1)
        theta = np.asarray(dists, dtype=float)
    elif engine == "gensim":
        model = fit.model
        bow = [sorted(zip(*np.unique(d, return_counts=True))) for d in docs]
        bow = [[(int(i), int(c)) for i, c in doc] for doc in bow]
        gamma, _ = model.inference(bow)
        theta = gamma / gamma.sum(axis=1, keepdims=True)
    else:
        raise ConfigError(f"fit.params['engine']={engine!r}: held-out perplexity supports 'tomotopy' and 'gensim'")
    theta = theta / theta.sum(axis=1, keepdims=True)
    lengths = np.array([len(d) for d in docs])
    rows = np.repeat(np.arange(len(docs)), lengths)
    cols = np.concatenate(docs)
    log_lik = 0.0
    for start in range(0, rows.size, 200_000):  # blocks keep memory at 200k x K
        r, c = rows[start : start + 200_000], cols[start : start + 200_000]
        prob = np.einsum("nk,kn->n", theta[r], beta[:, c])
        log_lik += float(np.log(np.maximum(prob, 1e-300)).sum())
    return float(np.exp(-log_lik / lengths.sum()))
