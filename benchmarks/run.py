"""Benchmark runner: textlab vs plain gensim, scikit-learn and tomotopy on planted-topic corpora.

One run, one process tree: every measured step runs in its own forked child process, which
reports its wall time and its own peak resident memory (``resource.getrusage(RUSAGE_SELF)``;
a forked child starts with the parent's pages, so the parent keeps nothing large in memory).
Results are printed as they come and written to ``benchmarks/RESULTS.md`` (atomically).

Usage::

    python benchmarks/run.py                        # 2k, 20k, 100k documents
    python benchmarks/run.py --sizes 2000 20000     # chosen sizes
    python benchmarks/run.py --million              # also 1,000,000 documents (long; ~2 GB disk)
    python benchmarks/run.py --quick --out /tmp/r.md   # smoke test, seconds

Steps per corpus size ``N`` (K = 20 topics, V = 10,000 pseudo-words, ~150 tokens/doc):

1. ``synthetic`` - draw the corpus from the LDA generative process (``benchmarks/synthetic.py``)
   and stream it to JSONL.
2. ``textlab prepare (disk)`` - ``textlab.preprocessing.pipeline.prepare_data(store="disk")``: stream,
   clean and tokenise (textlab's default pipeline, one row per document, phrases off: synthetic
   words have no collocations), write token and count shards (Parquet). Peak memory here is the
   streaming memory figure.
3. LDA engines, all on that same disk store (``open_data``) and vocabulary (no further filtering):
   ``textlab`` (``fit_lda`` defaults: tomotopy, sweeps until converged), ``textlab-gensim``
   (``fit_lda(engine="gensim")`` on the store), ``gensim-same`` (plain ``LdaModel`` with textlab's gensim settings,
   plus the final inference pass textlab does, i.e. the same work), ``gensim-issue`` (plain
   ``LdaModel``, gensim defaults, passes=20, as in the issue), ``sklearn`` (online
   ``LatentDirichletAllocation``, max_iter=10), ``tomotopy`` (plain ``LDAModel``, ``--sweeps`` sweeps),
   ``tomotopy-equal-time`` (plain ``LDAModel`` trained in steps of 10 sweeps until its step has used
   the wall time of this size's ``textlab`` step: recovery at equal wall time).
   Recovery = mean matched ``1 - JSD`` (and cosine) against the planted topics.

Preprocessing throughput is measured on real English text: the five seed articles in
``seeds/`` (shipped with the repository), repeated; input tokens = whitespace-separated words.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import recovery, write_synthetic_jsonl  # noqa: E402

os.environ.setdefault("TEXTLAB_PROGRESS", "0")

ENGINES = ("textlab", "textlab-gensim", "gensim-same", "gensim-issue", "sklearn", "tomotopy", "tomotopy-equal-time")


# --- child-process harness ---------------------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(conn, fn, args) -> None:
    try:
        start, cpu_start = time.perf_counter(), _cpu_s()
        out = fn(*args)
        out["wall_s"] = time.perf_counter() - start
        out["cpu_s"] = _cpu_s() - cpu_start
        out["peak_mb"] = _peak_mb()
    except BaseException as err:  # report, never hang the parent
        out = {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}
    conn.send(out)
    conn.close()


def in_child(fn, *args) -> dict:
    """Run ``fn(*args)`` (returning a dict) in a forked child; add its wall time and peak RSS."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args))
    proc.start()
    child.close()
    try:
        out = parent.recv()
    except EOFError:
        out = {"error": f"child died (exit code {proc.join() or proc.exitcode})"}
    proc.join()
    return out


# --- steps (run inside children) -----------------------------------------------------------------


def _input_tokens(jsonl: str) -> int:
    with open(jsonl, encoding="utf-8") as handle:
        return sum(len(json.loads(line)["text"].split()) for line in handle)


