"""Study-level speed, side by side in one run: textlab's default ``analyze`` vs the minimal peer.

On the generated news corpus (``newscorpus.py``), in this order, each in its own measured
process (wall time; CPU time of the process and every worker it started; peak RSS):

1. ``textlab analyze STUDY.toml --out DIR`` with textlab's defaults (add ``--fast`` with
   ``--textlab-fast``). K searched, K chosen and sweeps are read from its results; the Gibbs
   sweeps it actually ran are also counted in every process (``_harness.sweep_counter_env``).
2. ``textlab tokens``: ``tl.prepare_tokens(STUDY.toml)`` writes the passages' tokens, the same
   tokens textlab fits, for the peer (timed apart: the peer gets them for free).
3. The minimal peer: plain tomotopy (``LDAModel(k, seed=0)``: alpha 0.1, eta 0.01, no vocabulary
   filter), one fit per K of the range textlab searched, ``--sweeps`` Gibbs sweeps each (200),
   then gensim ``CoherenceModel(coherence="c_npmi", processes=1)`` on the top 10 words; K = the
   best c_npmi.
4. On the seed study (``seeds/study.toml``): ``textlab analyze`` and ``textlab figures``.

Targets (issue 9): analyze <= 2x the peer's wall time; figures <= 1.5x analyze on the seeds.

Usage::

    python benchmarks/study_speed.py --size 800                       # ~ a few minutes
    python benchmarks/study_speed.py --size 3000 --out /tmp/speed.md
    python benchmarks/study_speed.py --size 30 --textlab-fast --sweeps 20 --out /tmp/s.md   # smoke
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._harness import (  # noqa: E402
    add_run_options, fmt, machine, machine_lines, read_sweep_log, run_measured, sweep_counter_env, textlab_command,
    work_folder,
)

__all__ = ["main", "peer_select", "textlab_sweeps"]


# --- children ------------------------------------------------------------------------------------


def write_tokens(study: str, out: str) -> None:
    """Child: the passages' tokens exactly as textlab's study prepares them, one JSON list per line."""
    import textlab as tl

    _, _, tokenized = tl.prepare_tokens(study)
    with open(out, "w", encoding="utf-8") as handle:
        for tokens in tokenized.tokens:
            handle.write(json.dumps(list(tokens)) + "\n")


def peer_select(tokens_path: str, ks: list[int], sweeps: int, workers: int, out: str) -> dict:
    """Child: plain tomotopy per K at ``sweeps`` sweeps, gensim c_npmi per K, K = best c_npmi."""
    import tomotopy as tp
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    with open(tokens_path, encoding="utf-8") as handle:
        docs = [d for d in (json.loads(line) for line in handle) if d]
    dictionary = Dictionary(docs)
    rows = []
    for k in ks:
        start = time.perf_counter()
        model = tp.LDAModel(k=k, seed=0)
        for doc in docs:
            model.add_doc(doc)
        model.train(sweeps, workers=workers)
        fitted = time.perf_counter()
        topics = [[w for w, _ in model.get_topic_words(t, top_n=10)] for t in range(k)]
        npmi = CoherenceModel(topics=topics, texts=docs, dictionary=dictionary, coherence="c_npmi", topn=10,
                              processes=1).get_coherence()
        rows.append({"k": k, "c_npmi": float(npmi), "fit_s": fitted - start,
                     "coherence_s": time.perf_counter() - fitted, "sweeps": sweeps})
    best = max(rows, key=lambda r: r["c_npmi"])
    result = {"rows": rows, "chosen_k": best["k"], "sweeps": sweeps * len(ks), "n_docs": len(docs),
              "n_tokens": sum(map(len, docs))}
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return result


# --- reading textlab's results --------------------------------------------------------------------


def textlab_sweeps(results: Path) -> dict:
    """What textlab's results say about model selection: K range, chosen K, seeds, sweeps if recorded."""
    prov = json.loads((results / "provenance.json").read_text(encoding="utf-8"))
    out = {"chosen_k": prov.get("n_topics"), "rule": prov.get("n_topics_rule", ""),
           "selection_seeds": prov.get("seeds", {}).get("selection_random_states"),
           "stability_seeds": prov.get("seeds", {}).get("stability_random_states"),
           "timings": prov.get("timings_seconds", {}), "recorded_sweeps": None, "ks": None}
    selection = results / "model_selection.csv"
    if selection.exists():
        with open(selection, encoding="utf-8", newline="") as handle:  # csv, not pandas: keep this process small
            table = list(csv.DictReader(handle))
        out["ks"] = sorted({int(float(row["n_topics"])) for row in table})
        for column in ("sweeps", "passes", "n_sweeps"):
            if table and column in table[0]:
                out["recorded_sweeps"] = int(sum(float(row[column] or 0) for row in table))
                out["recorded_sweeps_column"] = f"model_selection.csv:{column}"
                break
    for key in ("sweeps_total", "total_sweeps", "sweeps"):
        value = prov.get(key) or prov.get("lda_params", {}).get(key)
        if isinstance(value, (int, float)) and out["recorded_sweeps"] is None:
            out["recorded_sweeps"], out["recorded_sweeps_column"] = int(value), f"provenance.json:{key}"
    return out


