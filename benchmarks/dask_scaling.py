"""One process vs a 2-worker Dask cluster on the same news corpus, side by side, at growing sizes.

For each size the corpus is prepared (read, clean with the audit, passages, tokenise with
aliases and phrases, count into the on-disk store) and summed per outlet, once in one
process and once on a ``distributed.LocalCluster`` of 2 worker processes (one thread each),
each configuration in its own child process.  Reported per run: wall time, CPU seconds of the
driver and of each worker, peak resident memory of the driver and of each worker, and a
digest of every output (counts, rows, tokens, audit, per-outlet sums) - the two digests of a
size must be identical.  Then the per-document cost as the corpus grows, and a paper estimate
of a 50M-document run on N workers from the measured per-document costs.

The corpus: the first ``--base`` articles of :mod:`benchmarks.newscorpus` (headline furniture,
bylines, syndicated copies), cut to ``--chars`` characters, cycled with new ids up to each
size (generating 200,000 distinct articles takes longer than preparing them).

Usage::

    python benchmarks/dask_scaling.py --sizes 20000 200000 --workdir /tmp/dask_scaling --out results.md

With ``--study STUDY.toml [--fast] [--store disk]`` it runs the *study* instead:
``textlab analyze`` on a copy of the study file (absolute input paths) on one process and with
``[compute] scheduler = "dask", n_workers = 2``, and reports wall time, CPU of the process tree, peak memory
and CPU of the driver and of each worker (from /proc: the kernel's peak, ``VmHWM``), wall time per step, the SHA-256 of every
results table, and a 50M paper estimate::

    python benchmarks/dask_scaling.py --study /tmp/scale/m1m/study.toml --fast --store disk --workdir /tmp/dask1m

Needs ``textlab[dask]``.  Children are started with ``subprocess`` (the ``__main__`` guard below is
what a script starting a LocalCluster needs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(path: Path, n_docs: int, *, base: int, chars: int, base_file: Path) -> Path:
    """``n_docs`` articles: the first ``base`` generated ones (cut to ``chars``), cycled with new ids."""
    if not base_file.exists():
        sys.path.insert(0, str(ROOT))
        from benchmarks.newscorpus import generate_articles

        tmp = base_file.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for a in generate_articles(base, random_state=0):
                record = {k: a[k] for k in ("doc_id", "outlet", "date", "title")}
                handle.write(json.dumps({**record, "text": a["text"][:chars]}) + "\n")
        tmp.replace(base_file)
    if path.exists():
        return path
    records = [json.loads(line) for line in base_file.read_text(encoding="utf-8").splitlines()]
    width = len(str(n_docs - 1))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for i in range(n_docs):
            record = records[i % len(records)]
            handle.write(json.dumps({**record, "doc_id": f"d{i:0{width}d}"}) + "\n")
    tmp.replace(path)
    return path


def _digest(prepared, by_outlet) -> dict:
    data = prepared.data
    out = {}
    h = hashlib.sha256()
    for _, block in data.store.iter_blocks(50_000):
        for array in (block.data, block.indices, block.indptr[1:] - block.indptr[:-1]):
            h.update(array.astype("int64").tobytes())
    out["counts"] = h.hexdigest()[:16]
    out["rows"] = hashlib.sha256(data.rows[["passage_id", "doc_id"]].to_csv(index=False).encode()).hexdigest()[:16]
    h = hashlib.sha256()
    for tokens in data.tokens:
        h.update(" ".join(tokens).encode() + b"\n")
    out["tokens"] = h.hexdigest()[:16]
    out["audit"] = hashlib.sha256(prepared.audit_table().to_csv(index=False).encode()).hexdigest()[:16]
    sums = by_outlet.counts
    out["group_sums"] = hashlib.sha256(sums.data.tobytes() + sums.indices.tobytes() + sums.indptr.tobytes()
                                       ).hexdigest()[:16]
    return out


def _peak_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(mode: str, corpus: Path, cache: Path) -> dict:
    """Prepare ``corpus`` and sum it per outlet in this process (``mode="local"``) or on a 2-worker cluster."""
    os.environ["TEXTLAB_PROGRESS"] = "0"
    from textlab.compute import use_compute
    from textlab.preprocessing.pipeline import prepare_data
    from textlab.store.aggregate import aggregate

    spec = {"scheduler": "local"} if mode == "local" else {"scheduler": "dask", "n_workers": 2}
    started = time.perf_counter()
    with use_compute(spec) as client:
        if client is not None:
            from textlab.compute.dask import warm_up

            client.wait_for_workers(2)
            warm_up(client)
            base_cpu = client.run(_cpu_seconds)
        up = time.perf_counter() - started
        t0, c0 = time.perf_counter(), _cpu_seconds()
        prepared = prepare_data(corpus, store="disk", cache_dir=cache, n_jobs=1, progress=False)
        by_outlet = aggregate(prepared.data, "outlet")
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        workers = {}
        if client is not None:
            from textlab.compute.dask import worker_memory

            peaks = worker_memory(client)
            cpus = client.run(_cpu_seconds)
            workers = {addr: {"peak_mb": round(peaks[addr] / 2**20), "cpu_s": round(cpus[addr] - base_cpu[addr], 1)}
                       for addr in peaks}
    return {"mode": mode, "n_docs": int(len(prepared.documents)), "n_passages": int(prepared.data.shape[0]),
            "n_terms": int(prepared.data.shape[1]), "startup_s": round(up, 2), "wall_s": round(wall, 2),
            "driver_cpu_s": round(cpu, 1), "driver_peak_mb": round(_peak_bytes() / 2**20), "workers": workers,
            "digest": _digest(prepared, by_outlet)}


def _child(mode: str, corpus: Path, workdir: Path) -> dict:
    cache = workdir / f"cache-{mode}-{corpus.stem}"
    shutil.rmtree(cache, ignore_errors=True)
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(corpus), str(cache)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    shutil.rmtree(cache, ignore_errors=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def estimate(rows: list[dict], n_docs: int = 50_000_000, workers: tuple[int, ...] = (2, 16, 64, 256)) -> list[str]:
    """Paper estimate from the largest size: the driver's per-document cost is serial, the workers' divides by N."""
    local = max((r for r in rows if r["mode"] == "local"), key=lambda r: r["n_docs"])
    dask = max((r for r in rows if r["mode"] == "dask"), key=lambda r: r["n_docs"])
    driver = dask["driver_cpu_s"] / dask["n_docs"]
    worker = sum(w["cpu_s"] for w in dask["workers"].values()) / dask["n_docs"]
    one = local["driver_cpu_s"] / local["n_docs"]
    lines = [f"Per document (at {dask['n_docs']:,}): one process {one * 1e3:.2f} ms CPU; on the cluster the driver "
             f"{driver * 1e3:.2f} ms (read, phrase learning, writing shards, counting) and the workers "
             f"{worker * 1e3:.2f} ms (clean, passages, tokenise).", "",
             "| workers N | driver (serial) | workers (÷ N) | estimated wall for 50M documents |", "|---|---|---|---|"]
    for n in workers:
        d, w = driver * n_docs, worker * n_docs / n
        lines.append(f"| {n} | {d / 3600:.1f} h | {w / 3600:.1f} h | {max(d, w) / 3600:.1f} h "
                     f"(one process: {one * n_docs / 3600:.1f} h) |")
    return lines


def report(rows: list[dict], args) -> str:
    load = os.getloadavg()
    lines = ["## Dask: one process vs a 2-worker LocalCluster (`benchmarks/dask_scaling.py`)", "",
             "Startup (cluster up, workers' imports) is not in the wall times; worker CPU counts the work only.", "",
             f"Command: `python benchmarks/dask_scaling.py --sizes {' '.join(map(str, args.sizes))} --base {args.base} "
             f"--chars {args.chars}`  ", f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}; "
             f"{os.cpu_count()} cores; Python {platform.python_version()}; load average at the end "
             f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}", "",
             "| documents | passages | run | wall s | per doc ms | driver CPU s | driver peak MB | "
             "workers: peak MB, CPU s | identical |", "|---|---|---|---|---|---|---|---|---|"]
    by_size: dict[int, list[dict]] = {}
    for r in rows:
        by_size.setdefault(r["n_docs"], []).append(r)
    for size, pair in sorted(by_size.items()):
        same = len({json.dumps(r["digest"], sort_keys=True) for r in pair}) == 1
        for r in pair:
            w = "; ".join(f"{v['peak_mb']} MB, {v['cpu_s']} s" for v in r["workers"].values()) or "-"
            lines.append(f"| {size:,} | {r['n_passages']:,} | {r['mode']} | {r['wall_s']} | "
                         f"{r['wall_s'] / size * 1e3:.2f} | {r['driver_cpu_s']} | {r['driver_peak_mb']} | {w} | "
                         f"{'yes' if same else 'NO'} |")
    lines += ["", *estimate(rows), ""]
    return "\n".join(lines)


# --- the study side by side: ``textlab analyze`` on one process vs a 2-worker cluster -----------------
def study_copy(study: Path, out: Path, mode: str, store: str | None = None) -> Path:
    """``study`` with absolute input paths, ``[compute] store`` when given, and for ``mode="dask"``
    ``scheduler = "dask", n_workers = 2``."""
    import re

    text = study.read_text(encoding="utf-8")
    for key in ("path", "codebook"):
        text = re.sub(rf'^({key}\s*=\s*)"([^"]+)"', lambda m: f'{m.group(1)}"{(study.parent / m.group(2)).resolve()}"',
                      text, flags=re.M)
    text = re.sub(r'^(scheduler|n_workers|address)\s*=.*$', "", text, flags=re.M)
    if store is not None:
        text = re.sub(r'^store\s*=.*$', "", text, flags=re.M)
    if mode == "dask" or store is not None:
        extra = ('scheduler = "dask"\nn_workers = 2\n' if mode == "dask" else "") + (
            f'store = "{store}"\n' if store is not None else "")
        text = text.replace("[compute]\n", "[compute]\n" + extra) if "[compute]\n" in text else (
            text + "\n[compute]\n" + extra)
    out.write_text(text, encoding="utf-8")
    return out


def _proc_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _sample(pid: int) -> tuple[int, float, str] | None:
    """``(peak rss bytes, cpu seconds, command line)`` of a live process.

    The peak is the kernel's high-water mark (``VmHWM``), so a spike between two samples is not
    missed; the current RSS where ``/proc/PID/status`` has no ``VmHWM``.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmd = handle.read().replace(b"\0", b" ").decode(errors="replace")
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            hwm = [int(line.split()[1]) * 1024 for line in handle if line.startswith("VmHWM:")]
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    peak = hwm[0] if hwm else int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return peak, (int(fields[11]) + int(fields[12])) / tick, cmd



