"""Keyness at full settings on large corpora: random blocks of documents vs documents as resampling units.

Two steps, each a separate process so that its peak memory is its own::

    # the first N briefs of a generated corpus, prepared once into a disk store
    python benchmarks/keyness_scale.py prepare /tmp/scale/m1m/briefs.jsonl /tmp/me/k100k --size 100000
    # the study's keyness (named pair both ways + every outlet vs the rest), full settings
    python benchmarks/keyness_scale.py run /tmp/me/k100k --max-units 1000
    python benchmarks/keyness_scale.py run /tmp/me/k100k --max-units none     # the document-unit path
    python benchmarks/keyness_scale.py run /tmp/me/k100k --max-units 1000 --dask 2
    # 1M rows without a 15-minute preparation: the 100k shards listed 10 times, doc ids suffixed
    python benchmarks/keyness_scale.py run /tmp/me/k100k --max-units 1000 --replicate 10

``run`` writes ``run-<label>.json`` (wall and CPU seconds, peak RSS of this process and of the Dask
workers, the settings, the number of key terms per comparison) and ``keyness-<label>.csv`` to the
folder; ``compare`` prints how far two runs' tables agree (key terms, z, intervals).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

CONTRAST = ("daily-ledger", "northern-courier")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(source: Path, folder: Path, size: int) -> dict:
    """Copy the first ``size`` records of ``source`` and prepare them into ``folder/cache`` (disk store)."""
    from textlab.preprocessing.pipeline import prepare_data

    folder.mkdir(parents=True, exist_ok=True)
    subset = folder / "briefs.jsonl"
    with source.open(encoding="utf-8") as src, subset.open("w", encoding="utf-8") as out:
        for i, line in enumerate(src):
            if i >= size:
                break
            out.write(line)
    start, cpu = time.perf_counter(), time.process_time()
    prepared = prepare_data(subset, store="disk", cache_dir=folder / "cache", n_jobs=2,
                            passages={"min_words": 5}, progress=False)  # fmt: skip
    info = {"size": size, "rows": int(prepared.data.store.shape[0]), "terms": int(prepared.data.store.shape[1]),
            "wall_s": round(time.perf_counter() - start, 1), "cpu_s": round(time.process_time() - cpu, 1),
            "peak_rss_mb": round(_peak_mb(), 1)}  # fmt: skip
    (folder / "prepare.json").write_text(json.dumps(info, indent=1))
    return info


def _replicate(data, times: int):
    """The same counts shards listed ``times`` times, each copy's documents renamed: cost and memory of a corpus
    ``times`` as large (its statistics are those of copies, so only timings and memory mean anything)."""
    import dataclasses

    import pandas as pd

    from textlab.store.disk import DiskStore

    store = DiskStore(data.store.folder, data.store.shards * times, data.store.lengths * times, data.store.n_terms)
    rows = pd.concat([data.rows.assign(doc_id=data.rows["doc_id"].astype(str) + f"~{i}") for i in range(times)],
                     ignore_index=True)  # fmt: skip
    return dataclasses.replace(data, rows=rows, store=store, tokens=None)


def run(folder: Path, *, max_units: int | None, n_boot: int, n_perm: int, dask: int, label: str | None,
        random_state: int = 0, replicate: int = 1) -> dict:
    """The study's keyness on the prepared corpus, timed; results and timings written to ``folder``."""
    import warnings

    from textlab.analysis.keyness_groups import score_study_keyness
    from textlab.compute import use_compute
    from textlab.store.disk import open_data

    data = open_data(folder / "cache" / "data", verify="size") if (folder / "cache" / "data").exists() \
        else open_data(folder / "cache", verify="size")
    if replicate > 1:
        data = _replicate(data, replicate)
    label = label or (f"units{max_units or 'docs'}{'-dask' + str(dask) if dask else ''}"
                      f"{'-seed' + str(random_state) if random_state else ''}{'-x' + str(replicate) if replicate > 1 else ''}")
    spec = {"scheduler": "dask", "n_workers": dask} if dask else None
    start, cpu = time.perf_counter(), time.process_time()
    worker_peaks = {}
    with use_compute(spec) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if client is not None:
            client.wait_for_workers(dask, timeout=120)
        result = score_study_keyness(data, group_column="outlet", contrast=CONTRAST, n_boot=n_boot, n_perm=n_perm,
                                     max_units=max_units, random_state=random_state)  # fmt: skip
        if client is not None:
            from textlab.compute.dask import worker_memory

            worker_peaks = {k: round(v / 2**20, 1) for k, v in worker_memory(client).items()}
    table = result.table
    info = {
        "label": label, "rows": int(data.store.shape[0]), "documents": int(data.rows["doc_id"].nunique()),
        "max_units": max_units, "random_state": random_state, "replicate": replicate, "n_boot": n_boot, "n_perm": n_perm, "dask_workers": dask,
        "wall_s": round(time.perf_counter() - start, 1), "cpu_s": round(time.process_time() - cpu, 1),
        "peak_rss_mb": round(_peak_mb(), 1), "worker_peak_rss_mb": worker_peaks,
        "comparisons": int(len(table[["group", "reference"]].drop_duplicates())),
        "terms_tested": int(len(table)), "key_terms": int(table["key"].sum()),
        "resampling_unit": sorted(table["resampling_unit"].unique().tolist()),
        "permutations_total": int(table["n_perm_run"].sum()),
        "blocks": result.params.get("blocks", {}),
    }  # fmt: skip
    table.to_csv(folder / f"keyness-{label}.csv", index=False)
    (folder / f"run-{label}.json").write_text(json.dumps(info, indent=1, default=str))
    return info


