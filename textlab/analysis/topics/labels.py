"""Labelling aids for fitted topic models: top terms, representative passages, topic map.

Everything here is a pure function of an :class:`~textlab.analysis.topics.lda.LdaFit`'s arrays, so it
works for any engine.  Topics are numbered from 1 in every table.

Three rankings of a topic's terms are offered, because each answers a different question:

``probability``
    ``p(w | k)``: the words the topic uses most.  Frequent everyday words rank high in
    several topics.
``relevance``
    Sievert & Shirley (2014, LDAvis): ``λ log p(w|k) + (1 − λ) log(p(w|k) / p(w))``.
    ``λ = 1`` is the probability ranking, ``λ = 0`` is lift; the authors' user study found
    ``λ ≈ 0.6`` easiest to interpret, which is the default.
``frex``
    Roberts et al. (stm's ``calcfrex``; Bischof & Airoldi 2012): the weighted harmonic mean of a
    word's within-topic rank (ECDF) of frequency ``p(w|k)`` and of exclusivity
    ``p(w|k) / Σ_j p(w|j)``, with weight ``w = 0.5`` on frequency.  stm's ``labelTopics``
    additionally shrinks exclusivity towards uniform using corpus word counts (James–Stein);
    an ``LdaFit`` carries no counts, so that optional step is not applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.special import logsumexp
from scipy.stats import rankdata

from textlab._errors import ConfigError, EstimationError, bad_value
from textlab.analysis.topics.lda import LdaFit

__all__ = ["top_terms", "representative_passages", "topic_map", "label_topics", "term_label"]

_METHODS = ("probability", "relevance", "frex")
_TINY = 1e-300  # floor before log: a probability of exactly 0 must not give -inf


def term_label(term: str, surface_forms: Mapping[str, str] | None = None) -> str:
    """Readable form of a token: its surface form if known, else underscores as spaces.

    Examples
    --------
    >>> term_label("data_center")
    'data center'
    >>> term_label("chip", {"chip": "chips"})
    'chips'
    """
    if surface_forms and term in surface_forms:
        return str(surface_forms[term])
    return str(term).replace("_", " ")


def _flag(table: pd.DataFrame, stability: pd.DataFrame | None) -> pd.DataFrame:
    """Add a ``stable`` column from ``StabilityResult.table`` (unchanged if ``stability`` is None)."""
    if stability is None:
        return table
    if not {"topic", "stable"} <= set(stability.columns):
        raise ConfigError("stability must be a StabilityResult.table with columns 'topic' and 'stable'")
    flags = dict(zip(stability["topic"].astype(int), stability["stable"].astype(bool)))
    missing = sorted(set(table["topic"]) - set(flags))
    if missing:
        raise ConfigError(f"stability has no row for topic(s) {missing}: pass the table of the same model")
    return table.assign(stable=table["topic"].map(flags).astype(bool))


def _check_fit(fit: LdaFit) -> tuple[np.ndarray, np.ndarray]:
    topic_term = np.asarray(fit.topic_term, dtype=float)
    if topic_term.ndim != 2 or topic_term.shape[0] < 1:
        raise EstimationError(f"fit.topic_term has shape {topic_term.shape}: expected K x V with K >= 1")
    vocabulary = np.asarray(fit.vocabulary).astype(str)
    if vocabulary.shape[0] != topic_term.shape[1]:
        raise EstimationError(
            f"fit.vocabulary has {vocabulary.shape[0]} terms but fit.topic_term has {topic_term.shape[1]} columns"
        )
    return topic_term, vocabulary


def _topic_prevalence(fit: LdaFit, doc_lengths: Sequence[float] | np.ndarray | None) -> np.ndarray:
    """Share of all tokens assigned to each topic (length-weighted mean of ``doc_topic``)."""
    doc_topic = np.asarray(fit.doc_topic, dtype=float)
    if doc_topic.size == 0:
        k = np.asarray(fit.topic_term).shape[0]
        return np.full(k, 1.0 / k)
    if doc_lengths is None:
        weights = np.ones(doc_topic.shape[0])
    else:
        weights = np.asarray(doc_lengths, dtype=float)
        if weights.shape != (doc_topic.shape[0],) or np.any(weights < 0) or weights.sum() <= 0:
            raise bad_value(
                "doc_lengths",
                f"<{weights.shape[0] if weights.ndim else 'scalar'} values>",
                f"{doc_topic.shape[0]} non-negative passage lengths (one per row of fit.doc_topic), not all zero",
            )
    prevalence = weights @ doc_topic
    return prevalence / prevalence.sum()


def _frex_scores(topic_term: np.ndarray, *, weight: float = 0.5) -> np.ndarray:
    """FREX score matrix ``K x V`` as in stm's ``calcfrex`` (without word-count shrinkage)."""
    log_beta = np.log(np.maximum(topic_term, _TINY))
    exclusivity = log_beta - logsumexp(log_beta, axis=0, keepdims=True)
    n_terms = topic_term.shape[1]
    freq_score = rankdata(log_beta, method="average", axis=1) / n_terms
    excl_score = rankdata(exclusivity, method="average", axis=1) / n_terms
    return 1.0 / (weight / freq_score + (1.0 - weight) / excl_score)