def step_cache(jsonl: str, cache_dir: str, n_jobs: int, phrases: bool) -> dict:
    """``prepare_data`` to the disk store, one row per document; input tokens per second."""
    import shutil

    from textlab.preprocessing.pipeline import prepare_data

    shutil.rmtree(cache_dir, ignore_errors=True)
    n_in = _input_tokens(jsonl)
    start = time.perf_counter()
    prepared = prepare_data(jsonl, store="disk", cache_dir=cache_dir, n_jobs=n_jobs, passages=False,
                            tokens={"phrases": phrases}, progress=False)
    seconds = time.perf_counter() - start
    return {"data_dir": str(Path(cache_dir) / "data"), "n_docs": prepared.data.shape[0],
            "tokens_per_s": n_in / seconds, "n_terms": prepared.data.shape[1]}


def _load(data_dir: str):
    from textlab.store.disk import open_data

    return open_data(data_dir, verify="size")


def _score(topic_term, vocabulary, truth_path: str) -> dict:
    truth = np.load(truth_path)
    r = recovery(truth["topic_term"], topic_term, true_vocabulary=truth["vocabulary"], est_vocabulary=vocabulary)
    return {"recovery": r.jsd_similarity, "cosine": r.cosine}


def step_engine(engine: str, data_dir: str, truth_path: str, cfg: dict) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    data = _load(data_dir)
    k = cfg["n_topics"]
    if engine in ("textlab", "textlab-gensim"):
        from textlab.analysis.topics.lda import fit_lda

        kwargs = {"engine": "gensim", "passes": cfg["gensim_passes"]} if engine == "textlab-gensim" else {}
        fit = fit_lda(data, n_topics=k, no_below=1, no_above=1.0, keep_n=None, progress=False, random_state=0,
                      **kwargs)
        out = _score(fit.topic_term, fit.vocabulary, truth_path)
        if engine == "textlab":
            out["note"] = f"defaults: {fit.params['passes']} sweeps x {fit.params.get('restarts', 1)} chain(s)"
        return out
    vocabulary = np.asarray(data.vocabulary, dtype=object)
    counts = data.store.to_csr()
    if engine in ("gensim-same", "gensim-issue"):
        from gensim.matutils import Sparse2Corpus
        from gensim.models import LdaModel

        bow = Sparse2Corpus(counts, documents_columns=False)
        id2word = dict(enumerate(vocabulary))
        if engine == "gensim-same":  # textlab's gensim settings, and its final E-step over all docs
            model = LdaModel(corpus=bow, id2word=id2word, num_topics=k, passes=cfg["gensim_passes"],
                             iterations=100, alpha="auto", eta=0.01, chunksize=2000, gamma_threshold=0.001,
                             eval_every=None, random_state=0, dtype=np.float64)
            chunk = []
            for doc in bow:
                chunk.append(doc)
                if len(chunk) == 2000:
                    model.inference(chunk)
                    chunk = []
            if chunk:
                model.inference(chunk)
        else:
            model = LdaModel(corpus=bow, id2word=id2word, num_topics=k,
                             passes=cfg["gensim_passes"], random_state=0)
        return _score(model.get_topics(), vocabulary, truth_path)
    if engine == "sklearn":
        from sklearn.decomposition import LatentDirichletAllocation

        model = LatentDirichletAllocation(n_components=k, learning_method="online", max_iter=cfg["sklearn_iter"],
                                          random_state=0, n_jobs=1)
        model.fit(counts)
        return _score(model.components_ / model.components_.sum(axis=1, keepdims=True), vocabulary, truth_path)
    if engine in ("tomotopy", "tomotopy-equal-time"):
        import tomotopy as tp

        model = tp.LDAModel(k=k, alpha=0.1, eta=0.01, seed=0)
        for tokens in data.tokens:
            if tokens:
                model.add_doc(tokens)
        if engine == "tomotopy":
            model.train(cfg["sweeps"], workers=1)
            note = ""
        else:  # train until this step has used the textlab step's wall time (loading included)
            budget, sweeps = cfg.get("budget_s"), 0
            if budget is None:
                raise ValueError("tomotopy-equal-time needs the textlab engine to run first at this size")
            while time.perf_counter() - started < budget:
                model.train(10, workers=1)
                sweeps += 10
            note = f"{sweeps} sweeps in the textlab step's {budget:.1f} s"
        words = list(model.used_vocabs)
        est = np.vstack([model.get_topic_word_dist(t) for t in range(k)])
        out = _score(est, np.array(words, dtype=object), truth_path)
        if note:
            out["note"] = note
        return out
    raise ValueError(f"engine={engine!r} is not one of {ENGINES}")