# --- the run ------------------------------------------------------------------------------------


def _measure_textlab(args, study: Path, out_dir: Path, work: Path, command: str = "analyze", fast: bool = False):
    env, log = sweep_counter_env(work / f"sweeps-{out_dir.name}")
    env.setdefault("TEXTLAB_PROGRESS", "0")
    cmd = textlab_command() + [command, str(study), "--out", str(out_dir)] + (["--fast"] if fast else [])
    result = run_measured(cmd, env=env, timeout=args.timeout)
    result["counted"] = read_sweep_log(log)
    result["command"] = " ".join(["textlab", command, str(study), "--out", str(out_dir)] + (["--fast"] if fast else []))
    return result


def _python_child(func: str, *func_args) -> list[str]:
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from benchmarks.study_speed import {func}; "
            f"{func}(*json.loads(sys.argv[1]))")
    return [sys.executable, "-c", code, json.dumps(list(func_args))]


def _failed(step: dict) -> str:
    return f"exit {step['returncode']}: {step['stderr'].strip().splitlines()[-1] if step['stderr'].strip() else ''}"


def run_news(args, work: Path) -> dict:
    """Steps 1-3 on the news corpus."""
    from benchmarks.newscorpus import build_news_corpus

    start = time.perf_counter()
    news = build_news_corpus(work / f"news-{args.size}", args.size, random_state=args.seed)
    built_s = time.perf_counter() - start
    print(f"news corpus: {news.n_docs:,} articles, {news.n_words:,} words in {built_s:.1f} s", flush=True)
    out_dir = work / f"textlab-{args.size}"
    tl = _measure_textlab(args, news.study, out_dir, work, fast=args.textlab_fast)
    print(f"textlab analyze: {tl['wall_s']:.1f} s wall, {tl['cpu_s']:.1f} s CPU, exit {tl['returncode']}", flush=True)
    if tl["returncode"] != 0:
        return {"news": news, "built_s": built_s, "textlab": tl, "error": "textlab analyze " + _failed(tl)}
    tl["results"] = textlab_sweeps(out_dir)
    ks = tl["results"]["ks"] or list(range(3, 9))
    tokens_path = work / f"tokens-{args.size}.jsonl"
    tok = run_measured(_python_child("write_tokens", str(news.study), str(tokens_path)), timeout=args.timeout)
    print(f"tokens for the peer: {tok['wall_s']:.1f} s wall, exit {tok['returncode']}", flush=True)
    if tok["returncode"] != 0:
        return {"news": news, "built_s": built_s, "textlab": tl, "tokens": tok, "error": "tokens " + _failed(tok)}
    peer_json = work / f"peer-{args.size}.json"
    peer = run_measured(_python_child("peer_select", str(tokens_path), ks, args.sweeps, args.peer_workers,
                                      str(peer_json)), timeout=args.timeout)
    print(f"minimal peer: {peer['wall_s']:.1f} s wall, {peer['cpu_s']:.1f} s CPU, exit {peer['returncode']}", flush=True)
    if peer["returncode"] != 0:
        return {"news": news, "built_s": built_s, "textlab": tl, "tokens": tok, "peer": peer,
                "error": "peer " + _failed(peer)}
    peer["result"] = json.loads(peer_json.read_text(encoding="utf-8"))
    return {"news": news, "built_s": built_s, "textlab": tl, "tokens": tok, "peer": peer, "ks": ks}


