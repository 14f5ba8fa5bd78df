"""Results you can reload: a study's step results written as tables, arrays and JSON, and read back.

:func:`write_results` writes one folder:

* ``<table>.csv`` — every public table of every step (the names a reader opens first:
  ``keyness.csv``, ``prevalence_difference.csv`` ...), UTF-8, stable float format; a table of more
  than :data:`CSV_MAX_ROWS` rows (one row per passage or document of a large corpus) is written as
  ``<table>.parquet`` instead, and ``README.txt`` and the manifest (``large_tables``) say so;
* ``store/`` — the on-disk store of tokens and counts (large corpora, ``[compute] store = "disk"``)
  when the study set no ``[compute] cache_dir``: it travels with the results, so keyword-in-context
  and the explorer reopen the passages' tokens from the folder itself (with a ``cache_dir`` the store
  stays there and the results name it);
* ``data/<step>/`` — each step's result object, field by field: tables as Parquet (dtypes and
  floats kept exactly), arrays as ``.npy`` (saved and loaded with ``allow_pickle=False``),
  sparse matrices as their CSR arrays, nested results (e.g. the aligned LDA fits) in sub-folders,
  scalars in ``fields.json`` and the settings in ``params.json``;
* ``manifest.json`` — format version, the steps in order, each step's result type and files,
  whether the run was a quick look (``fast``) and the command that reruns it;
* ``provenance.json`` — versions, config, inputs, seeds, timings, warnings and the settings of
  every step (the union of their ``params``).

:func:`read_results` rebuilds the :class:`~textlab.study.run.StudyResult` from such a folder
without recomputing anything, so figures, the report and keyword-in-context views are drawn
in seconds.  Nothing is ever unpickled; a result type is only imported from ``textlab`` or from
a module that is already loaded (a step registered by your own code).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textlab._errors import InputFileError

__all__ = ["FORMAT", "FORMAT_VERSION", "StepResult", "write_results", "read_results", "is_results_folder",
           "save_object", "load_object", "json_safe"]

FORMAT = "textlab-results"
FORMAT_VERSION = 1

#: Public tables with more rows than this are written at the top of a results folder as Parquet only
#: (``<name>.parquet``), not CSV: a million-row CSV (one row per passage) is slow to write and read and no
#: use to a person; the Parquet file holds the same table exactly and pandas, R (arrow) and DuckDB read it.
CSV_MAX_ROWS = 100_000

#: Folder of a results folder holding the on-disk store of tokens and counts (see :func:`write_results`).
STORE_FOLDER = "store"


@dataclasses.dataclass(frozen=True)
class StepResult:
    """Generic holder for a step result whose own type cannot be imported when reading.

    Attributes
    ----------
    tables, arrays, values
        Name -> DataFrame / ndarray / JSON value, as written.
    params
        The step's settings.
    """

    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    arrays: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    params: dict = dataclasses.field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        for store in ("tables", "arrays", "values"):
            content = object.__getattribute__(self, store)
            if name in content:
                return content[name]
        raise AttributeError(name)


def json_safe(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays, tuples, sets and paths turned into plain JSON values.

    Examples
    --------
    >>> json_safe({"a": np.int64(3), "b": (1, 2), "c": np.array([0.5])})
    {'a': 3, 'b': [1, 2], 'c': [0.5]}
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [json_safe(v) for v in items]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _write_json(data: Any, path: Path) -> None:
    path.write_text(json.dumps(json_safe(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def _save_array(array: np.ndarray, path: Path) -> None:
    if array.dtype == object:
        array = array.astype(str)  # strings only: object arrays would need pickles
    np.save(path, array, allow_pickle=False)


def _is_sparse(value: Any) -> bool:
    return hasattr(value, "tocsr") and hasattr(value, "nnz")


def save_object(obj: Any, folder: Path) -> dict[str, Any]:
    """Write a dataclass result field by field into ``folder``; return its manifest entry.

    DataFrame fields become Parquet files, arrays ``.npy``, sparse matrices three ``.npy``
    arrays, nested dataclasses (or lists of them) sub-folders, JSON-able values
    ``fields.json``; ``params`` goes to ``params.json``.  Fields declared with
    ``compare=False`` (in-memory handles such as an engine's model) and values that cannot be
    written without pickling are listed as ``omitted``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cls = type(obj)
    entry: dict[str, Any] = {"type": f"{cls.__module__}:{cls.__qualname__}", "tables": [], "arrays": [],
                             "sparse": [], "children": {}, "omitted": []}
    values: dict[str, Any] = {}
    if isinstance(obj, StepResult):
        items = [*obj.tables.items(), *obj.arrays.items(), *obj.values.items()]
        params = obj.params
    else:
        items = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name != "params" and f.compare]
        entry["omitted"] = [f.name for f in dataclasses.fields(obj) if not f.compare]
        params = getattr(obj, "params", {})
    for name, value in items:
        if isinstance(value, pd.DataFrame):
            value.to_parquet(folder / f"{name}.parquet")
            entry["tables"].append(name)
            objects = [str(c) for c in value.columns if value[c].dtype == object]
            if objects:  # Parquet reads strings back as pandas' str dtype: restore object columns
                entry.setdefault("object_columns", {})[name] = objects
        elif isinstance(value, np.ndarray):
            _save_array(value, folder / f"{name}.npy")
            entry["arrays"].append(name)
        elif _is_sparse(value):
            csr = value.tocsr()
            for part in ("data", "indices", "indptr"):
                np.save(folder / f"{name}.{part}.npy", getattr(csr, part), allow_pickle=False)
            values[f"{name}.shape"] = list(csr.shape)
            entry["sparse"].append(name)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            entry["children"][name] = save_object(value, folder / name)
        elif isinstance(value, list | tuple) and value and all(dataclasses.is_dataclass(v) for v in value):
            entry["children"][name] = [save_object(v, folder / name / str(i)) for i, v in enumerate(value)]
        else:
            try:
                json.dumps(json_safe(value))
                safe = not isinstance(value, dict) or all(isinstance(k, str) for k in value)
            except (TypeError, ValueError):
                safe = False
            if safe:
                values[name] = value
            else:
                entry["omitted"].append(name)
    _write_json(values, folder / "fields.json")
    _write_json(params, folder / "params.json")
    return entry