def _relevance_scores(topic_term: np.ndarray, marginal: np.ndarray, lambda_: float) -> np.ndarray:
    log_beta = np.log(np.maximum(topic_term, _TINY))
    log_lift = log_beta - np.log(np.maximum(marginal, _TINY))[None, :]
    return lambda_ * log_beta + (1.0 - lambda_) * log_lift


def _top_indices(scores: np.ndarray, n: int, tiebreak: np.ndarray) -> np.ndarray:
    """Per row, indices of the ``n`` largest scores; ties broken by ``tiebreak`` (larger first), then index."""
    k, v = scores.shape
    n = min(n, v)
    rows = []
    for i in range(k):
        # keep argpartition's speed on huge vocabularies, then sort the few candidates exactly
        if v > 4 * n:
            cutoff = np.partition(scores[i], v - n)[v - n]
            candidates = np.flatnonzero(scores[i] >= cutoff)
        else:
            candidates = np.arange(v)
        order = np.lexsort((candidates, -tiebreak[i, candidates], -scores[i, candidates]))
        rows.append(candidates[order[:n]])
    return np.vstack(rows)


def top_terms(
    fit: LdaFit,
    *,
    n_terms: int = 10,
    lambda_: float = 0.6,
    frex_weight: float = 0.5,
    surface_forms: Mapping[str, str] | None = None,
    doc_lengths: Sequence[float] | np.ndarray | None = None,
    methods: Sequence[str] = _METHODS,
    stability: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Top terms of every topic by probability, relevance and FREX.

    Parameters
    ----------
    fit
        A fitted topic model.
    n_terms
        Terms per topic and method.
    lambda_
        Relevance weight λ in [0, 1] (1 = probability ranking, 0 = lift).
    frex_weight
        FREX weight on frequency in (0, 1); 0.5 as in stm.
    surface_forms
        Token -> readable form for the ``label`` column (``TokenizedCorpus.surface_forms``).
    doc_lengths
        Tokens per passage (row order of ``fit.doc_topic``).  The corpus marginal ``p(w)`` used
        by relevance is ``Σ_k p(w|k) p(k)``, with ``p(k)`` the topic's share of tokens: the
        length-weighted mean of ``doc_topic`` if lengths are given, else its plain mean.
    methods
        Any of ``"probability"``, ``"relevance"``, ``"frex"``.
    stability
        ``StabilityResult.table``; if given, a ``stable`` column flags unstable topics.

    Returns
    -------
    pandas.DataFrame
        Long table ``topic, method, rank, term, label, score`` (topic and rank from 1).  ``score``
        is ``p(w|k)``, the relevance value, or the FREX score in (0, 1].  Ties are broken by
        ``p(w|k)`` and then by vocabulary order.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from textlab.analysis.topics.lda import LdaFit
    >>> fit = LdaFit(np.array([[.6, .3, .1], [.1, .3, .6]]), np.full((2, 2), .5), np.ones((2, 2)),
    ...              np.array(["chip", "cloud", "data_center"]), np.array(["a:000", "b:000"]), pd.DataFrame())
    >>> top_terms(fit, n_terms=1, methods=["probability"])[["topic", "term", "label"]].values.tolist()
    [[1, 'chip', 'chip'], [2, 'data_center', 'data center']]
    """
    topic_term, vocabulary = _check_fit(fit)
    if isinstance(n_terms, bool) or not isinstance(n_terms, (int, np.integer)) or n_terms < 1:
        raise bad_value("n_terms", n_terms, "an integer >= 1")
    if not 0.0 <= float(lambda_) <= 1.0:
        raise bad_value("lambda_", lambda_, "a number between 0 and 1")
    if not 0.0 < float(frex_weight) < 1.0:
        raise bad_value("frex_weight", frex_weight, "a number strictly between 0 and 1")
    methods = [methods] if isinstance(methods, str) else list(methods)
    unknown = [m for m in methods if m not in _METHODS]
    if unknown or not methods:
        raise bad_value("methods", methods, f"a non-empty selection of {list(_METHODS)}")

    k = topic_term.shape[0]
    frames = []
    for method in methods:
        if method == "probability":
            scores = topic_term
        elif method == "relevance":
            marginal = _topic_prevalence(fit, doc_lengths) @ topic_term
            scores = _relevance_scores(topic_term, marginal, float(lambda_))
        else:
            scores = _frex_scores(topic_term, weight=float(frex_weight))
        idx = _top_indices(scores, int(n_terms), topic_term)
        n = idx.shape[1]
        terms = vocabulary[idx.ravel()]
        frames.append(
            pd.DataFrame(
                {
                    "topic": np.repeat(np.arange(1, k + 1), n),
                    "method": method,
                    "rank": np.tile(np.arange(1, n + 1), k),
                    "term": terms,
                    "label": [term_label(t, surface_forms) for t in terms],
                    "score": np.take_along_axis(scores, idx, axis=1).ravel(),
                }
            )
        )
    return _flag(pd.concat(frames, ignore_index=True), stability)


def representative_passages(
    fit: LdaFit,
    passages: pd.DataFrame,
    *,
    n: int = 3,
    stability: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The passages with the highest proportion of each topic.

    Parameters
    ----------
    fit
        A fitted topic model.
    passages
        Passage table with ``passage_id``, ``doc_id`` and ``text`` (``TokenizedCorpus.passages``);
        matched to ``fit.passage_ids`` by id, so its row order does not matter.
    n
        Passages per topic.
    stability
        ``StabilityResult.table``; if given, a ``stable`` column flags unstable topics.

    Returns
    -------
    pandas.DataFrame
        ``topic, rank, passage_id, doc_id, proportion, text``; ``proportion`` is the passage's
        posterior-mean share of the topic.  Ties go to the earlier passage.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from textlab.analysis.topics.lda import LdaFit
    >>> fit = LdaFit(np.full((2, 2), .5), np.array([[.9, .1], [.2, .8]]), np.ones((2, 2)),
    ...              np.array(["a", "b"]), np.array(["d1:000", "d2:000"]), pd.DataFrame())
    >>> passages = pd.DataFrame({"passage_id": ["d1:000", "d2:000"], "doc_id": ["d1", "d2"], "text": ["x", "y"]})
    >>> representative_passages(fit, passages, n=1)[["topic", "passage_id", "proportion"]].values.tolist()
    [[1, 'd1:000', 0.9], [2, 'd2:000', 0.8]]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise bad_value("n", n, "an integer >= 1")
    missing = [c for c in ("passage_id", "doc_id", "text") if c not in passages.columns]
    if missing:
        raise ConfigError(f"passages is missing column(s) {missing}: expected passage_id, doc_id and text")
    doc_topic = np.asarray(fit.doc_topic, dtype=float)
    ids = np.asarray(fit.passage_ids).astype(str)
    lookup = passages.assign(passage_id=passages["passage_id"].astype(str)).drop_duplicates("passage_id")
    lookup = lookup.set_index("passage_id")
    absent = pd.Index(ids).difference(lookup.index)
    if len(absent):
        raise ConfigError(
            f"passages lacks {len(absent)} passage id(s) of the fit, e.g. {list(absent[:3])}: "
            "pass the passages the model was fitted on"
        )
    n_rows, k = doc_topic.shape
    n = min(int(n), n_rows)
    # stable sort on -proportion keeps the earlier passage first among ties
    order = np.argsort(-doc_topic, axis=0, kind="stable")[:n]  # n x K
    rows = order.T.ravel()
    table = pd.DataFrame(
        {
            "topic": np.repeat(np.arange(1, k + 1), n),
            "rank": np.tile(np.arange(1, n + 1), k),
            "passage_id": ids[rows],
            "proportion": doc_topic[rows, np.repeat(np.arange(k), n)],
        }
    )
    table["doc_id"] = lookup.loc[table["passage_id"], "doc_id"].to_numpy()
    table["text"] = lookup.loc[table["passage_id"], "text"].to_numpy()
    return _flag(table[["topic", "rank", "passage_id", "doc_id", "proportion", "text"]], stability)


def _classical_mds(distances: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) scaling / PCoA; axes sign-fixed so the largest |coordinate| is positive."""
    k = distances.shape[0]
    centring = np.eye(k) - np.full((k, k), 1.0 / k)
    b = -0.5 * centring @ (distances**2) @ centring
    eigenvalues, eigenvectors = np.linalg.eigh((b + b.T) / 2)
    order = np.argsort(eigenvalues)[::-1][:n_components]
    values = np.clip(eigenvalues[order], 0.0, None)
    coords = eigenvectors[:, order] * np.sqrt(values)[None, :]
    if coords.shape[1] < n_components:
        coords = np.hstack([coords, np.zeros((k, n_components - coords.shape[1]))])
    for j in range(n_components):
        col = coords[:, j]
        if col.size and col[np.argmax(np.abs(col))] < 0:
            coords[:, j] = -col
    coords[np.abs(coords) < 1e-12] = 0.0
    return coords


def topic_distances(topic_term: np.ndarray) -> np.ndarray:
    """Jensen–Shannon distances (base 2, in [0, 1]) between the rows of a ``K x V`` matrix.

    Examples
    --------
    >>> topic_distances(np.array([[1.0, 0.0], [0.0, 1.0]])).round(3).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    p = np.asarray(topic_term, dtype=float)
    k = p.shape[0]
    out = np.zeros((k, k))
    for i in range(k - 1):
        out[i, i + 1 :] = jensenshannon(p[i][None, :], p[i + 1 :], axis=1, base=2)
    out = out + out.T
    return np.nan_to_num(out, nan=0.0)


def topic_map(
    fit: LdaFit,
    *,
    doc_lengths: Sequence[float] | np.ndarray | None = None,
    stability: pd.DataFrame | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Intertopic distance map: topics placed in 2-D by classical scaling of JS distances.

    As in LDAvis, the Jensen–Shannon distances (base 2) between topic-term distributions are
    scaled to two dimensions by principal coordinates analysis (an eigendecomposition, so the
    result is deterministic; each axis is flipped so its largest coordinate is positive).

    Parameters
    ----------
    fit
        A fitted topic model.
    doc_lengths
        Tokens per passage; if given, prevalence is the share of tokens, else the mean of
        ``doc_topic`` over passages.
    stability
        ``StabilityResult.table``; if given, a ``stable`` column flags unstable topics.
    random_state
        Unused (the scaling is deterministic); accepted so all map functions share a signature.

    Returns
    -------
    pandas.DataFrame
        ``topic, x, y, prevalence`` (prevalence sums to 1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from textlab.analysis.topics.lda import LdaFit
    >>> fit = LdaFit(np.array([[.8, .1, .1], [.1, .8, .1], [.1, .1, .8]]), np.full((1, 3), 1 / 3),
    ...              np.ones((1, 3)), np.array(["a", "b", "c"]), np.array(["d:000"]), pd.DataFrame())
    >>> list(topic_map(fit).columns)
    ['topic', 'x', 'y', 'prevalence']
    """
    topic_term, _ = _check_fit(fit)
    coords = _classical_mds(topic_distances(topic_term), 2)
    k = topic_term.shape[0]
    table = pd.DataFrame(
        {
            "topic": np.arange(1, k + 1),
            "x": coords[:, 0],
            "y": coords[:, 1],
            "prevalence": _topic_prevalence(fit, doc_lengths),
        }
    )
    return _flag(table, stability)


def label_topics(
    fit: LdaFit,
    *,
    n_terms: int = 3,
    method: str = "frex",
    surface_forms: Mapping[str, str] | None = None,
    stability: pd.DataFrame | None = None,
    separator: str = " · ",
) -> list[str]:
    """Short topic labels for plots: ``"Topic 3: chips · sanctions · ascend"``.

    Parameters
    ----------
    fit
        A fitted topic model.
    n_terms
        Terms per label.
    method
        Ranking used (``"frex"`` by default: distinctive yet frequent words read best).
    surface_forms
        Token -> readable form.
    stability
        ``StabilityResult.table`` (columns ``topic``, ``stable``); unstable topics get
        ``" (unstable)"`` after their number so they are flagged wherever they are shown.
    separator
        Between terms.

    Returns
    -------
    list of str
        One label per topic, topic 1 first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from textlab.analysis.topics.lda import LdaFit
    >>> fit = LdaFit(np.array([[.6, .3, .1], [.1, .3, .6]]), np.full((2, 2), .5), np.ones((2, 2)),
    ...              np.array(["chip", "cloud", "data_center"]), np.array(["a:000", "b:000"]), pd.DataFrame())
    >>> label_topics(fit, n_terms=2, method="probability")
    ['Topic 1: chip · cloud', 'Topic 2: data center · cloud']
    """
    table = top_terms(fit, n_terms=n_terms, surface_forms=surface_forms, methods=[method])
    unstable: set[int] = set()
    if stability is not None:
        flagged = _flag(table, stability)
        unstable = set(flagged.loc[~flagged["stable"], "topic"].astype(int))
    labels = []
    for topic, group in table.groupby("topic", sort=True):
        flag = " (unstable)" if int(topic) in unstable else ""
        labels.append(f"Topic {int(topic)}{flag}: " + separator.join(group.sort_values("rank")["label"]))
    return labels