def run_seeds(args, work: Path) -> dict:
    """Step 4: ``analyze`` and ``figures`` on the seed study, alternating, ``--repeats`` times each."""
    study = ROOT / "seeds" / "study.toml"
    runs: dict[str, list[dict]] = {"analyze": [], "figures": []}
    for i in range(args.repeats):
        for command in ("analyze", "figures"):
            step = _measure_textlab(args, study, work / f"seeds-{command}-{i}", work, command, fast=args.seeds_fast)
            print(f"seeds {command} #{i + 1}: {step['wall_s']:.1f} s wall, {step['cpu_s']:.1f} s CPU, "
                  f"exit {step['returncode']}", flush=True)
            runs[command].append(step)
    return runs


def _row(name: str, step: dict | None, ks="-", chosen="-", sweeps="-", note="") -> str:
    if step is None:
        return f"| {name} | - | - | - | - | {ks} | {chosen} | {sweeps} | {note} |"
    return (f"| {name} | {fmt(step['wall_s'])} | {fmt(step['cpu_s'])} | {fmt(step['peak_mb'], 0)} | "
            f"{fmt(step.get('tree_peak_mb'), 0)} | {ks} | {chosen} | {sweeps} | {note} |")


def _k_span(ks) -> str:
    return f"{min(ks)}–{max(ks)}" if ks else "-"


def render_news(args, news_run: dict) -> list[str]:
    news, tl = news_run["news"], news_run["textlab"]
    res = tl.get("results", {})
    counted = tl["counted"]
    lines = [f"### News corpus, {news.n_docs:,} articles", "",
             f"`python benchmarks/newscorpus.py DIR --size {args.size} --seed {args.seed}`: {news.n_docs:,} articles "
             f"of nine outlets, {news.n_words:,} words, {len(news.truth['corpus']['syndicated'])} syndicated "
             f"near-duplicates, 12 planted topics; built in {news_run['built_s']:.1f} s.", "",
             "| step | wall s | CPU s | peak RSS MB (largest process) | peak RSS MB (process tree) | K searched "
             "| K chosen | Gibbs sweeps | note |", "|---|---:|---:|---:|---:|---|---:|---:|---|"]
    recorded = res.get("recorded_sweeps")
    sweep_note = (f"counted in every process ({counted['train_calls']} train calls in {counted['processes']} "
                  f"processes); results record {fmt(recorded) if recorded is not None else 'no sweep total'}")
    lines.append(_row("textlab analyze" + (" --fast" if args.textlab_fast else " (defaults)"), tl,
                      _k_span(res.get("ks")), fmt(res.get("chosen_k")), fmt(counted["sweeps"]), sweep_note))
    tok, peer = news_run.get("tokens"), news_run.get("peer")
    if tok is not None:
        lines.append(_row("textlab tokens for the peer", tok, note="`tl.prepare_tokens` (load, clean, passages, "
                          "tokens): given to the peer, not counted in its time"))
    if peer is not None and "result" in peer:
        pr = peer["result"]
        lines.append(_row(f"minimal peer: tomotopy {args.sweeps} sweeps/K + c_npmi", peer, _k_span(news_run["ks"]),
                          fmt(pr["chosen_k"]), fmt(pr["sweeps"]),
                          f"one seed, workers={args.peer_workers}; {pr['n_docs']:,} passages, "
                          f"{pr['n_tokens']:,} tokens"))
    if "error" in news_run:
        lines += ["", f"**Failed:** {news_run['error']}"]
        return lines
    pr = peer["result"]
    lines += ["", "Peer per K: " + "; ".join(f"K={r['k']} c_npmi {r['c_npmi']:.4f} (fit {r['fit_s']:.1f} s, "
                                              f"coherence {r['coherence_s']:.1f} s)" for r in pr["rows"]), ""]
    timing = res.get("timings", {})
    if timing:
        lines += ["textlab's own step timings (provenance.json, s): "
                  + ", ".join(f"{k} {v}" for k, v in timing.items()), ""]
    lines += [f"textlab's rule: {res.get('rule', '')}", "",
              f"Sweeps by K, textlab (counted): {counted['sweeps_by_k']}", ""]
    ratio = tl["wall_s"] / peer["wall_s"]
    with_tokens = tl["wall_s"] / (peer["wall_s"] + tok["wall_s"])
    lines += ["#### Check", "",
              f"- textlab analyze / minimal peer, wall time: **{ratio:.2f}×** ({tl['wall_s']:.1f} s vs "
              f"{peer['wall_s']:.1f} s; target ≤ 2×) → {'met' if ratio <= 2 else 'NOT met'}; CPU time "
              f"{tl['cpu_s'] / peer['cpu_s']:.2f}× ({tl['cpu_s']:.1f} s vs {peer['cpu_s']:.1f} s)",
              f"- counting the peer's tokenisation too ({tok['wall_s']:.1f} s): {with_tokens:.2f}×",
              f"- K chosen: textlab {res.get('chosen_k')}, peer {pr['chosen_k']} "
              f"({'same' if res.get('chosen_k') == pr['chosen_k'] else 'different'}); planted topics: 12",
              f"- Gibbs sweeps: textlab {counted['sweeps']:,} vs peer {pr['sweeps']:,} "
              f"({counted['sweeps'] / pr['sweeps']:.1f}×)"]
    return lines