def _resolve_type(spec: str) -> type | None:
    """The class named ``module:qualname``, if it is textlab's or its module is already loaded."""
    module_name, _, qualname = spec.partition(":")
    if module_name not in sys.modules and not module_name.startswith("textlab."):
        return None
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return None
    return target if isinstance(target, type) and dataclasses.is_dataclass(target) else None


#: Arrays larger than this are memory-mapped (read-only) when read back: the passage-topic arrays of a
#: million-passage study (5 seeds x 2 x 48 MB) then cost no memory until a figure reads them.
MMAP_BYTES = 16_000_000


def _load_array(path: Path) -> np.ndarray:
    mode = "r" if path.stat().st_size > MMAP_BYTES else None
    return np.load(path, allow_pickle=False, mmap_mode=mode)


def _read_table(folder: Path, name: str, entry: dict[str, Any], columns: list[str] | None = None) -> pd.DataFrame:
    """One table as written; text columns back as ``object`` unless the table has over :data:`CSV_MAX_ROWS` rows.

    Parquet reads text as pandas' Arrow-backed ``str`` dtype; small tables get their ``object`` columns
    back (equal to the run's, dtype and all), large ones keep ``str``: a million passage ids as Python
    objects cost ten times the memory.
    """
    table = pd.read_parquet(folder / f"{name}.parquet", columns=columns)
    if len(table) > CSV_MAX_ROWS:
        return table
    for column in entry.get("object_columns", {}).get(name, []):
        if column in table.columns and table[column].dtype != object:
            table[column] = table[column].astype(object)
    return table


def load_field(entry: dict[str, Any], folder: Path, name: str, *, read_table: Any = None) -> tuple[bool, Any]:
    """``(True, value)`` of the table, array or nested result :func:`save_object` wrote as ``name``, read alone.

    ``(False, None)`` for any other name (a scalar of ``fields.json``, a sparse matrix, a property).
    """
    if name in entry.get("tables", []):
        return True, (read_table or _read_table)(folder, name, entry)
    if name in entry.get("arrays", []):
        return True, _load_array(folder / f"{name}.npy")
    child = entry.get("children", {}).get(name)
    if isinstance(child, list):
        return True, [load_object(c, folder / name / str(i), read_table=read_table) for i, c in enumerate(child)]
    if child is not None:
        return True, load_object(child, folder / name, read_table=read_table)
    return False, None


