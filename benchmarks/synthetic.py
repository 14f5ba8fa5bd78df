"""Synthetic corpora with planted topics, and a topic-recovery scorer.

Documents are drawn from the LDA generative process:

* topic-word distributions ``phi_k ~ Dirichlet(eta)`` over ``vocab_size`` pseudo-words,
* per-document proportions ``theta_d ~ Dirichlet(alpha)``,
* document length ``N_d ~ Poisson(mean_length)`` (at least 1),
* each token: topic ``z ~ Categorical(theta_d)``, word ``w ~ Categorical(phi_z)``.

Pseudo-words are built from the letters ``b d g k p t v z`` and ``a o u`` and
end in ``k`` (``"badakotuk"``), so English stemmers (Snowball/Porter), stop-word
lists and lower-casing leave them unchanged; the true topic-word matrix can
therefore be compared with a model fitted on textlab's tokens word by word.

:func:`recovery` scores an estimated ``K x V`` topic-word matrix against the
truth: topics are matched one-to-one with the Hungarian algorithm
(:func:`scipy.optimize.linear_sum_assignment`) on the Jensen-Shannon
divergence (base 2, in [0, 1]), and the score is the mean of ``1 - JSD`` over
matched pairs (1 = perfect recovery), together with the mean matched cosine.

Examples
--------
>>> corpus = make_synthetic_corpus(50, n_topics=3, vocab_size=60, mean_length=40)
>>> len(corpus.documents), corpus.topic_term.shape
(50, (3, 60))
>>> round(recovery(corpus.topic_term, corpus.topic_term).jsd_similarity, 6)
1.0
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # allow ``python benchmarks/run.py`` without installing
    sys.path.insert(0, str(_ROOT))

from textlab._io import atomic_write  # noqa: E402

__all__ = [
    "SyntheticCorpus",
    "Recovery",
    "make_vocabulary",
    "make_topics",
    "iter_synthetic_documents",
    "make_synthetic_corpus",
    "write_synthetic_jsonl",
    "recovery",
]

_CONSONANTS = np.array(list("bdgkptvz"))
_VOWELS = np.array(list("aou"))
_SYLLABLES = np.array([c + v for c in _CONSONANTS for v in _VOWELS])  # 24 syllables


@dataclass(frozen=True)
class SyntheticCorpus:
    """Planted topics and (optionally) the documents drawn from them.

    Attributes
    ----------
    documents
        One space-joined string of pseudo-words per document (``None`` when the
        documents were written to disk instead of kept in memory).
    topic_term
        ``K x V`` true topic-word probabilities (rows sum to 1).
    doc_topic
        ``N x K`` true topic proportions (``None`` when written to disk).
    vocabulary
        ``V`` pseudo-words, column order of ``topic_term``.
    params
        Generator settings (``n_docs``, ``n_topics``, ``vocab_size``,
        ``mean_length``, ``alpha``, ``eta``, ``random_state``) and ``n_tokens``.
    """

    documents: list[str] | None
    topic_term: np.ndarray
    doc_topic: np.ndarray | None
    vocabulary: np.ndarray
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recovery:
    """How well estimated topics match planted ones.

    Attributes
    ----------
    jsd_similarity
        Mean over matched pairs of ``1 - JSD`` (base 2, in [0, 1]).
    cosine
        Mean over matched pairs of the cosine similarity of the word distributions.
    pairs
        One row per matched pair: ``true_topic``, ``est_topic`` (0-based),
        ``jsd``, ``cosine``.
    """

    jsd_similarity: float
    cosine: float
    pairs: pd.DataFrame


def make_vocabulary(vocab_size: int) -> np.ndarray:
    """Return ``vocab_size`` distinct stemmer-proof pseudo-words.

    Parameters
    ----------
    vocab_size
        Number of words (>= 1).

    Returns
    -------
    numpy.ndarray
        Strings such as ``"babababak"``, all of the same length.

    Examples
    --------
    >>> make_vocabulary(3).tolist()
    ['babababak', 'babababok', 'babababuk']
    """
    if vocab_size < 1:
        raise ValueError(f"vocab_size={vocab_size!r} is not allowed: expected an integer >= 1")
    n_syllables = max(4, int(np.ceil(np.log(vocab_size) / np.log(len(_SYLLABLES)))))
    index = np.arange(vocab_size)
    parts = []
    for position in range(n_syllables - 1, -1, -1):
        digit = (index // len(_SYLLABLES) ** position) % len(_SYLLABLES)
        parts.append(_SYLLABLES[digit])
    words = parts[0]
    for part in parts[1:]:
        words = np.char.add(words, part)
    return np.char.add(words, "k").astype(object)


def make_topics(
    *, n_topics: int, vocab_size: int, eta: float = 0.01, random_state: int = 0
) -> np.ndarray:
    """Draw ``n_topics`` topic-word distributions from a symmetric Dirichlet(``eta``).

    Examples
    --------
    >>> phi = make_topics(n_topics=2, vocab_size=5, eta=0.5)
    >>> phi.shape, np.allclose(phi.sum(axis=1), 1)
    ((2, 5), True)
    """
    rng = np.random.default_rng([random_state, 1])
    return rng.dirichlet(np.full(vocab_size, eta), size=n_topics)


def iter_synthetic_documents(
    topic_term: np.ndarray,
    n_docs: int,
    *,
    alpha: float = 0.1,
    mean_length: float = 150.0,
    chunk_size: int = 10_000,
    random_state: int = 0,
) -> Iterator[tuple[np.ndarray, list[np.ndarray]]]:
    """Yield documents in chunks as ``(doc_topic_chunk, token_id_arrays)``.

    The result depends only on ``random_state`` and the settings, not on
    ``chunk_size`` (every block of 1,000 documents has its own generator seeded
    by ``random_state`` and the block's first index),
    so corpora of any size can be generated in constant memory.

    Examples
    --------
    >>> phi = make_topics(n_topics=2, vocab_size=10)
    >>> theta, docs = next(iter_synthetic_documents(phi, 3, mean_length=5))
    >>> theta.shape, len(docs)
    ((3, 2), 3)
    """
    n_topics, vocab_size = topic_term.shape
    cumulative_phi = np.cumsum(topic_term, axis=1)
    cumulative_phi /= cumulative_phi[:, -1:]
    block = 1_000  # seeding unit (absolute blocks): output independent of chunk_size
    thetas: list[np.ndarray] = []
    documents: list[np.ndarray] = []
    for block_start in range(0, n_docs, block):
        m = min(block, n_docs - block_start)
        rng = np.random.default_rng([random_state, 2, block_start])
        theta = rng.dirichlet(np.full(n_topics, alpha), size=m)
        lengths = np.maximum(rng.poisson(mean_length, size=m), 1)
        doc_of_token = np.repeat(np.arange(m), lengths)
        cumulative_theta = np.cumsum(theta, axis=1)
        u = rng.random(doc_of_token.size) * cumulative_theta[doc_of_token, -1]
        topic = np.minimum((u[:, None] > cumulative_theta[doc_of_token]).sum(axis=1), n_topics - 1)
        u_word = rng.random(doc_of_token.size)
        words = np.empty(doc_of_token.size, dtype=np.int64)
        for k in range(n_topics):
            mask = topic == k
            words[mask] = np.searchsorted(cumulative_phi[k], u_word[mask], side="right")
        np.minimum(words, vocab_size - 1, out=words)
        thetas.extend(theta)
        documents.extend(np.split(words, np.cumsum(lengths)[:-1]))
        while len(documents) >= chunk_size:
            yield np.array(thetas[:chunk_size]), documents[:chunk_size]
            del thetas[:chunk_size], documents[:chunk_size]
    if documents:
        yield np.array(thetas), documents


def _settings(n_docs, n_topics, vocab_size, mean_length, alpha, eta, random_state) -> dict:
    return {
        "n_docs": int(n_docs),
        "n_topics": int(n_topics),
        "vocab_size": int(vocab_size),
        "mean_length": float(mean_length),
        "alpha": float(alpha),
        "eta": float(eta),
        "random_state": int(random_state),
    }


def make_synthetic_corpus(
    n_docs: int,
    *,
    n_topics: int = 20,
    vocab_size: int = 10_000,
    mean_length: float = 150.0,
    alpha: float = 0.1,
    eta: float = 0.01,
    random_state: int = 0,
) -> SyntheticCorpus:
    """Draw a corpus from the LDA generative process and keep it in memory.

    Parameters
    ----------
    n_docs
        Number of documents.
    n_topics, vocab_size
        ``K`` planted topics over ``V`` pseudo-words.
    mean_length
        Poisson mean of the document length in tokens.
    alpha, eta
        Symmetric Dirichlet priors of document-topic and topic-word distributions.
    random_state
        Seed; the same seed gives the same corpus as :func:`write_synthetic_jsonl`.

    Examples
    --------
    >>> c = make_synthetic_corpus(4, n_topics=2, vocab_size=20, mean_length=3)
    >>> len(c.documents), c.doc_topic.shape
    (4, (4, 2))
    """
    vocabulary = make_vocabulary(vocab_size)
    phi = make_topics(n_topics=n_topics, vocab_size=vocab_size, eta=eta, random_state=random_state)
    thetas, documents, n_tokens = [], [], 0
    for theta, docs in iter_synthetic_documents(
        phi, n_docs, alpha=alpha, mean_length=mean_length, random_state=random_state
    ):
        thetas.append(theta)
        for ids in docs:
            n_tokens += len(ids)
            documents.append(" ".join(vocabulary[ids]))
    params = _settings(n_docs, n_topics, vocab_size, mean_length, alpha, eta, random_state)
    params["n_tokens"] = n_tokens
    doc_topic = np.vstack(thetas) if thetas else np.zeros((0, n_topics))
    return SyntheticCorpus(documents, phi, doc_topic, vocabulary, params)


def write_synthetic_jsonl(
    path: str | os.PathLike,
    n_docs: int,
    *,
    n_topics: int = 20,
    vocab_size: int = 10_000,
    mean_length: float = 150.0,
    alpha: float = 0.1,
    eta: float = 0.01,
    chunk_size: int = 10_000,
    random_state: int = 0,
) -> SyntheticCorpus:
    """Write a synthetic corpus as JSONL (``{"doc_id", "text"}`` per line), streaming.

    Memory stays constant in ``n_docs``; the file appears only when complete
    (temporary file, then rename). Returns the planted topics with
    ``documents=None`` and ``doc_topic=None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "synth.jsonl"
    >>> truth = write_synthetic_jsonl(out, 5, n_topics=2, vocab_size=20, mean_length=4)
    >>> len(out.read_text().splitlines()), truth.topic_term.shape
    (5, (2, 20))
    """
    vocabulary = make_vocabulary(vocab_size)
    phi = make_topics(n_topics=n_topics, vocab_size=vocab_size, eta=eta, random_state=random_state)
    width = len(str(max(n_docs - 1, 0)))
    n_tokens, index = 0, 0
    with atomic_write(path) as handle:
        for _, docs in iter_synthetic_documents(
            phi, n_docs, alpha=alpha, mean_length=mean_length,
            chunk_size=chunk_size, random_state=random_state,
        ):
            lines = []
            for ids in docs:
                n_tokens += len(ids)
                lines.append(json.dumps({"doc_id": f"d{index:0{width}d}", "text": " ".join(vocabulary[ids])}))
                index += 1
            handle.write("\n".join(lines) + "\n")
    params = _settings(n_docs, n_topics, vocab_size, mean_length, alpha, eta, random_state)
    params["n_tokens"] = n_tokens
    params["path"] = str(path)
    return SyntheticCorpus(None, phi, None, vocabulary, params)


def _align(est: np.ndarray, est_vocabulary: Sequence[str] | None, true_vocabulary: Sequence[str] | None, n_true: int) -> np.ndarray:
    """Reorder estimated columns to the true vocabulary (missing words get 0), renormalised."""
    est = np.asarray(est, dtype=float)
    if est_vocabulary is None or true_vocabulary is None:
        if est.shape[1] != n_true:
            raise ValueError(
                f"est_topic_term has {est.shape[1]} columns but true_topic_term has {n_true}: "
                "pass true_vocabulary and est_vocabulary to align them"
            )
        aligned = est
    else:
        position = {word: i for i, word in enumerate(true_vocabulary)}
        est_cols, true_cols = [], []
        for j, word in enumerate(est_vocabulary):
            i = position.get(word)
            if i is not None:
                est_cols.append(j)
                true_cols.append(i)
        aligned = np.zeros((est.shape[0], n_true))
        aligned[:, true_cols] = est[:, est_cols]
    totals = aligned.sum(axis=1, keepdims=True)
    return np.divide(aligned, totals, out=np.zeros_like(aligned), where=totals > 0)


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(axis=-1)


def recovery(
    true_topic_term: np.ndarray,
    est_topic_term: np.ndarray,
    *,
    true_vocabulary: Sequence[str] | None = None,
    est_vocabulary: Sequence[str] | None = None,
) -> Recovery:
    """Score estimated topics against planted ones after optimal one-to-one matching.

    Parameters
    ----------
    true_topic_term
        ``K x V`` planted topic-word probabilities.
    est_topic_term
        ``K' x V'`` estimated topic-word probabilities (rows renormalised).
    true_vocabulary, est_vocabulary
        Column words of each matrix; when both are given, the estimated
        columns are matched to the true ones by word (words the model dropped
        get probability 0). Otherwise the columns must already correspond.

    Returns
    -------
    Recovery
        ``jsd_similarity`` = mean over the ``min(K, K')`` matched pairs of
        ``1 - JSD`` (base-2 Jensen-Shannon divergence, in [0, 1]); ``cosine`` =
        mean matched cosine similarity; ``pairs`` table.

    Examples
    --------
    >>> true = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> est = true[::-1]  # same topics, other order
    >>> r = recovery(true, est)
    >>> round(r.jsd_similarity, 6), r.pairs["est_topic"].tolist()
    (1.0, [1, 0])
    """
    p = np.asarray(true_topic_term, dtype=float)
    p = p / p.sum(axis=1, keepdims=True)
    q = _align(est_topic_term, est_vocabulary, true_vocabulary, p.shape[1])
    # pairwise JSD = H(m) - (H(p) + H(q)) / 2, m = (p + q) / 2; computed row by row (K x V memory)
    h_p, h_q = _entropy_bits(p), _entropy_bits(q)
    jsd = np.empty((p.shape[0], q.shape[0]))
    for i in range(p.shape[0]):
        jsd[i] = _entropy_bits((p[i] + q) / 2) - (h_p[i] + h_q) / 2
    jsd = np.clip(jsd, 0.0, 1.0)
    norms = np.linalg.norm(p, axis=1)[:, None] * np.linalg.norm(q, axis=1)[None, :]
    cosine = np.divide(p @ q.T, norms, out=np.zeros_like(jsd), where=norms > 0)
    rows, cols = linear_sum_assignment(jsd)
    pairs = pd.DataFrame(
        {"true_topic": rows, "est_topic": cols, "jsd": jsd[rows, cols], "cosine": cosine[rows, cols]}
    )
    return Recovery(float(1 - pairs["jsd"].mean()), float(pairs["cosine"].mean()), pairs)