def step_preprocess(texts: list[str], repeats: int, how: str) -> dict:
    """Input tokens per second of one per-text function (warmed up on an unrelated sentence first)."""
    n_in = sum(len(t.split()) for t in texts) * repeats
    if how == "gensim simple_preprocess":
        from gensim.utils import simple_preprocess as fn
    else:
        from textlab.preprocessing.stream import default_preprocess_fn

        fn = default_preprocess_fn(clean=how == "textlab clean+tokenize")
    fn("Warm-up: compile the pipeline once, as every long run does.")
    start = time.perf_counter()
    for _ in range(repeats):
        for t in texts:
            fn(t)
    seconds = time.perf_counter() - start
    return {"tokens_per_s": n_in / seconds, "n_input_tokens": n_in}


def step_gensim_pipeline(jsonl: str, out_dir: str) -> dict:
    """The plain-gensim end-to-end baseline: read JSONL, ``simple_preprocess``, ``Dictionary``, ``MmCorpus``."""
    from gensim.corpora import Dictionary, MmCorpus
    from gensim.utils import simple_preprocess

    start = time.perf_counter()
    n_in = 0
    dictionary = Dictionary()
    with open(jsonl, encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            n_in += len(text.split())
            dictionary.add_documents([simple_preprocess(text)])

    def bows():
        with open(jsonl, encoding="utf-8") as handle:  # second pass, as gensim's docs stream a corpus
            for line in handle:
                yield dictionary.doc2bow(simple_preprocess(json.loads(line)["text"]))

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    MmCorpus.serialize(str(Path(out_dir) / "corpus.mm"), bows())
    return {"tokens_per_s": n_in / (time.perf_counter() - start)}


def step_stream_build(jsonl: str, cache_dir: str, n_jobs: int) -> dict:
    """End to end on real text: ``prepare_data`` (read, clean, passages, tokens, phrases, counts) to disk."""
    import shutil

    from textlab.preprocessing.pipeline import prepare_data

    shutil.rmtree(cache_dir, ignore_errors=True)
    n_in = _input_tokens(jsonl)
    start = time.perf_counter()
    prepared = prepare_data(jsonl, store="disk", cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
    seconds = time.perf_counter() - start
    return {"tokens_per_s": n_in / seconds, "n_phrases": int(sum("_" in w for w in prepared.data.vocabulary))}


def preload() -> None:
    """Import the libraries once in the parent, so forked children time work, not imports."""
    import gensim.models  # noqa: F401
    import scipy.io  # noqa: F401
    import sklearn.decomposition  # noqa: F401

    import textlab.preprocessing.pipeline  # noqa: F401
    import textlab.store.disk  # noqa: F401
    import textlab.preprocessing.clean  # noqa: F401
    import textlab.analysis.topics.lda  # noqa: F401
    import textlab.preprocessing.tokens  # noqa: F401

    try:
        import tomotopy  # noqa: F401
    except ImportError:
        pass


# --- report ------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines()
                      if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem_kb = 0
    versions = {}
    for pkg in ("numpy", "scipy", "pandas", "pyarrow", "gensim", "scikit-learn", "tomotopy", "nltk"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024**2, 1),
            "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
            "load_start": os.getloadavg()}


def _fmt(value, digits=3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(info: dict, rows: list[dict], prep: list[dict], cfg: dict, args) -> str:
    lines = ["# textlab benchmark results", "",
             f"Command: `python benchmarks/run.py {' '.join(args.argv)}`  ",
             f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}", "",
             "## Machine", "",
             f"- CPU: {info['cpu']}, {info['nproc']} cores (`os.cpu_count()`); RAM {info['ram_gb']} GB",
             f"- Python {info['python']} on {info['platform']}",
             "- " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
             f"- Load average (1/5/15 min) at start: {', '.join(f'{x:.2f}' for x in info['load_start'])}; "
             f"at end: {', '.join(f'{x:.2f}' for x in info['load_end'])}",
             "- The machine was shared with other jobs during the run, so wall times are upper bounds." if
             info["load_start"][0] > 1 else "", "",
             "## Settings", "",
             f"Synthetic corpora: K={cfg['n_topics']} topics, V={cfg['vocab_size']} pseudo-words, Poisson "
             f"document length mean {cfg['mean_length']}, alpha={cfg['alpha']}, eta={cfg['eta']}, seed 0. "
             f"gensim passes={cfg['gensim_passes']}; tomotopy sweeps={cfg['sweeps']}; sklearn online "
             f"max_iter={cfg['sklearn_iter']}. Each step runs in its own forked child; `peak MB` is that "
             "child's maximum resident set (includes the ~interpreter and libraries inherited from the parent: "
             f"{info['parent_mb']:.0f} MB at fork). Recovery = mean over Hungarian-matched topic pairs of "
             "1 − JSD (base 2); cosine likewise.", "",
             "## Topic recovery, wall time and peak memory", "",
             "| documents | step | wall s | CPU s | peak MB | recovery (1−JSD) | cosine | note |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['n_docs']:,} | {r['step']} | {_fmt(r.get('wall_s'), 1)} | {_fmt(r.get('cpu_s'), 1)} | "
                     f"{_fmt(r.get('peak_mb'), 0)} | "
                     f"{_fmt(r.get('recovery'))} | {_fmt(r.get('cosine'))} | {r.get('note', '')} |")
    lines += ["", "## Checks", ""]
    for n in sorted({r["n_docs"] for r in rows}):
        by = {r["step"]: r for r in rows if r["n_docs"] == n and "error" not in r}
        if "textlab-gensim" in by and "gensim-same" in by:
            ratio = by["textlab-gensim"]["wall_s"] / by["gensim-same"]["wall_s"]
            cpu = by["textlab-gensim"]["cpu_s"] / by["gensim-same"]["cpu_s"]
            lines.append(f"- {n:,} docs: textlab gensim engine / plain gensim (same BoW and settings, same "
                         f"final E-step) = {ratio:.2f}× wall time, {cpu:.2f}× CPU time (target ≤ 1.05×) → "
                         f"{'met' if max(ratio, cpu) <= 1.05 else 'NOT met'}")
        if "textlab" in by and "tomotopy" in by:
            a, b = by["textlab"], by["tomotopy"]
            lines.append(f"- {n:,} docs: default engine recovery {a['recovery']:.3f} in {a['wall_s']:.1f} s "
                         f"({a['cpu_s']:.1f} CPU s) vs plain tomotopy {b['recovery']:.3f} in {b['wall_s']:.1f} s "
                         f"({b['cpu_s']:.1f} CPU s) with {cfg['sweeps']} sweeps")
        if "textlab" in by and "tomotopy-equal-time" in by:
            a, b = by["textlab"], by["tomotopy-equal-time"]
            lines.append(f"- {n:,} docs, equal wall time: default engine {a['recovery']:.3f} in {a['wall_s']:.1f} s vs "
                         f"plain tomotopy {b['recovery']:.3f} in {b['wall_s']:.1f} s ({b.get('note', '')}) → "
                         f"{'met' if a['recovery'] >= b['recovery'] else 'NOT met'} (target: default ≥ tomotopy)")
    caches = [r for r in rows if r["step"] == "textlab prepare (disk)" and "peak_mb" in r]
    if len(caches) > 1:
        lines.append("- Streaming peak memory (prepare_data to disk) by size: "
                     + ", ".join(f"{r['n_docs']:,}: {r['peak_mb']:.0f} MB" for r in caches))
    lines += ["", "## Preprocessing throughput on real English text", "",
              "Texts: `seeds x N` = the five news articles in `seeds/` (6,584 whitespace tokens) repeated N "
              "times (realistic word-frequency reuse); `pydoc topics x1` = Python's own help texts "
              "(`pydoc_data.topics`, 65,501 whitespace tokens of English prose, shipped with Python), one pass. "
              "Rate = input whitespace tokens per second. Per-text functions run on one core.", "",
              "| text | method | input tokens/s | peak MB | note |", "|---|---|---:|---:|---|"]
    for p in prep:
        lines.append(f"| {p['source']} | {p['method']} | {_fmt(p.get('tokens_per_s'), 0)} | "
                     f"{_fmt(p.get('peak_mb'), 0)} | {p.get('note', '')} |")
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 documents")
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[],
                        help="extra sizes for which only generation and the streaming cache run (memory figures)")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run (seconds)")
    parser.add_argument("--engines", nargs="*", default=list(ENGINES), choices=ENGINES,
                        help="LDA engines to time (none: only generate and cache, for memory figures)")
    parser.add_argument("--sweeps", type=int, default=500, help="tomotopy Gibbs sweeps (textlab default 500)")
    parser.add_argument("--passes", type=int, default=20, help="gensim passes (issue: 20)")
    parser.add_argument("--n-jobs", type=int, default=2, help="processes for streaming preprocessing")
    parser.add_argument("--workdir", default=None, help="folder for corpora and caches (default: temporary)")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    from textlab._io import write_text

    cfg = {"n_topics": 20, "vocab_size": 10_000, "mean_length": 150.0, "alpha": 0.1, "eta": 0.01,
           "gensim_passes": args.passes, "sweeps": args.sweeps, "sklearn_iter": 10}
    sizes = list(args.sizes) + ([1_000_000] if args.million else [])
    repeats = 40
    if args.quick:
        cfg.update(n_topics=4, vocab_size=200, mean_length=40.0, gensim_passes=2, sweeps=30, sklearn_iter=2)
        sizes, repeats = [150], 1
    info = machine()
    preload()
    info["parent_mb"] = _peak_mb()
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="textlab-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {info['cpu']} x{info['nproc']}, load {info['load_start']}, work dir {work}", flush=True)
    rows: list[dict] = []

    def record(row: dict) -> None:
        rows.append(row)
        note = row.get("error", "")
        print(f"{row['n_docs']:>9,} {row['step']:<16} wall {_fmt(row.get('wall_s'), 1):>7} s  "
              f"cpu {_fmt(row.get('cpu_s'), 1):>7} s  "
              f"peak {_fmt(row.get('peak_mb'), 0):>6} MB  recovery {_fmt(row.get('recovery'))}  "
              f"cosine {_fmt(row.get('cosine'))} {note}", flush=True)

    prep: list[dict] = []
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    from pydoc_data.topics import topics as pydoc_topics  # Python's own help texts: English prose

    sources = {"seeds x%d" % repeats: (seeds, repeats)}
    if not args.quick:
        sources["pydoc topics x1"] = (list(pydoc_topics.values()), 1)
    for source, (texts, times) in sources.items():
        for how in ("gensim simple_preprocess", "textlab tokenize", "textlab clean+tokenize"):
            out = in_child(step_preprocess, texts, times, how)
            out.update(method=how, source=source, note=out.get("error", "1 core, per-text function"))
            prep.append(out)
            print(f"preprocess {source:<16} {how:<28} {_fmt(out.get('tokens_per_s'), 0)} tokens/s", flush=True)
    texts = seeds
    seeds_jsonl = work / "seeds-repeated.jsonl"
    stream_repeats = 1 if args.quick else 400  # 2,000 documents, 2.6 M words: enough for 2 processes to pay off
    with open(seeds_jsonl, "w", encoding="utf-8") as handle:
        for i in range(stream_repeats * len(texts)):
            handle.write(json.dumps({"doc_id": str(i), "text": texts[i % len(texts)]}) + "\n")
    out = in_child(step_gensim_pipeline, str(seeds_jsonl), str(work / "gensim-seeds"))
    out.update(method="gensim pipeline, 1 process", source="seeds x%d" % stream_repeats,
               note=out.get("error") or "end to end: read JSONL, simple_preprocess, Dictionary, MmCorpus "
               "(two passes; no cleaning, aliases or phrases)")
    prep.append(out)
    print(f"preprocess {out['source']:<16} {out['method']:<28} {_fmt(out.get('tokens_per_s'), 0)} tokens/s", flush=True)
    for n_jobs in [1] if args.quick else sorted({1, args.n_jobs}):
        out = in_child(step_stream_build, str(seeds_jsonl), str(work / "cache-seeds"), n_jobs)
        out.update(method=f"textlab prepare_data (disk), n_jobs={n_jobs}", source="seeds x%d" % stream_repeats,
                   note=out.get("error") or "end to end: read JSONL, clean, passages, tokenise, phrases, counts "
                   f"(Parquet shards); {out['n_phrases']:,} phrase terms")
        prep.append(out)
        print(f"preprocess {out['source']:<16} {out['method']:<28} {_fmt(out.get('tokens_per_s'), 0)} tokens/s",
              flush=True)

    def flush() -> None:  # results so far, so an interrupted long run still leaves a report
        info["load_end"] = os.getloadavg()
        write_text(render(info, rows, prep, cfg, args), args.out)

    flush()
    for n in sizes + [m for m in args.memory_sizes if m not in sizes]:
        jsonl = work / f"synthetic-{n}.jsonl"
        truth = in_child(_write_corpus, str(jsonl), n, cfg, str(work / f"truth-{n}.npz"))
        record({"n_docs": n, "step": "synthetic", **truth})
        n_jobs = 1 if args.quick else args.n_jobs
        built = in_child(step_cache, str(jsonl), str(work / "cache"), n_jobs, False)
        built["note"] = f"{built.get('tokens_per_s', 0):,.0f} input tokens/s, n_jobs={n_jobs}" \
            if "error" not in built else built["error"]
        record({"n_docs": n, "step": "textlab prepare (disk)", **built})
        if "error" not in built and n in sizes:
            for engine in args.engines:
                out = in_child(step_engine, engine, built["data_dir"], str(work / f"truth-{n}.npz"), cfg)
                if engine == "textlab" and "wall_s" in out:
                    cfg["budget_s"] = out["wall_s"]
                record({"n_docs": n, "step": engine, **out})
                flush()
        flush()

    flush()
    print(f"wrote {args.out}", flush=True)
    return 1 if any("error" in r for r in rows + prep) else 0


def _write_corpus(path: str, n: int, cfg: dict, truth_path: str) -> dict:
    truth = write_synthetic_jsonl(path, n, n_topics=cfg["n_topics"], vocab_size=cfg["vocab_size"],
                                  mean_length=cfg["mean_length"], alpha=cfg["alpha"], eta=cfg["eta"])
    np.savez(truth_path, topic_term=truth.topic_term, vocabulary=truth.vocabulary.astype(str))
    return {"note": f"{truth.params['n_tokens']:,} tokens"}


if __name__ == "__main__":
    sys.exit(main())
