"""Planted topics: textlab's ``fit_lda`` defaults vs plain tomotopy at equal wall time; recovery and memory.

For each size (default 2,000 and 20,000 documents) a corpus is drawn from the LDA generative
process (``synthetic.py``: K = 20 topics, V = 10,000 pseudo-words, ~150 tokens per document,
alpha 0.1, eta 0.01) and written as JSONL. Then, each in a fresh Python process that imports
only what it needs and reads the same documents (whitespace tokens: the pseudo-words pass
textlab's tokenizer unchanged):

* ``textlab``: ``tl.fit_lda(docs, n_topics=20, progress=False)``, every other option default;
* ``tomotopy``: plain ``tomotopy.LDAModel(k=20, alpha=0.1, eta=0.01, seed=0)``, trained 10
  sweeps at a time (one worker) until it has used textlab's fit time (model building included).

Reported per engine: fit wall and CPU seconds, sweeps, recovery (mean matched 1 - JSD against
the planted topics, and cosine), peak resident memory of the process (its ``VmHWM``), of its
process tree (sampled) and its growth during the fit (peak minus the resident set after
imports, reading the documents and a warm-up fit on six tiny documents). Targets (issue 9): recovery >= tomotopy's, memory
<= 1.5x tomotopy's.

Usage::

    python benchmarks/planted.py                            # 2k and 20k documents, ~5 minutes
    python benchmarks/planted.py --sizes 300 --topics 5 --vocab 300 --out /tmp/p.md   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import add_run_options, fmt, machine, machine_lines, run_measured, work_folder  # noqa: E402

__all__ = ["main", "fit_child"]


def _status_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak since exec) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def fit_child(engine: str, jsonl: str, n_topics: int, budget_s: float | None, out: str) -> None:
    """Child process: read the documents, fit with one engine, save topics (npz) and stats (json)."""
    import numpy as np

    if engine == "textlab":
        import textlab as tl

        fit_lda = tl.fit_lda
    else:
        import tomotopy as tp
    with open(jsonl, encoding="utf-8") as handle:
        docs = [json.loads(line)["text"].split() for line in handle]
    tiny = [["warm", "up", "fit"], ["up", "fit", "again"], ["warm", "fit", "again"]] * 2
    if engine == "textlab":  # load what fit_lda imports lazily, so growth measures the fit, not imports
        fit_lda(tiny, n_topics=2, passes=10, no_below=1, no_above=1.0, progress=False)
    else:
        warm = tp.LDAModel(k=2, seed=0)
        for doc in tiny:
            warm.add_doc(doc)
        warm.train(10, workers=1)
        del warm
    before_mb = _status_mb("VmRSS")
    start, cpu0 = time.perf_counter(), _cpu()
    if engine == "textlab":
        fit = fit_lda(docs, n_topics=n_topics, progress=False)
        topic_term, vocabulary = fit.topic_term, np.asarray(fit.vocabulary, dtype=str)
        sweeps = int(fit.params.get("passes") or 0) * int(fit.params.get("restarts") or 1)
        note = (f"fit_lda defaults: engine {fit.params.get('engine')}, {fit.params.get('passes')} sweeps"
                f" x {fit.params.get('restarts', 1)} chain(s), alpha {fit.params.get('alpha')}, "
                f"{fit.params.get('n_terms', len(vocabulary)):,} terms kept")
    else:
        model = tp.LDAModel(k=n_topics, alpha=0.1, eta=0.01, seed=0)
        for doc in docs:
            if doc:
                model.add_doc(doc)
        sweeps = 0
        while time.perf_counter() - start < budget_s:
            model.train(10, workers=1)
            sweeps += 10
        topic_term = np.vstack([model.get_topic_word_dist(t) for t in range(n_topics)])
        vocabulary = np.asarray(list(model.used_vocabs), dtype=str)
        note = f"plain LDAModel(alpha 0.1, eta 0.01), {sweeps} sweeps in textlab's {budget_s:.1f} s"
    heavy = [m for m in ("pandas", "scipy", "gensim", "sklearn", "matplotlib") if m in sys.modules]
    note += f"; libraries loaded: {', '.join(heavy) or 'none of pandas/scipy/gensim/sklearn/matplotlib'}"
    stats = {"fit_s": time.perf_counter() - start, "fit_cpu_s": _cpu() - cpu0, "sweeps": sweeps,
             "before_fit_mb": before_mb, "peak_mb": _status_mb("VmHWM"),
             "note": note}
    np.savez(out, topic_term=topic_term, vocabulary=vocabulary)
    Path(out).with_suffix(".json").write_text(json.dumps(stats), encoding="utf-8")


def _child_cmd(*args) -> list[str]:
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.planted import fit_child; "
            "fit_child(*json.loads(sys.argv[1]))")
    return [sys.executable, "-c", code, json.dumps(list(args))]


def run_size(n: int, args, work: Path) -> list[dict]:
    """Generate one corpus, fit it with both engines, score recovery; one row per engine."""
    import numpy as np

    from benchmarks.synthetic import recovery, write_synthetic_jsonl

    jsonl = work / f"planted-{n}.jsonl"
    start = time.perf_counter()
    truth = write_synthetic_jsonl(jsonl, n, n_topics=args.topics, vocab_size=args.vocab, mean_length=args.length)
    print(f"{n:,} documents, {truth.params['n_tokens']:,} tokens generated in {time.perf_counter() - start:.1f} s",
          flush=True)
    rows, budget = [], None
    for engine in ("textlab", "tomotopy"):
        out = work / f"{engine}-{n}.npz"
        step = run_measured(_child_cmd(engine, str(jsonl), args.topics, budget, str(out)), timeout=args.timeout)
        row = {"n_docs": n, "n_tokens": truth.params["n_tokens"], "engine": engine, **step}
        if step["returncode"] != 0:
            row["error"] = step["stderr"].strip().splitlines()[-1] if step["stderr"].strip() else "failed"
            rows.append(row)
            print(f"{n:>8,} {engine:<9} FAILED {row['error']}", flush=True)
            break
        row.update(json.loads(out.with_suffix(".json").read_text(encoding="utf-8")))
        with np.load(out, allow_pickle=False) as saved:
            score = recovery(truth.topic_term, saved["topic_term"], true_vocabulary=truth.vocabulary,
                             est_vocabulary=saved["vocabulary"])
        row.update(recovery=score.jsd_similarity, cosine=score.cosine, growth_mb=row["peak_mb"] - row["before_fit_mb"])
        budget = row["fit_s"] if engine == "textlab" else budget
        rows.append(row)
        print(f"{n:>8,} {engine:<9} fit {row['fit_s']:6.1f} s  sweeps {row['sweeps']:>5}  recovery "
              f"{row['recovery']:.3f}  peak {row['peak_mb']:.0f} MB (+{row['growth_mb']:.0f} during the fit)", flush=True)
    return rows


def render(info: dict, rows: list[dict], args, argv_text: str) -> str:
    lines = ["## Planted topics: textlab `fit_lda` defaults vs plain tomotopy at equal wall time", "",
             f"Command: `python benchmarks/planted.py {argv_text}`  ",
             f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}", "", *machine_lines(info), "",
             f"Synthetic corpora from the LDA generative process: K = {args.topics}, V = {args.vocab:,} pseudo-words, "
             f"Poisson length mean {args.length:g}, alpha 0.1, eta 0.01, seed 0. Each engine runs in a fresh process "
             "importing only what it needs; both read the same JSONL into token lists. `peak MB` = the process's "
             "maximum resident set since it started (`VmHWM`; `wait4`'s figure would include the pages of the "
             "forked benchmark parent), `tree MB` = the sampled peak of its process tree, `growth MB` = peak "
             "minus the resident set after imports, reading the documents and a warm-up fit of six tiny documents (which loads what each engine imports lazily). Recovery = mean over "
             "Hungarian-matched topic pairs of 1 − JSD (base 2).", "",
             "| documents | engine | fit wall s | fit CPU s | sweeps | recovery (1−JSD) | cosine | peak MB | tree MB "
             "| growth MB | note |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['n_docs']:,} | {r['engine']} | {fmt(r.get('fit_s'))} | {fmt(r.get('fit_cpu_s'))} | "
                     f"{fmt(r.get('sweeps'))} | {fmt(r.get('recovery'), 3)} | {fmt(r.get('cosine'), 3)} | "
                     f"{fmt(r.get('peak_mb'), 0)} | {fmt(r.get('tree_peak_mb'), 0)} | {fmt(r.get('growth_mb'), 0)} | "
                     f"{r.get('error') or r.get('note', '')} |")
    lines += ["", "### Checks", ""]
    for n in sorted({r["n_docs"] for r in rows}):
        by = {r["engine"]: r for r in rows if r["n_docs"] == n and "error" not in r}
        if len(by) < 2:
            lines.append(f"- {n:,} docs: incomplete (an engine failed)")
            continue
        a, b = by["textlab"], by["tomotopy"]
        mem, growth = a["peak_mb"] / b["peak_mb"], a["growth_mb"] / max(b["growth_mb"], 1.0)
        lines += [f"- {n:,} docs, recovery at equal wall time: textlab {a['recovery']:.3f} vs tomotopy "
                  f"{b['recovery']:.3f} ({a['fit_s']:.1f} s each) → {'met' if a['recovery'] >= b['recovery'] else 'NOT met'}"
                  " (target ≥ tomotopy)",
                  f"- {n:,} docs, memory: peak {a['peak_mb']:.0f} MB vs {b['peak_mb']:.0f} MB = **{mem:.2f}×** "
                  f"(target ≤ 1.5×) → {'met' if mem <= 1.5 else 'NOT met'}; growth during the fit "
                  f"{a['growth_mb']:.0f} MB vs {b['growth_mb']:.0f} MB = {growth:.2f}×"]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--vocab", type=int, default=10_000)
    parser.add_argument("--length", type=float, default=150.0, help="mean document length in tokens")
    add_run_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    argv_text = " ".join(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TEXTLAB_PROGRESS", "0")
    info = machine()
    work = work_folder(args, "textlab-planted-")
    rows: list[dict] = []
    for n in args.sizes:
        rows += run_size(n, args, work)
    info["load_end"] = os.getloadavg()
    report = render(info, rows, args, argv_text)
    print(report, flush=True)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