def compare(folder: Path, first: str, second: str) -> dict:
    """Agreement of two runs' tables: key terms, and the largest differences in z and interval ends."""
    import numpy as np
    import pandas as pd

    a = pd.read_csv(folder / f"keyness-{first}.csv")
    b = pd.read_csv(folder / f"keyness-{second}.csv")
    on = ["term", "group", "reference"]
    both = a.merge(b, on=on, suffixes=("_a", "_b"))
    key_a, key_b = both["key_a"].astype(bool), both["key_b"].astype(bool)
    same_rows = len(a) == len(b) and a.sort_values(on).reset_index(drop=True).equals(
        b.sort_values(on).reset_index(drop=True))
    return {
        "identical": bool(same_rows), "rows": len(both), "key_both": int((key_a & key_b).sum()), "key_only_first": int((key_a & ~key_b).sum()),
        "key_only_second": int((~key_a & key_b).sum()),
        "max_abs_z_diff": float(np.abs(both["z_a"] - both["z_b"]).max()),
        "median_ci_width_ratio": float(np.nanmedian((both["ci_high_b"] - both["ci_low_b"])
                                                   / (both["ci_high_a"] - both["ci_low_a"]))),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("source", type=Path)
    p.add_argument("folder", type=Path)
    p.add_argument("--size", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("folder", type=Path)
    r.add_argument("--max-units", default="1000")
    r.add_argument("--n-boot", type=int, default=500)
    r.add_argument("--n-perm", type=int, default=10_000)
    r.add_argument("--dask", type=int, default=0)
    r.add_argument("--label")
    r.add_argument("--random-state", type=int, default=0)
    r.add_argument("--replicate", type=int, default=1)
    c = sub.add_parser("compare")
    c.add_argument("folder", type=Path)
    c.add_argument("first")
    c.add_argument("second")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        out = prepare(args.source, args.folder, args.size)
    elif args.command == "run":
        units = None if args.max_units.lower() == "none" else int(args.max_units)
        out = run(args.folder, max_units=units, n_boot=args.n_boot, n_perm=args.n_perm, dask=args.dask,
                  label=args.label, random_state=args.random_state, replicate=args.replicate)  # fmt: skip
    else:
        out = compare(args.folder, args.first, args.second)
    print(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
