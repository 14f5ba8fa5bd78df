"""The on-disk store travels with its results folder; large tables are Parquet only (and say why).

A study on the disk store (``[compute] store = "disk"``, or ``"auto"`` on a large corpus) keeps
its passages' tokens and counts in Parquet shards; a results folder needs them to reopen the
tokens (keyword-in-context, the explorer).  Without ``[compute] cache_dir`` those shards were
built in a temporary folder: :func:`travel_store` puts them inside the results folder
(``store/``, hard links where the file system allows, else a copy) and records the folder
relative to the results, so the results can be moved, copied or archived whole.  With a
``cache_dir`` the store stays there and the results name it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

__all__ = ["travel_store", "absolute_store", "large_tables_readme"]


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def travel_store(result: Any, tmp: Path, provenance: dict[str, Any]) -> Path | None:
    """Put the study's disk store inside the results folder being written (``tmp``); return where, or ``None``.

    Nothing is done in memory, for a counts-only corpus, or when ``[compute] cache_dir`` is set (the
    store stays in the cache and ``params["store"]["data_folder"]`` names it).  Otherwise the
    store's files are linked (or copied) into ``tmp/store`` and ``data_folder`` becomes ``"store"``
    (relative to the results folder) in ``data/corpus/params.json`` and ``provenance.json``.

    Examples
    --------
    >>> travel_store(run_study("big/study.toml"), Path("results.tmp"), {})   # doctest: +SKIP
    PosixPath('results.tmp/store')
    """
    from textlab.study.results import STORE_FOLDER

    if getattr(result.config, "cache_dir", None) is not None or "corpus" not in result.results:
        return None
    corpus = result.results["corpus"]
    store = dict((getattr(corpus, "params", None) or {}).get("store") or {})
    folder = store.get("data_folder")
    if corpus is None or store.get("used") != "disk" or not folder or not Path(folder).is_dir():
        return None
    target = tmp / STORE_FOLDER
    shutil.copytree(folder, target, copy_function=_link_or_copy)
    params_path = tmp / "data" / "corpus" / "params.json"
    params = json.loads(params_path.read_text(encoding="utf-8"))
    params["store"] = {**params.get("store", {}), "data_folder": STORE_FOLDER, "cache_dir": None}
    params_path.write_text(json.dumps(params, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    step = provenance.get("steps", {}).get("corpus")
    if isinstance(step, dict) and isinstance(step.get("store"), dict):
        step["store"] = {**step["store"], "data_folder": STORE_FOLDER, "cache_dir": None}
    return target


def absolute_store(params: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``params`` with a relative ``store.data_folder`` made absolute against the results ``folder``.

    Examples
    --------
    >>> absolute_store({"store": {"data_folder": "store"}}, Path("/r"))["store"]["data_folder"]
    '/r/store'
    """
    store = params.get("store")
    if not isinstance(store, dict) or not store.get("data_folder") or Path(store["data_folder"]).is_absolute():
        return params
    return {**params, "store": {**store, "data_folder": str(folder / store["data_folder"])}}


def large_tables_readme(large: dict[str, int], max_rows: int) -> str:
    """The ``README.txt`` of a results folder whose largest tables are Parquet only.

    Examples
    --------
    >>> print(large_tables_readme({"passage_topics": 1_000_000}, 100_000).splitlines()[0])
    Tables of more than 100,000 rows are written as Parquet only, not CSV:
    """
    lines = [f"Tables of more than {max_rows:,} rows are written as Parquet only, not CSV:"]
    lines += [f"  {name}.parquet  ({rows:,} rows)" for name, rows in sorted(large.items())]
    lines += ["A CSV of a million rows is slow to write and to open and no use to read by eye; the Parquet file",
              "holds the same table exactly. Read it with pandas.read_parquet, R's arrow::read_parquet, DuckDB,",
              "or textlab.read_results(folder).tables[name]. Every other table is a CSV beside this file."]
    return "\n".join(lines) + "\n"