def _count_documents(results: Path) -> int:
    """Documents of a results folder: ``documents.csv``, or the Parquet-only table above 100,000 rows."""
    if (results / "documents.parquet").exists():
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(results / "documents.parquet").metadata.num_rows)
    if (results / "documents.csv").exists():
        return sum(1 for _ in (results / "documents.csv").open(encoding="utf-8")) - 1
    return 0


def run_study(mode: str, study: Path, workdir: Path, fast: bool, store: str | None = None) -> dict:
    """``textlab analyze`` of a copy of ``study`` (one process or a 2-worker LocalCluster), its process tree sampled."""
    import threading

    copy = study_copy(study, workdir / f"study-{mode}.toml", mode, store)
    out = workdir / f"results-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(Path(sys.executable).with_name("textlab")), "analyze", str(copy), "--out", str(out)]
    command += ["--fast"] if fast else []
    procs: dict[int, dict] = {}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with (workdir / f"analyze-{mode}.log").open("w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
                                 env={**os.environ, "TEXTLAB_PROGRESS": "0"})
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                for pid in _proc_tree(child.pid):
                    got = _sample(pid)
                    if got is not None:
                        old = procs.setdefault(pid, {"peak": 0, "cpu": 0.0, "cmd": got[2]})
                        old["peak"], old["cpu"] = max(old["peak"], got[0]), max(old["cpu"], got[1])
                stop.wait(0.5)

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        code = child.wait()
        stop.set()
        thread.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise SystemExit(f"textlab analyze ({mode}) exited with {code}; see {workdir / f'analyze-{mode}.log'}")
    driver = procs.get(child.pid, {"peak": 0, "cpu": 0.0})
    workers = {str(pid): {"peak_mb": round(p["peak"] / 2**20), "cpu_s": round(p["cpu"], 1)}
               for pid, p in procs.items() if pid != child.pid and "resource_tracker" not in p["cmd"]
               and p["cpu"] >= 1.0}
    tables = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted(out.glob("*.csv"))}
    n_docs = _count_documents(out)
    try:
        steps = json.loads((out / "provenance.json").read_text(encoding="utf-8")).get("timings_seconds", {})
    except (OSError, ValueError):
        steps = {}
    return {"mode": mode, "n_docs": n_docs, "wall_s": round(wall, 1), "steps_s": steps,
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "driver_cpu_s": round(driver["cpu"], 1), "driver_peak_mb": round(driver["peak"] / 2**20),
            "workers": workers, "tables": tables}


