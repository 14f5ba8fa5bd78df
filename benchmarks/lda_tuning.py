"""Planted-topic recovery per second: plain gensim vs tuned gensim vs tomotopy vs textlab.fit_lda.

Generates a synthetic LDA corpus from planted topics (K topics over V words,
Dirichlet(0.1) document-topic proportions, per-topic Dirichlet(0.01..0.05)
topic-word distributions, Poisson(150) tokens per document), fits each
configuration and reports recovery (1 - Jensen-Shannon divergence, base 2,
after Hungarian matching of fitted to planted topics; also the matched cosine)
and wall time.  Single-threaded everywhere (``workers=1``); CPU seconds are
reported next to wall seconds because the benchmark machine is shared.

Usage::

    /tmp/dev/bin/python benchmarks/lda_tuning.py --n-docs 2000 [--configs plain,tomotopy] [--out results.csv]

If ``benchmarks/synthetic.py`` (shared generator) is importable it is not
required: this script keeps its own generator so that its numbers stay
reproducible on their own.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment


def planted_corpus(
    n_docs: int = 2000,
    *,
    n_topics: int = 20,
    n_words: int = 10_000,
    mean_length: float = 150.0,
    doc_alpha: float = 0.1,
    eta_range: tuple[float, float] = (0.01, 0.05),
    random_state: int = 0,
) -> tuple[list[list[tuple[int, int]]], np.ndarray, list[str]]:
    """Draw a bag-of-words corpus from planted LDA topics.

    Returns ``(bow, topics, vocabulary)``: gensim bag-of-words lists, the ``K x V``
    planted topic-word matrix and the word strings (``w00000`` ...).
    """
    rng = np.random.default_rng(random_state)
    etas = rng.uniform(*eta_range, size=n_topics)
    topics = np.vstack([rng.dirichlet(np.full(n_words, e)) for e in etas])
    theta = rng.dirichlet(np.full(n_topics, doc_alpha), size=n_docs)
    lengths = np.maximum(rng.poisson(mean_length, size=n_docs), 1)
    bow = []
    for start in range(0, n_docs, 1000):
        stop = min(start + 1000, n_docs)
        mix = theta[start:stop] @ topics
        mix /= mix.sum(axis=1, keepdims=True)
        counts = rng.multinomial(lengths[start:stop], mix)
        for row in counts:
            ids = np.flatnonzero(row)
            bow.append([(int(i), int(row[i])) for i in ids])
    vocabulary = [f"w{i:05d}" for i in range(n_words)]
    return bow, topics, vocabulary


def _jsd_matrix(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence (base 2) between every row of ``p`` and of ``q``."""
    eps = 1e-300
    out = np.empty((p.shape[0], q.shape[0]))
    for i, row in enumerate(p):
        m = 0.5 * (row[None, :] + q)
        kl_p = np.sum(np.where(row > 0, row * (np.log2(row + eps) - np.log2(m + eps)), 0.0), axis=1)
        kl_q = np.sum(np.where(q > 0, q * (np.log2(q + eps) - np.log2(m + eps)), 0.0), axis=1)
        out[i] = 0.5 * (kl_p + kl_q)
    return out


def recovery(fitted: np.ndarray, planted: np.ndarray) -> dict[str, float]:
    """Mean matched 1 - JSD and mean matched cosine (Hungarian matching on JSD)."""
    jsd = _jsd_matrix(planted, fitted)
    rows, cols = linear_sum_assignment(jsd)
    a = planted[rows] / np.linalg.norm(planted[rows], axis=1, keepdims=True)
    b = fitted[cols] / np.linalg.norm(fitted[cols], axis=1, keepdims=True)
    return {"recovery_1_minus_jsd": float(1 - jsd[rows, cols].mean()),
            "matched_cosine": float(np.sum(a * b, axis=1).mean())}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_plain_gensim(bow, vocab, k, *, passes=20, random_state=0, **kw):
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    id2word = Dictionary.from_corpus(bow, id2word=dict(enumerate(vocab)))
    t0, c0 = time.perf_counter(), time.process_time()
    model = LdaModel(corpus=bow, id2word=id2word, num_topics=k, passes=passes, random_state=random_state, **kw)
    model.inference(bow)  # doc-topic for every document, as any analysis needs
    return (time.perf_counter() - t0, time.process_time() - c0), model.get_topics(), id2word


