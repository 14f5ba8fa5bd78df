"""The gensim engine of ``fit_lda`` (online variational Bayes) and its dictionary handling.

``prepare_bow`` turns token lists or a bag-of-words stream into a filtered gensim ``Dictionary``
and bag of words (``Dictionary.filter_extremes``); ``fit_gensim`` trains ``LdaModel`` through a
subclass that records the variational bound of every pass (see ``docs/lda_engine.md``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain

import numpy as np
from gensim.corpora import Dictionary
from gensim.matutils import dirichlet_expectation
from gensim.models import LdaModel
from scipy.special import gammaln

from textlab._errors import EstimationError, bad_value
from textlab._progress import progress

class _RemappedCorpus:
    """Re-iterable bag-of-words stream with term ids mapped through ``old_to_new`` (-1 drops)."""

    def __init__(self, bow: Iterable, old_to_new: np.ndarray, length: int) -> None:
        self.bow, self.old_to_new, self.length = bow, old_to_new, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        table = self.old_to_new.tolist()  # plain-list lookups beat NumPy calls on short documents
        for doc in self.bow:
            yield [(new, c) for new, c in ((table[i], c) for i, c in doc) if new >= 0]


def _is_bow(first: object) -> bool:
    return isinstance(first, (list, tuple)) and len(first) > 0 and isinstance(first[0], (tuple, list))


def prepare_bow(corpus, dictionary, passage_ids, no_below, no_above, keep_n):
    """Return (bow, id2word Dictionary, passage_ids, filter report)."""
    tokens = None
    if hasattr(corpus, "tokens") and hasattr(corpus, "passages"):
        tokens = corpus.tokens
        if passage_ids is None and "passage_id" in corpus.passages:
            passage_ids = corpus.passages["passage_id"].astype(str).to_numpy()
    elif isinstance(corpus, (str, bytes)) or not isinstance(corpus, Iterable):
        raise bad_value("corpus", type(corpus).__name__,
                        "a TokenizedCorpus, a list of token lists, or a re-iterable bag-of-words with dictionary=")
    elif iter(corpus) is corpus:
        raise bad_value("corpus", type(corpus).__name__,
                        "a list or re-iterable corpus (a generator is consumed after one pass)")
    else:
        first = next((doc for doc in corpus if len(doc) > 0), None)
        if first is not None and not _is_bow(first):
            tokens = corpus if isinstance(corpus, list) else list(corpus)
    if tokens is not None:
        tokens = [list(doc) for doc in tokens] if not isinstance(tokens, list) else tokens
        full = Dictionary(tokens)
        n_docs = len(tokens)
    else:
        if dictionary is None:
            raise bad_value("dictionary", None, "a gensim Dictionary or {id: word} mapping when corpus is bag-of-words")
        if isinstance(dictionary, Dictionary) and dictionary.num_docs > 0:
            full = dictionary  # copied by _filter before anything is removed
        else:  # a plain mapping: count document frequencies with one pass
            full = _dictionary_from_bow(corpus, dict(dictionary.items()))
        n_docs = len(corpus) if hasattr(corpus, "__len__") else sum(1 for _ in corpus)
    if n_docs == 0:
        raise EstimationError("corpus is empty: fit_lda needs at least 2 passages with tokens")
    report = _filter(full, n_docs, no_below, no_above, keep_n)
    if tokens is not None:
        bow = [report["dictionary"].doc2bow(doc) for doc in tokens]
    else:
        old_to_new = np.full(max(_full_ids_max(dictionary, full), 0) + 1, -1, dtype=np.int64)
        for word, new_id in report["dictionary"].token2id.items():
            old_to_new[report["old_ids"][word]] = new_id
        identity = np.array_equal(old_to_new, np.arange(len(old_to_new)))
        if identity and hasattr(corpus, "__len__"):
            bow = corpus  # nothing filtered out, ids unchanged: train on the caller's corpus as is
        elif isinstance(corpus, list):
            bow = list(_RemappedCorpus(corpus, old_to_new, n_docs))  # remap once, not every pass
        else:
            bow = _RemappedCorpus(corpus, old_to_new, n_docs)
    if passage_ids is None:
        passage_ids = np.array([str(i) for i in range(n_docs)])
    passage_ids = np.asarray(passage_ids, dtype=str)
    if len(passage_ids) != n_docs:
        raise bad_value("passage_ids", f"<{len(passage_ids)} ids>", f"one id per document ({n_docs})")
    return bow, report["dictionary"], passage_ids, report


def _dictionary_from_bow(bow: Iterable, id2word: dict[int, str]) -> Dictionary:
    """gensim ``Dictionary.from_corpus`` (document and collection frequencies), vectorised."""
    lengths, flat = [], []
    for doc in bow:
        lengths.append(len(doc))
        flat.extend(chain.from_iterable(doc))
    pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    size = max(max(id2word, default=-1), int(pairs[:, 0].max(initial=-1))) + 1
    dfs = np.bincount(pairs[:, 0], minlength=size)
    cfs = np.bincount(pairs[:, 0], weights=pairs[:, 1], minlength=size).astype(np.int64)
    out = Dictionary()
    out.token2id = {str(id2word.get(i, i)): i for i in range(size) if i in id2word or dfs[i] > 0}
    out.dfs = {i: int(dfs[i]) for i in out.token2id.values()}
    out.cfs = {i: int(cfs[i]) for i in out.token2id.values()}
    out.num_docs, out.num_pos, out.num_nnz = len(lengths), int(pairs[:, 1].sum()), len(pairs)
    return out


def _full_ids_max(dictionary, full: Dictionary) -> int:
    ids = list(full.token2id.values())
    if isinstance(dictionary, Mapping):
        ids += list(dictionary.keys())
    return max(ids) if ids else 0


def _filter(full: Dictionary, n_docs: int, no_below: int, no_above: float, keep_n: int | None) -> dict:
    if not (isinstance(no_below, (int, np.integer)) and no_below >= 1):
        raise bad_value("no_below", no_below, "an integer >= 1 (minimum number of passages containing a term)")
    if not (0 < no_above <= 1):
        raise bad_value("no_above", no_above, "a fraction in (0, 1] (maximum share of passages containing a term)")
    dfs = np.array([full.dfs.get(i, 0) for i in full.token2id.values()])
    n_rare = int(np.sum(dfs < no_below))
    n_common = int(np.sum(dfs > no_above * full.num_docs))  # as filter_extremes counts
    old_ids = dict(full.token2id)
    n_before = len(full)
    compact = sorted(old_ids.values()) == list(range(n_before))
    if n_rare or n_common or not compact or (keep_n is not None and n_before > keep_n):
        kept = copy.deepcopy(full)  # never modify the caller's dictionary
        kept.filter_extremes(no_below=no_below, no_above=no_above, keep_n=keep_n)
    else:
        kept = full  # nothing to remove: skip the copy
    if len(kept) == 0:
        raise EstimationError(
            f"no terms are left after dictionary filtering: {n_before} terms in {n_docs} passages; "
            f"no_below={no_below} removes {n_rare} (terms in fewer passages), no_above={no_above} removes "
            f"{n_common} (terms in more than {no_above:.0%} of passages). Try no_below=1 or no_above=1.0."
        )
    return {"dictionary": kept, "old_ids": old_ids, "n_terms_before": n_before, "n_terms_after": len(kept),
            "n_removed_no_below": n_rare, "n_removed_no_above": n_common}


class _TracedLdaModel(LdaModel):
    """gensim ``LdaModel`` that records the variational bound of each pass as it trains.

    The bound of a pass sums, over chunks, the document terms of gensim's ``bound`` evaluated with
    the chunk's E-step ``gamma`` (no extra inference), plus the topic term after the pass's last
    M-step.  Training itself is untouched: topics equal a plain ``LdaModel`` with the same settings.
    """

    def _start_trace(self, n_docs: int, bar: Iterator | None, cache_nnz: int | None) -> None:
        """Reset the trace; keep the first pass's flattened chunks up to ``cache_nnz`` non-zeros (None: all)."""
        self._n_docs, self._bar, self._seen, self._doc_bound, self._trace = n_docs, bar, 0, 0.0, []
        self._n_words = 0.0  # tokens seen in the first pass
        # flattened chunks of the first pass (12 bytes per non-zero), reused by later passes so that a
        # streamed corpus is not converted again every pass; dropped if the corpus outgrows cache_nnz
        self._flat: dict[int, tuple] | None = {}
        self._flat_nnz, self._flat_budget, self._eta_terms = 0, cache_nnz, None

    def do_estep(self, chunk, state=None):
        gamma = super().do_estep(chunk, state)
        offset = self._seen % self._n_docs
        flat = self._flat.get(offset) if self._flat is not None else None
        if flat is None:
            flat = _flatten(chunk)
            if self._flat is not None and self._seen < self._n_docs:
                self._flat_nnz += len(flat[1])
                if self._flat_budget is None or self._flat_nnz <= self._flat_budget:
                    self._flat[offset] = flat
                else:
                    self._flat = None  # too large to keep: flatten each chunk as it streams
        bound, n_tokens = _document_bound(flat, gamma, self.expElogbeta, self.alpha)
        self._doc_bound += bound
        if self._seen < self._n_docs:
            self._n_words += n_tokens
        self._seen += gamma.shape[0]
        return gamma

    def do_mstep(self, rho, other, extra_pass=False):
        super().do_mstep(rho, other, extra_pass)
        if self._seen >= (len(self._trace) + 1) * self._n_docs:
            lam = self.state.get_lambda().astype(np.float64, copy=False)
            elogbeta = np.log(self.expElogbeta)  # set by this M-step from the same lambda
            eta = np.broadcast_to(np.asarray(self.eta, dtype=np.float64), lam.shape)
            if self._eta_terms is None or self.optimize_eta:  # prior-only terms: once unless eta is learned
                self._eta_terms = float(np.sum(gammaln(eta.sum(axis=1))) - np.sum(gammaln(eta)))
            topic = (np.sum((eta - lam) * elogbeta) + np.sum(gammaln(lam)) - np.sum(gammaln(lam.sum(axis=1)))
                     + self._eta_terms)
            self._trace.append(self._doc_bound + topic)
            self._doc_bound = 0.0
            if self._bar is not None:
                next(self._bar, None)