def study_report(rows: list[dict], study: Path, fast: bool, store: str | None = None) -> str:
    """Markdown: one row per run, then which results tables differ (by SHA-256 of the CSV)."""
    load = os.getloadavg()
    lines = ["## Dask: the study on one process vs a 2-worker LocalCluster (`benchmarks/dask_scaling.py --study`)", "",
             f"Command: `python benchmarks/dask_scaling.py --study {study}{' --fast' if fast else ''}`"
             f"{f' (store: {store})' if store else ''}  ",
             f"Date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}; {os.cpu_count()} cores; load average "
             f"at the end {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}. CPU s: the analyze command and every process "
             "it started (reaped); driver and workers sampled from /proc every 0.5 s (peak: VmHWM).", "",
             "| documents | run | wall s | CPU s (all) | per doc ms CPU | driver CPU s | driver peak MB | "
             "workers: peak MB, CPU s |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        w = "; ".join(f"{v['peak_mb']} MB, {v['cpu_s']} s" for v in r["workers"].values()) or "-"
        lines.append(f"| {r['n_docs']:,} | {r['mode']} | {r['wall_s']} | {r['cpu_s']} | "
                     f"{r['cpu_s'] / max(r['n_docs'], 1) * 1e3:.2f} | {r['driver_cpu_s']} | {r['driver_peak_mb']} | {w} |")
    if len(rows) == 2:
        a, b = rows[0]["tables"], rows[1]["tables"]
        same = sorted(t for t in a if b.get(t) == a[t])
        differ = sorted(t for t in set(a) | set(b) if a.get(t) != b.get(t))
        lines += ["", f"Identical results tables (SHA-256 of the CSV): {len(same)} of {len(set(a) | set(b))}"
                  + (f"; differing: {', '.join(differ)}" if differ else " (all).")]
    steps = sorted({k for r in rows for k in r.get("steps_s", {}) if k != "total"})
    if steps:
        lines += ["", "Wall seconds per step (provenance):", "",
                  "| documents | run | " + " | ".join(steps) + " |", "|---|---|" + "---|" * len(steps)]
        lines += [f"| {r['n_docs']:,} | {r['mode']} | " + " | ".join(f"{r['steps_s'].get(k, 0):.1f}" for k in steps)
                  + " |" for r in rows]
    dask = [r for r in rows if r["mode"] == "dask" and r["n_docs"]]
    local = [r for r in rows if r["mode"] == "local" and r["n_docs"]]
    if dask:
        lines += ["", *study_estimate(dask[-1], local[-1] if local else None)]
    return "\n".join(lines) + "\n"


def study_estimate(dask: dict, local: dict | None, n_docs: int = 50_000_000,
                   workers: tuple[int, ...] = (2, 16, 64, 256)) -> list[str]:
    """Paper estimate of a study on ``n_docs`` documents: the driver's CPU per document is serial, the workers' ÷ N.

    Linear in documents (the per-document cost measured at this size); the topic-model fits on
    a fixed-size sample do not grow with the corpus, so this over-states them.
    """
    driver = dask["driver_cpu_s"] / dask["n_docs"]
    work = sum(w["cpu_s"] for w in dask["workers"].values()) / dask["n_docs"]
    lines = [f"Study per document (at {dask['n_docs']:,}, CPU): driver {driver * 1e3:.2f} ms, workers "
             f"{work * 1e3:.2f} ms" + (f"; one process (with its own child processes) "
                                       f"{local['cpu_s'] / local['n_docs'] * 1e3:.2f} ms" if local else "") + ".", "",
             "| workers N | driver (serial) | workers (÷ N) | estimated wall for 50M documents |", "|---|---|---|---|"]
    for n in workers:
        d, w = driver * n_docs, work * n_docs / n
        lines.append(f"| {n} | {d / 3600:.1f} h | {w / 3600:.1f} h | {max(d, w) / 3600:.1f} h |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--base", type=int, default=5_000, help="distinct generated articles, cycled")
    parser.add_argument("--chars", type=int, default=1_500, help="characters kept of each article")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/textlab-dask-scaling"))
    parser.add_argument("--out", type=Path, default=None, help="append the Markdown section here")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CORPUS", "CACHE"), help=argparse.SUPPRESS)
    parser.add_argument("--study", type=Path, default=None,
                        help="run this study file (textlab analyze) on one process and on a 2-worker cluster")
    parser.add_argument("--fast", action="store_true", help="with --study: textlab analyze --fast")
    parser.add_argument("--modes", nargs="+", default=["local", "dask"], help="with --study: which runs")
    parser.add_argument("--store", choices=["auto", "memory", "disk"], default=None,
                        help="with --study: set [compute] store (the disk store is what a cluster shards)")
    args = parser.parse_args(argv)
    if args.study is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        rows = []
        for mode in args.modes:
            rows.append(run_study(mode, args.study.resolve(), args.workdir, args.fast, args.store))
            print(json.dumps(rows[-1]), flush=True)
        text = study_report(rows, args.study, args.fast, args.store)
        print(text)
        (args.workdir / "study-rows.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
        if args.out is not None:
            with args.out.open("a", encoding="utf-8") as handle:
                handle.write("\n" + text)
        return 0
    if args.child:
        print(json.dumps(run_one(args.child[0], Path(args.child[1]), Path(args.child[2]))))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    base_file = args.workdir / f"base-{args.base}-{args.chars}.jsonl"
    rows = []
    for size in args.sizes:
        corpus = build_corpus(args.workdir / f"news-{size}-{args.chars}.jsonl", size, base=args.base,
                              chars=args.chars, base_file=base_file)
        for mode in ("local", "dask"):
            rows.append(_child(mode, corpus, args.workdir))
            print(json.dumps(rows[-1]), flush=True)
    text = report(rows, args)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)
    (args.workdir / "rows.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