def run_tomotopy(bow, vocab, k, *, checkpoints=(100, 200, 400, 800), alpha=0.1, eta=0.01, optim_interval=10,
                 random_state=0):
    import tomotopy as tp

    rows = []
    t0, c0 = time.perf_counter(), time.process_time()
    model = tp.LDAModel(k=k, alpha=alpha, eta=eta, seed=random_state)
    model.optim_interval = optim_interval
    for doc in bow:
        model.add_doc([vocab[i] for i, c in doc for _ in range(c)])
    done = 0
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    for stop in checkpoints:
        t1, c1 = time.perf_counter(), time.process_time()
        model.train(stop - done, workers=1)
        done = stop
        elapsed += time.perf_counter() - t1
        cpu += time.process_time() - c1
        index = {w: i for i, w in enumerate(vocab)}
        cols = np.array([index[w] for w in model.used_vocabs])
        tt = np.zeros((k, len(vocab)))
        tt[:, cols] = np.vstack([model.get_topic_word_dist(t) for t in range(k)])
        rows.append((stop, (elapsed, cpu), tt))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=2000)
    parser.add_argument("--n-topics", type=int, default=20)
    parser.add_argument("--n-words", type=int, default=10_000)
    parser.add_argument("--configs", default="plain,tuned,tomotopy,textlab,overhead")
    parser.add_argument("--sweeps", default="100,200,400,800", help="bare tomotopy checkpoints")
    parser.add_argument("--textlab-passes", default="default,100,300", help="'default' = adaptive")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    configs = args.configs.split(",")
    k = args.n_topics
    load = os.getloadavg()
    print(f"# n_docs={args.n_docs} K={k} V={args.n_words} "
          f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    t0 = time.perf_counter()
    bow, planted, vocab = planted_corpus(args.n_docs, n_topics=k, n_words=args.n_words)
    print(f"# generated in {time.perf_counter() - t0:.1f}s, {sum(c for d in bow for _, c in d)} tokens", flush=True)
    results = []

    def record(name, seconds, fitted, id2word=None):
        if id2word is not None:  # align columns to planted word ids
            full = np.zeros((k, len(vocab)))
            full[:, [int(id2word[i][1:]) for i in range(len(id2word))]] = fitted
            fitted = full
        wall, cpu = seconds
        row = {"n_docs": args.n_docs, "config": name, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
               **recovery(fitted, planted),
               "peak_mb_process": round(_peak_mb()), "load1": os.getloadavg()[0]}
        results.append(row)
        print(row, flush=True)

    if "plain" in configs:
        sec, tt, d = run_plain_gensim(bow, vocab, k, passes=20)
        record("gensim plain passes=20", sec, tt, d)
    if "tuned" in configs:
        for label, kw in [
            ("gensim alpha=auto eta=0.01 iter=100 passes=20", dict(passes=20, alpha="auto", eta=0.01, iterations=100)),
            ("gensim alpha=auto eta=0.01 chunk=500 passes=20", dict(passes=20, alpha="auto", eta=0.01, chunksize=500)),
            ("gensim alpha=0.1 eta=0.01 decay=0.5 passes=20", dict(passes=20, alpha=0.1, eta=0.01, decay=0.5)),
        ]:
            sec, tt, d = run_plain_gensim(bow, vocab, k, **kw)
            record(label, sec, tt, d)
    if "tomotopy" in configs:
        for it, sec, tt in run_tomotopy(bow, vocab, k, checkpoints=[int(x) for x in args.sweeps.split(",")]):
            record(f"tomotopy gibbs iter={it} alpha=0.1 optim eta=0.01", sec, tt)
    if "textlab" in configs:
        from textlab.analysis.topics.lda import fit_lda

        for passes in [None if x == "default" else int(x) for x in args.textlab_passes.split(",")]:
            t1, c1 = time.perf_counter(), time.process_time()
            fit = fit_lda(bow, dictionary=dict(enumerate(vocab)), n_topics=k, passes=passes, no_below=1, no_above=1.0,
                          keep_n=None, progress=False)
            sec = (time.perf_counter() - t1, time.process_time() - c1)
            full = np.zeros((k, len(vocab)))
            full[:, [int(w[1:]) for w in fit.vocabulary]] = fit.topic_term
            record(f"textlab fit_lda default engine={fit.params['engine']} passes={passes} "
                   f"converged={fit.converged} sweeps_run={fit.params['passes']}", sec, full)
    if "overhead" in configs:
        # textlab's gensim stage vs plain gensim on the same bag of words and settings (both also
        # infer every document's gamma once at the end; plain gensim's perplexity logging off).
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        from textlab.analysis.topics.lda import fit_lda

        used = sorted({i for doc in bow for i, _ in doc})  # drop never-drawn words so both see one vocabulary
        new_id = {old: new for new, old in enumerate(used)}
        bow_used = [[(new_id[i], c) for i, c in doc] for doc in bow]
        id2word = Dictionary.from_corpus(bow_used, id2word={new_id[i]: vocab[i] for i in used})
        settings = dict(passes=5, iterations=50, chunksize=2000)
        for repeat in range(3):  # interleaved; compare the minimum CPU time (shared machine)
            c0, t0_ = time.process_time(), time.perf_counter()
            plain = LdaModel(corpus=bow_used, id2word=id2word, num_topics=k, random_state=0, alpha="symmetric",
                             eta=None,
                             eval_every=None, dtype=np.float64, **settings)
            plain.inference(bow_used)
            cpu_plain, wall_plain = time.process_time() - c0, time.perf_counter() - t0_
            c0, t0_ = time.process_time(), time.perf_counter()
            fit = fit_lda(bow_used, dictionary=id2word, n_topics=k, engine="gensim", alpha="symmetric", eta=None,
                          no_below=1, no_above=1.0, keep_n=None, progress=False, **settings)
            cpu_tl, wall_tl = time.process_time() - c0, time.perf_counter() - t0_
            same = bool(np.allclose(fit.topic_term, plain.get_topics()))
            row = {"n_docs": args.n_docs, "config": f"overhead gensim {settings} repeat={repeat}",
                   "cpu_plain": round(cpu_plain, 2), "cpu_textlab": round(cpu_tl, 2),
                   "cpu_ratio": round(cpu_tl / cpu_plain, 3), "wall_plain": round(wall_plain, 2),
                   "wall_textlab": round(wall_tl, 2), "same_topics": same, "load1": os.getloadavg()[0]}
            results.append(row)
            print(row, flush=True)
    if args.out:
        pd.DataFrame(results).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