def load_object(entry: dict[str, Any], folder: Path, *, read_table: Any = None) -> Any:
    """Rebuild the object :func:`save_object` wrote (a :class:`StepResult` if its type is unknown).

    ``read_table(folder, name, entry)`` reads one table (default: the Parquet file; a results
    folder read lazily passes its own, so a table read before its step is not read twice).
    """
    tables = {name: load_field(entry, folder, name, read_table=read_table)[1] for name in entry.get("tables", [])}
    arrays = {name: load_field(entry, folder, name)[1] for name in entry.get("arrays", [])}
    values = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    for name in entry.get("sparse", []):
        import scipy.sparse as sp

        parts = [np.load(folder / f"{name}.{p}.npy", allow_pickle=False) for p in ("data", "indices", "indptr")]
        arrays[name] = sp.csr_matrix(tuple(parts), shape=tuple(values.pop(f"{name}.shape")))
    children = {name: load_field(entry, folder, name, read_table=read_table)[1] for name in entry.get("children", {})}
    cls = _resolve_type(entry.get("type", ""))
    if cls is None or cls is StepResult:
        return StepResult(tables=tables, arrays={**arrays, **children}, values=values, params=params)
    given = {**tables, **arrays, **children, **values}
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name == "params":
            kwargs["params"] = params
        elif f.name in given:
            kwargs[f.name] = given[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs[f.name] = None  # written as omitted (e.g. an in-memory handle)
    return cls(**kwargs)


def is_results_folder(path: str | Path) -> bool:
    """``True`` if ``path`` is a folder written by :func:`write_results`."""
    return (Path(path) / "manifest.json").is_file()


def write_results(result: Any, out_dir: str | Path) -> Path:
    """Write a study result (every step's tables, arrays and settings) into ``out_dir``, atomically.

    Parameters
    ----------
    result
        A :class:`~textlab.study.run.StudyResult`.
    out_dir
        Folder to create or replace (only a folder textlab wrote is replaced). It is built
        under a temporary name and swapped into place when complete.

    Returns
    -------
    pathlib.Path
        ``out_dir``; :func:`read_results` reads it back.

    Examples
    --------
    >>> result = run_study("seeds/study.toml", fast=True)   # doctest: +SKIP
    >>> again = read_results(write_results(result, "results"))  # doctest: +SKIP
    >>> again.tables["keyness"].equals(result.tables["keyness"])  # doctest: +SKIP
    True
    """
    from textlab._io import atomic_directory, study_inputs
    from textlab.study._results_writer import ResultsWriter

    out_dir = Path(out_dir)
    with atomic_directory(out_dir, inputs=study_inputs(result.config)) as tmp:
        writer = ResultsWriter(result.config, tmp, out_dir.name)
        for step_name in result.results:
            writer.add_step(step_name, result.results[step_name])
        writer.finish(result, json_safe(result.provenance))
    return out_dir


def _config_from_manifest(data: dict[str, Any]) -> Any:
    from textlab.study.config import StudyConfig

    names = {f.name for f in dataclasses.fields(StudyConfig)}
    kwargs = {k: v for k, v in data.items() if k in names}
    for key in ("corpus_path", "source"):
        if kwargs.get(key) is not None:
            kwargs[key] = Path(kwargs[key])
    for key in ("contrast", "clean_disable", "clean_patterns", "n_topics_range", "selection_random_states",
                "stability_random_states", "figure_formats", "report_caveats"):
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    return StudyConfig(**kwargs)


def read_results(path: str | Path) -> Any:
    """Read a results folder written by :func:`write_results` (``textlab analyze``), without recomputing.

    Parameters
    ----------
    path
        The results folder.

    Returns
    -------
    StudyResult
        The study's step results, tables, provenance and config; the in-memory objects that are
        not written (the document-term matrix, engine models) are ``None``. Nothing is read until
        asked for: ``results`` and ``tables`` are read-only mappings
        (:class:`~textlab.study._results_lazy.LazyResults`, ``LazyTables``) that read a step's
        result, or one table, on first access, so a figure reads only what it draws.

    Raises
    ------
    InputFileError
        If ``path`` is not a results folder or was written by an incompatible version.

    Examples
    --------
    >>> result = read_results("results")            # doctest: +SKIP
    >>> result.tables["prevalence_difference"]      # doctest: +SKIP
    """
    from textlab.study.run import StudyResult

    folder = Path(path).expanduser()
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise InputFileError(folder, "not a textlab results folder (no manifest.json); write one with "
                                     "`textlab analyze STUDY.toml --out FOLDER`")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise InputFileError(manifest_path, f"format {manifest.get('format')!r} version {manifest.get('version')!r} "
                                            f"is not readable by this textlab (expects {FORMAT!r} version "
                                            f"{FORMAT_VERSION}); rerun `{manifest.get('rerun', 'textlab analyze')}`")
    from textlab.study._results_lazy import FolderReader, LazyResults, LazyTables

    reader = FolderReader(folder, manifest)
    provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    return StudyResult(config=_config_from_manifest(manifest["config"]), results=LazyResults(reader),
                       provenance=provenance, tables=LazyTables(reader), source=folder)