def render_seeds(seeds: dict) -> list[str]:
    lines = ["### Seed study (`seeds/study.toml`)", "",
             "| step | wall s | CPU s | peak RSS MB (largest process) | peak RSS MB (process tree) | K searched "
             "| K chosen | Gibbs sweeps | note |", "|---|---:|---:|---:|---:|---|---:|---:|---|"]
    for command, steps in seeds.items():
        for i, step in enumerate(steps):
            note = "" if step["returncode"] == 0 else _failed(step)
            lines.append(_row(f"textlab {command} seeds (run {i + 1})", step, sweeps=fmt(step["counted"]["sweeps"]),
                              note=note))
    ok = all(s["returncode"] == 0 for steps in seeds.values() for s in steps)
    if ok:
        a = statistics.median(s["wall_s"] for s in seeds["analyze"])
        f = statistics.median(s["wall_s"] for s in seeds["figures"])
        ac = statistics.median(s["cpu_s"] for s in seeds["analyze"])
        fc = statistics.median(s["cpu_s"] for s in seeds["figures"])
        lines += ["", "#### Check", "",
                  f"- textlab figures / textlab analyze on the seeds, median wall time: **{f / a:.2f}×** "
                  f"({f:.1f} s vs {a:.1f} s; target ≤ 1.5×) → {'met' if f / a <= 1.5 else 'NOT met'}; "
                  f"CPU {fc / ac:.2f}× ({fc:.1f} s vs {ac:.1f} s)"]
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=800, help="news articles (800, 3000, 20000; any n >= 9)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the news corpus")
    parser.add_argument("--sweeps", type=int, default=200, help="the peer's Gibbs sweeps per K (default 200)")
    parser.add_argument("--peer-workers", type=int, default=0,
                        help="tomotopy workers of the peer (default 0 = all cores, tomotopy's own default)")
    parser.add_argument("--textlab-fast", action="store_true", help="run `textlab analyze --fast` (smoke runs)")
    parser.add_argument("--seeds-fast", action="store_true", help="--fast for the seed-study commands too")
    parser.add_argument("--skip-news", action="store_true")
    parser.add_argument("--skip-seeds", action="store_true")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each seed-study command (median)")
    add_run_options(parser)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    argv_text = " ".join(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("TEXTLAB_PROGRESS", "0")
    info = machine()
    work = work_folder(args, "textlab-speed-")
    print(f"machine: {info['cpu']} x{info['nproc']}, load {info['load_start']}, work dir {work}", flush=True)
    news_run = None if args.skip_news else run_news(args, work)
    seeds = None if args.skip_seeds else run_seeds(args, work)
    info["load_end"] = os.getloadavg()
    lines = ["## Study speed: textlab vs the minimal peer", "",
             f"Command: `python benchmarks/study_speed.py {argv_text}`  ",
             f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}", "", *machine_lines(info), "",
             "Each step is its own process: wall time; CPU = user + system of the process and every worker it "
             "started; peak RSS of its largest process (`wait4`) and of its whole process tree (sampled every "
             "0.1 s). Gibbs sweeps are counted by a hook on `tomotopy.LDAModel.train` in every process.", ""]
    if news_run is not None:
        lines += render_news(args, news_run) + [""]
    if seeds is not None:
        lines += render_seeds(seeds) + [""]
    report = "\n".join(lines)
    print(report, flush=True)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    failed = (news_run is not None and "error" in news_run) or (
        seeds is not None and any(s["returncode"] for steps in seeds.values() for s in steps))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