def _flatten(chunk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row index, term id and count of every non-zero of a bag-of-words chunk."""
    lengths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(chunk)), dtype=np.float64, count=2 * int(lengths.sum()))
    rows = np.repeat(np.arange(len(chunk), dtype=np.int32), lengths)
    return rows, flat[0::2].astype(np.int32), flat[1::2].astype(np.float32)


def _document_bound(flat: tuple, gamma: np.ndarray, expelogbeta: np.ndarray, alpha: np.ndarray,
                    block: int = 16_384) -> tuple[float, float]:
    """Document part of gensim's variational bound, vectorised over the chunk's non-zeros.

    The word term ``sum n_dw log sum_k exp(Elogtheta_dk + Elogbeta_kw)`` is computed as gensim's
    E-step does (``log(expElogtheta_d . expElogbeta_w)``), without its per-document Python loop.
    Returns the bound and the number of tokens in the chunk.
    """
    gamma = gamma.astype(np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    elogtheta = dirichlet_expectation(gamma)
    # float32 for the gathers over non-zeros (half the memory traffic), float64 for the sums; blocks of
    # 16k non-zeros keep the gathered K-vectors in cache (large blocks cost page faults on every call)
    exptheta = np.exp(elogtheta).astype(np.float32)
    expbeta_t = np.ascontiguousarray(expelogbeta.T, dtype=np.float32)  # V x K: gather whole rows
    rows, ids, counts = flat
    score = 0.0
    for start in range(0, len(ids), block):
        sl = slice(start, start + block)
        # np.take is several times faster than fancy indexing for these row gathers
        norm = np.einsum("ik,ik->i", np.take(exptheta, rows[sl], axis=0), np.take(expbeta_t, ids[sl], axis=0))
        # float32 log, float64 sum; multiply-and-sum rather than ``@``, which would hand a long dot product to
        # a multi-threaded BLAS whose spinning threads take CPU from gensim's own work
        score += float(np.sum(counts[sl].astype(np.float64) * np.log(norm).astype(np.float64)))
    score += np.sum((alpha - gamma) * elogtheta) + np.sum(gammaln(gamma) - gammaln(alpha))
    score += np.sum(gammaln(alpha.sum()) - gammaln(gamma.sum(axis=1)))
    return float(score), float(counts.sum(dtype=np.float64))


def fit_gensim(bow, id2word, n_docs, opts, cache_nnz):
    model = _TracedLdaModel(
        id2word=id2word, num_topics=opts["n_topics"], random_state=opts["random_state"], passes=opts["passes"],
        iterations=opts["iterations"], alpha=opts["alpha"], eta=opts["eta"], chunksize=opts["chunksize"],
        update_every=opts["update_every"], gamma_threshold=opts["gamma_threshold"], eval_every=None,
        dtype=np.float64,
    )
    bar = progress(range(opts["passes"]), desc="LDA (gensim) passes", unit="pass", disable=not opts["progress"] or None)
    model._start_trace(n_docs, bar, cache_nnz=None if isinstance(bow, list) else cache_nnz)
    model.update(bow)
    gammas = []
    chunk: list = []
    for doc in bow:  # final E-step with the trained topics: doc_topic for every passage
        chunk.append(doc)
        if len(chunk) == opts["chunksize"]:
            gammas.append(model.inference(chunk)[0])
            chunk = []
    if chunk:
        gammas.append(model.inference(chunk)[0])
    gamma = np.vstack(gammas).astype(np.float64)
    n_words = model._n_words
    per_word = np.asarray(model._trace) / max(n_words, 1)
    return model.get_topics().astype(np.float64), gamma, per_word, np.arange(1, len(per_word) + 1), \
        np.asarray(model.alpha, dtype=float), model, n_words
