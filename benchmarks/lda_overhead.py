"""What textlab's gensim engine costs on top of plain gensim, measured two ways in one run.

1. **Interleaved timings**: plain ``gensim.models.LdaModel`` (textlab's settings, ``eval_every=None``,
   plus the final ``inference`` over all documents that textlab also does) and
   ``textlab.analysis.topics.lda.fit_lda(engine="gensim")`` on the same streamed ``MmCorpus`` and dictionary,
   alternating A-B / B-A, CPU seconds per run (``time.process_time``). On a shared machine the
   run-to-run noise (often ±10 %) is larger than the overhead, so the ratio of medians is an
   indication, not a proof.
2. **Itemised overhead** inside textlab's own run: CPU seconds spent in the parts textlab adds
   (dictionary checks, per-pass bound trace, chunk flattening, convergence table) against the whole
   ``fit_lda`` call. This is what the ratio would be on an idle machine.

Usage::

    python benchmarks/lda_overhead.py                  # 2,000 documents, 10 passes, 3 runs each
    python benchmarks/lda_overhead.py --n-docs 20000 --passes 5 --repeats 2

Set ``OPENBLAS_NUM_THREADS=1`` for the cleanest CPU numbers (both sides run single-threaded then).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic import make_synthetic_corpus  # noqa: E402

SETTINGS = {"num_topics": 20, "iterations": 100, "alpha": "auto", "eta": 0.01, "chunksize": 2000,
            "gamma_threshold": 0.001}


def plain_gensim(corpus, dictionary, passes: int) -> np.ndarray:
    """Plain ``LdaModel`` with textlab's settings, then one E-step over all documents."""
    from gensim.models import LdaModel

    model = LdaModel(corpus=corpus, id2word=dictionary, passes=passes, eval_every=None, random_state=0,
                     dtype=np.float64, **SETTINGS)
    chunk: list = []
    for doc in corpus:
        chunk.append(doc)
        if len(chunk) == SETTINGS["chunksize"]:
            model.inference(chunk)
            chunk = []
    if chunk:
        model.inference(chunk)
    return model.get_topics()


def textlab_gensim(corpus, dictionary, passes: int) -> np.ndarray:
    """``fit_lda(engine="gensim")`` with the same settings (no filtering: the same bag of words)."""
    from textlab.analysis.topics.lda import fit_lda

    fit = fit_lda(corpus, dictionary=dictionary, n_topics=SETTINGS["num_topics"], engine="gensim", passes=passes,
                  iterations=SETTINGS["iterations"], chunksize=SETTINGS["chunksize"], no_below=1, no_above=1.0,
                  keep_n=None, progress=False, random_state=0)
    return fit.topic_term


def itemise(corpus, dictionary, passes: int) -> dict[str, float]:
    """CPU seconds of textlab's additions inside one ``fit_lda(engine="gensim")`` call."""
    from gensim.models import LdaModel

    import textlab.analysis.topics.lda as lda

    spent = {"dictionary checks": 0.0, "bound per chunk": 0.0, "flatten chunks": 0.0, "trace after M-step": 0.0,
             "convergence table": 0.0}
    originals = {}

    def timed(name: str, key: str) -> None:
        original = originals[name] = getattr(lda, name)

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - start

        setattr(lda, name, wrapper)

    timed("_prepare", "dictionary checks")
    timed("_document_bound", "bound per chunk")
    timed("_flatten", "flatten chunks")
    timed("_convergence_table", "convergence table")
    traced_mstep, gensim_mstep = lda._TracedLdaModel.do_mstep, LdaModel.do_mstep
    inner = {"gensim": 0.0}

    def timed_gensim_mstep(self, *args, **kwargs):
        start = time.process_time()
        try:
            return gensim_mstep(self, *args, **kwargs)
        finally:
            inner["gensim"] += time.process_time() - start

    def timed_traced_mstep(self, *args, **kwargs):
        start = time.process_time()
        try:
            return traced_mstep(self, *args, **kwargs)
        finally:
            spent["trace after M-step"] += time.process_time() - start

    LdaModel.do_mstep, lda._TracedLdaModel.do_mstep = timed_gensim_mstep, timed_traced_mstep
    try:
        start = time.process_time()
        textlab_gensim(corpus, dictionary, passes)
        total = time.process_time() - start
    finally:
        for name, original in originals.items():
            setattr(lda, name, original)
        LdaModel.do_mstep, lda._TracedLdaModel.do_mstep = gensim_mstep, traced_mstep
    spent["trace after M-step"] -= inner["gensim"]
    spent["total fit_lda"] = total
    return spent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-docs", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from gensim.corpora import Dictionary, MmCorpus

    synthetic = make_synthetic_corpus(args.n_docs, n_topics=20, vocab_size=10_000, mean_length=150.0)
    tokens = [doc.split() for doc in synthetic.documents]
    dictionary = Dictionary(tokens)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "corpus.mm")
        MmCorpus.serialize(path, (dictionary.doc2bow(doc) for doc in tokens))
        corpus = MmCorpus(path)  # streamed from disk, as textlab's cache gives it
        print(f"{args.n_docs:,} documents, {dictionary.num_pos:,} tokens, {len(dictionary):,} terms; "
              f"K=20, passes={args.passes}, chunksize=2000, iterations=100", flush=True)
        runs: dict[str, list[float]] = {"plain gensim": [], "textlab fit_lda(engine='gensim')": []}
        same = None
        for r in range(args.repeats):
            order = list(runs) if r % 2 == 0 else list(reversed(runs))
            for name in order:
                start = time.process_time()
                topics = (plain_gensim if name == "plain gensim" else textlab_gensim)(corpus, dictionary, args.passes)
                runs[name].append(time.process_time() - start)
                print(f"  run {r + 1} {name:<34} {runs[name][-1]:7.2f} CPU s", flush=True)
                if same is None:
                    same = topics
                elif not np.allclose(same, topics, atol=1e-8):
                    print("  WARNING: topics differ between plain gensim and textlab", flush=True)
        plain, ours = (np.median(v) for v in runs.values())
        print(f"ratio of medians (textlab / plain): {ours / plain:.3f}; ratio of minima: "
              f"{min(runs['textlab fit_lda(engine=' + repr('gensim') + ')']) / min(runs['plain gensim']):.3f}")
        spent = itemise(corpus, dictionary, args.passes)
    total = spent.pop("total fit_lda")
    extra = sum(spent.values())
    print("itemised (one textlab run, CPU s):")
    for name, seconds in spent.items():
        print(f"  {name:<22} {seconds:8.3f}")
    print(f"  {'textlab additions':<22} {extra:8.3f} of {total:.2f} s in fit_lda = {100 * extra / total:.1f} %"
          f" → implied ratio {total / (total - extra):.3f} (target ≤ 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
