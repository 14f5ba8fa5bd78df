"""Planted topics: full-data gensim VB with the E-step on Dask workers vs tomotopy full fit vs sample-then-infer.

One corpus is drawn from the LDA generative process (``synthetic.py``: default 20,000 documents,
K = 10 topics, V = 5,000 pseudo-words, ~100 tokens per document, alpha 0.1, eta 0.01) and written
as JSONL. Then each method runs in a fresh Python process that reads the same documents
(whitespace tokens) and counts them (``count_terms``):

* ``tomotopy full``: ``fit_lda(docs, n_topics=K)`` (textlab's default engine, every passage);
* ``sample-then-infer``: ``fit_sampled_lda(data, n_topics=K, sample_size=S)`` (tomotopy on a
  sample of S passages, every passage inferred with the topics frozen; what a study does above
  ``[lda] sample_above``);
* ``gensim distributed, 2-worker LocalCluster``: ``fit_distributed_lda(data, ..., client=...)``
  (E-step on 2 worker processes, M-step in the driver);
* ``gensim distributed, in process``: the same call without a cluster (must give the same topics);
* ``gensim serial (fit_lda engine="gensim")``: gensim's own ``LdaModel`` (online VB, 20 passes).

Reported: fit wall and CPU seconds of the process (the cluster's workers' CPU is not in the
driver's CPU figure; their peak memory is listed), peak resident memory, recovery (mean
Hungarian-matched 1 − JSD against the planted topics) and, for the two distributed rows,
whether the topics are identical.

Usage::

    python benchmarks/distributed_lda.py --out /tmp/dlda.md                  # ~10-15 CPU minutes
    python benchmarks/distributed_lda.py --docs 1000 --topics 4 --vocab 300 --passes 5 --sample 300  # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import add_run_options, fmt, machine, machine_lines, run_measured, work_folder  # noqa: E402

__all__ = ["main", "fit_child", "METHODS"]

METHODS = ("tomotopy full", "sample-then-infer", "gensim distributed, 2-worker LocalCluster",
           "gensim distributed, in process", "gensim serial (fit_lda engine=\"gensim\")")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fit_child(method: str, jsonl: str, n_topics: int, passes: int, sample: int, out: str) -> None:
    """Child process: read and count the documents, fit with one method, save topics (npz) and stats (json)."""
    import warnings

    import numpy as np
    import pandas as pd

    from textlab.preprocessing.counts import count_terms
    from textlab.preprocessing.tokens import TokenizedCorpus

    warnings.simplefilter("ignore")
    with open(jsonl, encoding="utf-8") as handle:
        docs = [json.loads(line)["text"].split() for line in handle]
    rows = pd.DataFrame({"passage_id": [f"p{i}" for i in range(len(docs))],
                         "doc_id": [f"d{i}" for i in range(len(docs))]})
    tokenized = TokenizedCorpus(rows, docs)
    data = count_terms(tokenized)
    start, cpu0 = time.perf_counter(), time.process_time()
    extra: dict = {}
    if method == "tomotopy full":
        from textlab.analysis.topics.lda import fit_lda

        fit = fit_lda(tokenized, n_topics=n_topics, progress=False)
        extra["note"] = f"{fit.params['passes']} sweeps x {fit.params['restarts']} chains started"
    elif method == "sample-then-infer":
        from textlab.analysis.topics.sampled import fit_sampled_lda

        fit = fit_sampled_lda(data, n_topics=n_topics, sample_size=sample, random_state=0, progress=False)
        extra["note"] = f"tomotopy on {sample:,} sampled passages ({fit.params['passes']} sweeps), all inferred"
    elif method.startswith("gensim distributed"):
        from textlab.analysis.topics.distributed import fit_distributed_lda

        if "LocalCluster" in method:
            from distributed import Client, LocalCluster

            from textlab.compute.dask import worker_memory

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                    Client(cluster) as client:
                client.wait_for_workers(2, timeout=120)
                start, cpu0 = time.perf_counter(), time.process_time()  # cluster start-up not counted
                before = client.run(time.process_time)
                fit = fit_distributed_lda(data, n_topics=n_topics, passes=passes, random_state=0, client=client,
                                          progress=False)
                extra["fit_s"], extra["fit_cpu_s"] = time.perf_counter() - start, time.process_time() - cpu0
                after = client.run(time.process_time)
                extra["workers_cpu_s"] = sum(after[w] - before[w] for w in after)
                extra["worker_peak_mb"] = [round(v / 2**20) for v in worker_memory(client).values()]
        else:
            fit = fit_distributed_lda(data, n_topics=n_topics, passes=passes, random_state=0, progress=False)
        extra["note"] = (f"{passes} passes, {fit.params['n_chunks']} chunks of 2,000, M-step every "
                         f"{fit.params['update_every']} chunks, {fit.params['n_workers']} workers")
    else:
        from textlab.analysis.topics.lda import fit_lda

        fit = fit_lda(tokenized, engine="gensim", n_topics=n_topics, progress=False)
        extra["note"] = f"online VB, {fit.params['passes']} passes, chunksize 2,000, alpha auto"
    stats = {"fit_s": time.perf_counter() - start, "fit_cpu_s": time.process_time() - cpu0, "peak_mb": _peak_mb(),
             **extra}
    np.savez(out, topic_term=fit.topic_term, vocabulary=np.asarray(fit.vocabulary, dtype=str),
             doc_topic=np.asarray(fit.doc_topic, dtype=np.float64))
    Path(out).with_suffix(".json").write_text(json.dumps(stats), encoding="utf-8")


def _child_cmd(*args) -> list[str]:
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.distributed_lda import fit_child; "
            "fit_child(*json.loads(sys.argv[1]))")
    return [sys.executable, "-c", code, json.dumps(list(args))]


def run(args, work: Path) -> tuple[list[dict], dict]:
    """Generate the corpus, run every method, score recovery; one row per method."""
    import numpy as np

    from benchmarks.synthetic import recovery, write_synthetic_jsonl

    jsonl = work / f"planted-{args.docs}.jsonl"
    truth = write_synthetic_jsonl(jsonl, args.docs, n_topics=args.topics, vocab_size=args.vocab,
                                  mean_length=args.length)
    print(f"{args.docs:,} documents, {truth.params['n_tokens']:,} tokens", flush=True)
    rows, saved = [], {}
    for i, method in enumerate(METHODS):
        out = work / f"method-{i}.npz"
        step = run_measured(_child_cmd(method, str(jsonl), args.topics, args.passes, args.sample, str(out)),
                            timeout=args.timeout)
        row = {"method": method, **step}
        if step["returncode"] != 0:
            row["error"] = step["stderr"].strip().splitlines()[-1] if step["stderr"].strip() else "failed"
            rows.append(row)
            print(f"{method}: FAILED {row['error']}", flush=True)
            continue
        row.update(json.loads(out.with_suffix(".json").read_text(encoding="utf-8")))
        with np.load(out, allow_pickle=False) as npz:
            saved[method] = {k: npz[k] for k in npz.files}
        score = recovery(truth.topic_term, saved[method]["topic_term"], true_vocabulary=truth.vocabulary,
                         est_vocabulary=saved[method]["vocabulary"])
        row.update(recovery=score.jsd_similarity, cosine=score.cosine)
        rows.append(row)
        print(f"{method:<45} fit {row['fit_s']:7.1f} s  CPU {row['fit_cpu_s']:7.1f} s  recovery "
              f"{row['recovery']:.4f}  peak {row['peak_mb']:.0f} MB", flush=True)
    a, b = saved.get(METHODS[2]), saved.get(METHODS[3])
    same = None if a is None or b is None else {
        "topic_term": bool(np.array_equal(a["topic_term"], b["topic_term"])),
        "doc_topic": bool(np.array_equal(a["doc_topic"], b["doc_topic"]))}
    return rows, {"identical": same, "n_tokens": truth.params["n_tokens"]}


def render(info: dict, rows: list[dict], checks: dict, args, argv_text: str) -> str:
    lines = ["## Full-data LDA on Dask workers vs sample-then-infer vs tomotopy (`benchmarks/distributed_lda.py`)", "",
             f"Command: `python benchmarks/distributed_lda.py {argv_text}`  ",
             f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}", "", *machine_lines(info), "",
             f"One planted corpus from the LDA generative process: {args.docs:,} documents, "
             f"{checks['n_tokens']:,} tokens, K = {args.topics}, V = {args.vocab:,} pseudo-words, Poisson length mean "
             f"{args.length:g}, alpha 0.1, eta 0.01, seed 0. Every method in a fresh process, fitting K = "
             f"{args.topics} with seed 0 and textlab's vocabulary filter (no_below 2, no_above 0.5). `fit s` / "
             "`CPU s` = the fit only (reading, counting and the cluster's start-up excluded; `CPU s` is the "
             "driver process's, the workers' is listed apart), `peak MB` = the process's peak resident set "
             "(`VmHWM`), workers = each worker's peak. Recovery = mean over Hungarian-matched topic pairs of "
             "1 − JSD (base 2).", "",
             "| method | fit s | CPU s | workers' CPU s | recovery (1−JSD) | cosine | peak MB | workers' peak MB "
             "| note |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        workers = ", ".join(str(x) for x in r.get("worker_peak_mb", [])) or "-"
        lines.append(f"| {r['method']} | {fmt(r.get('fit_s'))} | {fmt(r.get('fit_cpu_s'))} | "
                     f"{fmt(r.get('workers_cpu_s'))} | "
                     f"{fmt(r.get('recovery'), 3)} | {fmt(r.get('cosine'), 3)} | {fmt(r.get('peak_mb'), 0)} | "
                     f"{workers} | {r.get('error') or r.get('note', '')} |")
    same = checks["identical"]
    lines += ["", "### Checks", "",
              f"- 2-worker cluster vs in process, identical topics: {same['topic_term'] if same else 'not run'}; "
              f"identical passage proportions: {same['doc_topic'] if same else 'not run'}"]
    by = {r["method"]: r for r in rows if "error" not in r}
    if METHODS[0] in by and METHODS[1] in by:
        gap = by[METHODS[0]]["recovery"] - by[METHODS[1]]["recovery"]
        lines.append(f"- sample-then-infer within 0.02 of the tomotopy full fit: gap {gap:+.4f} → "
                     f"{'met' if gap <= 0.02 else 'NOT met'}")
    if METHODS[0] in by and METHODS[2] in by:
        lines.append(f"- gensim distributed vs tomotopy full fit: {by[METHODS[2]]['recovery']:.3f} vs "
                     f"{by[METHODS[0]]['recovery']:.3f}")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--vocab", type=int, default=5_000)
    parser.add_argument("--length", type=float, default=100.0, help="mean document length in tokens")
    parser.add_argument("--passes", type=int, default=20, help="passes of the distributed gensim fit")
    parser.add_argument("--sample", type=int, default=5_000, help="sample size of sample-then-infer")
    add_run_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    argv_text = " ".join(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TEXTLAB_PROGRESS", "0")
    info = machine()
    work = work_folder(args, "textlab-dlda-")
    rows, checks = run(args, work)
    info["load_end"] = os.getloadavg()
    report = render(info, rows, checks, args, argv_text)
    print(report, flush=True)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
