"""Lazy views of a results folder: a step's result, or one table, is read the first time it is asked for.

:func:`textlab.study.results.read_results` returns a :class:`~textlab.study.run.StudyResult`
whose ``results`` is a :class:`LazyResults` and whose ``tables`` is a :class:`LazyTables`:
read-only mappings with the same keys as a fresh run's dicts, which read nothing until a key is
looked up.  ``tables["keyness"]`` reads one Parquet file; ``results["topics"]`` rebuilds the
topics step's result (its large arrays memory-mapped).  A table read through ``tables`` and the
same field of its step's result are one object.  Tables of more than
:data:`~textlab.study.results.CSV_MAX_ROWS` rows are kept only while something holds them (a
step's result, a figure being drawn): the report draws figure after figure without holding every
million-row table at once.  A figure or the report therefore reads only
what it draws: on a million-passage study the passage-level tables (``passage_topics``,
``frames_by_passage``) are never read to draw the figures.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FolderReader", "LazyResults", "LazyTables", "step_ran", "step_params", "table_columns"]


class FolderReader:
    """One results folder's steps, read on demand and kept once read.

    Parameters
    ----------
    folder
        The results folder.
    manifest
        Its parsed ``manifest.json``.
    """

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        self.entries: dict[str, dict[str, Any]] = {e["name"]: e for e in manifest["steps"]}
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        # tables over CSV_MAX_ROWS rows are kept only while someone holds them (read again if asked after)
        self._large: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._read: list[str] = []
        self._objects: dict[str, Any] = {}
        self._params: dict[str, dict] = {}

    def step_folder(self, step: str, *parts: str) -> Path:
        """``data/<step>/<parts...>``."""
        return self.folder.joinpath("data", step, *parts)

    def table(self, step: str, name: str, folder: Path | None = None, entry: dict | None = None) -> pd.DataFrame:
        """Table ``name`` of ``step`` (of a nested result when ``folder``/``entry`` are given), read once."""
        key = (str(folder or step), name)
        table = self._tables.get(key)
        table = self._large.get(key) if table is None else table
        if table is None:
            from textlab.study.results import CSV_MAX_ROWS, _read_table

            table = _read_table(folder or self.step_folder(step), name, entry or self.entries[step])
            (self._large if len(table) > CSV_MAX_ROWS else self._tables)[key] = table
            self._read.append(f"{Path(key[0]).name}/{name}")
        return table

    def held(self, step: str, name: str) -> pd.DataFrame | None:
        """Table ``name`` of ``step`` if it has been read and is still held (by its step's result or a caller)."""
        if step in self._objects:
            return getattr(self._objects[step], name, None)
        key = (step, name)
        return self._tables.get(key) if key in self._tables else self._large.get(key)

    def object(self, step: str) -> Any:
        """The result of ``step`` (``None`` if it was skipped), rebuilt once."""
        entry = self.entries[step]
        if entry.get("skipped"):
            return None
        if step not in self._objects:
            from textlab.study.results import load_object

            from textlab.study._results_store import absolute_store

            folder = self.step_folder(step)
            value = load_object(entry, folder, read_table=lambda f, name, e: self.table(
                step, name, None if f == folder else f, e))
            params = getattr(value, "params", None)
            if isinstance(params, dict):  # a store inside the results folder is named relative to it
                resolved = absolute_store(params, self.folder)
                if resolved is not params:
                    params.update(resolved)  # the object was just built: nobody holds it yet
            self._objects[step] = value
        return self._objects[step]

    def params(self, step: str) -> dict:
        """The settings of ``step`` (from its ``params.json``; ``{}`` if skipped) without rebuilding it."""
        if step in self._objects:
            return dict(getattr(self._objects[step], "params", {}) or {})
        if self.entries[step].get("skipped"):
            return {}
        if step not in self._params:
            from textlab.study._results_store import absolute_store

            params = json.loads(self.step_folder(step, "params.json").read_text(encoding="utf-8"))
            self._params[step] = absolute_store(params, self.folder)
        return self._params[step]

    def loaded(self) -> list[str]:
        """Names of what has been read so far: step names and ``step/table`` names."""
        return [*self._objects, *dict.fromkeys(self._read)]


class LazyResults(Mapping):
    """Step name -> result, in step order, each rebuilt from the folder on first access (read-only).

    Examples
    --------
    >>> result = read_results("results")        # doctest: +SKIP
    >>> result.results.loaded()                 # nothing read yet   # doctest: +SKIP
    []
    """

    def __init__(self, reader: FolderReader) -> None:
        self._reader = reader

    def __getitem__(self, name: str) -> Any:
        if name not in self._reader.entries:
            raise KeyError(name)
        return self._reader.object(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._reader.entries)

    def __contains__(self, name: object) -> bool:  # without rebuilding the step's result
        return name in self._reader.entries

    def __len__(self) -> int:
        return len(self._reader.entries)

    def __repr__(self) -> str:
        return f"LazyResults({list(self._reader.entries)})"

    def skipped(self, name: str) -> bool:
        """Whether step ``name`` was skipped (or is absent), without reading it."""
        return name not in self._reader.entries or bool(self._reader.entries[name].get("skipped"))

    def params(self, name: str) -> dict:
        """The settings of step ``name`` without rebuilding its result."""
        return self._reader.params(name) if name in self._reader.entries else {}

    def loaded(self) -> list[str]:
        """What has been read from the folder so far (steps, and ``step/table`` for tables)."""
        return self._reader.loaded()


class LazyTables(Mapping):
    """Public table name -> table, each read from its step's Parquet file on first access (read-only)."""

    def __init__(self, reader: FolderReader) -> None:
        self._reader = reader
        self._where: dict[str, tuple[str, str]] = {}
        for step, entry in reader.entries.items():
            if entry.get("skipped"):
                continue
            written = set(entry.get("tables", []))
            for public, attribute in entry.get("public_tables", {}).items():
                if attribute in written:
                    self._where[public] = (step, attribute)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._where:
            raise KeyError(name)
        step, attribute = self._where[name]
        if step in self._reader._objects:
            return getattr(self._reader._objects[step], attribute)
        return self._reader.table(step, attribute)  # read, or the copy already held

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __contains__(self, name: object) -> bool:  # without reading the table (Mapping's own would)
        return name in self._where

    def __len__(self) -> int:
        return len(self._where)

    def __repr__(self) -> str:
        return f"LazyTables({list(self._where)})"

    def columns(self, name: str, keep: Any) -> pd.DataFrame:
        """Table ``name`` with only the columns for which ``keep(column)`` is true (read from Parquet if not held)."""
        step, attribute = self._where[name]
        held = self._reader.held(step, attribute)
        if held is not None:
            return held[[c for c in held.columns if keep(c)]]
        import pyarrow.parquet as pq

        from textlab.study.results import _read_table

        folder = self._reader.step_folder(step)
        names = [c for c in pq.ParquetFile(folder / f"{attribute}.parquet").schema_arrow.names if keep(c)]
        return _read_table(folder, attribute, self._reader.entries[step], columns=names)

    def loaded(self) -> list[str]:
        """What has been read from the folder so far."""
        return self._reader.loaded()


def table_columns(result: Any, name: str, keep: Any) -> pd.DataFrame | None:
    """Table ``name`` of a study result with only the columns ``keep(column)`` accepts (``None`` if absent).

    From a results folder only those columns are read: a million-row table's other text columns
    are never loaded.

    Examples
    --------
    >>> table_columns(read_results("results"), "passage_topics", lambda c: c.startswith("topic_"))  # doctest: +SKIP
    """
    tables = result.tables
    if name not in tables:
        return None
    if isinstance(tables, LazyTables):
        return tables.columns(name, keep)
    table = tables[name]
    return table[[c for c in table.columns if keep(c)]]


def step_ran(result: Any, name: str) -> bool:
    """Whether step ``name`` produced a result, without reading it from a results folder.

    Examples
    --------
    >>> step_ran(read_results("results"), "frames")   # doctest: +SKIP
    True
    """
    results = result.results
    if isinstance(results, LazyResults):
        return not results.skipped(name)
    return results.get(name) is not None


def step_params(result: Any, name: str) -> dict:
    """The settings (``params``) of step ``name`` (``{}`` if absent), without rebuilding it from a folder.

    Examples
    --------
    >>> step_params(read_results("results"), "frames").get("ci_level")   # doctest: +SKIP
    0.95
    """
    results = result.results
    if isinstance(results, LazyResults):
        return results.params(name)
    return dict(getattr(results.get(name), "params", None) or {})
