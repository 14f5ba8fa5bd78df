"""Writing a results folder step by step, and step results that live in it.

:class:`ResultsWriter` fills the temporary folder of :func:`textlab.study.results.write_results`:
``add_step`` writes one step's result under ``data/<step>/`` and ``finish`` writes the public
tables (CSV, or Parquet only above :data:`~textlab.study.results.CSV_MAX_ROWS` rows), the store,
``provenance.json`` and ``manifest.json``.  ``write_results`` calls them for a finished study;
:func:`textlab.study.run.run_study` with ``out=`` calls ``add_step`` as each step finishes and
keeps, in place of the step's result, a :class:`SpilledResult` that reads it back from the folder
when a later step asks.  A large study then holds one step's tables at a time, not all of them.
"""

from __future__ import annotations

import json
import os
import shutil
import weakref
from pathlib import Path
from typing import Any

__all__ = ["ResultsWriter", "SpilledResult"]


class SpilledResult:
    """A step's result written to a results folder, read back from it attribute by attribute.

    ``value.params`` reads ``params.json``; a table, array or nested result is read alone (tables
    from Parquet, large arrays memory-mapped: ``topics.fits`` reads the fits, not the topics' tables);
    any other attribute rebuilds the result (:func:`~textlab.study.results.load_object`) and is taken
    from it.  The rebuilt object is held only while something else holds it.

    Parameters
    ----------
    entry
        The step's manifest entry (from :func:`~textlab.study.results.save_object`).
    folder
        The step's folder (``data/<step>``).

    Examples
    --------
    >>> writer = ResultsWriter(config, tmp)              # doctest: +SKIP
    >>> spilled = writer.add_step("frames", frames)       # doctest: +SKIP
    >>> spilled.by_group.equals(frames.by_group)          # doctest: +SKIP
    True
    """

    __slots__ = ("_entry", "_folder", "_ref", "__weakref__")

    def __init__(self, entry: dict[str, Any], folder: Path) -> None:
        self._entry, self._folder = entry, Path(folder)
        self._ref: Any = None

    def load(self) -> Any:
        """The rebuilt result (the one already held elsewhere, if any)."""
        from textlab.study.results import load_object

        value = self._ref() if self._ref is not None else None
        if value is None:
            value = load_object(self._entry, self._folder)
            try:
                self._ref = weakref.ref(value)
            except TypeError:  # a type without weak references: rebuilt on every access
                self._ref = None
        return value

    @property
    def params(self) -> dict[str, Any]:
        """The step's settings (its ``params.json``), without rebuilding the result."""
        return json.loads((self._folder / "params.json").read_text(encoding="utf-8"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._ref() if self._ref is not None else None
        if value is None:  # one field read alone: ``topics.fits`` reads the fits, not the topics' tables
            from textlab.study.results import load_field

            found, field = load_field(self._entry, self._folder, name)
            if found:
                return field
            value = self.load()
        return getattr(value, name)

    def __repr__(self) -> str:
        return f"SpilledResult({self._entry.get('type', '?')}, {self._folder})"


class ResultsWriter:
    """The contents of one results folder, written step by step into ``tmp`` (its temporary name).

    Parameters
    ----------
    config
        The study's :class:`~textlab.study.config.StudyConfig`.
    tmp
        The temporary folder (from :func:`textlab._io.atomic_directory`).
    name
        The results folder's final name (for the rerun command in the manifest).
    """

    def __init__(self, config: Any, tmp: Path, name: str) -> None:
        from textlab.study.results import FORMAT, FORMAT_VERSION
        from textlab.study.steps import STEPS

        self.config, self.tmp = config, Path(tmp)
        self.manifest: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION, "fast": bool(config.fast),
                                         "rerun": config.rerun_command("analyze", name), "steps": [],
                                         "config": config.to_dict()}
        self._public = {step.name: dict(step.tables) for step in STEPS}
        self._rows: dict[str, int] = {}  # public table -> rows, of the tables over CSV_MAX_ROWS (Parquet only)

    def add_step(self, name: str, value: Any) -> SpilledResult | None:
        """Write step ``name``'s result (``None``: skipped) under ``data/<name>`` and its public tables.

        A public table of up to :data:`~textlab.study.results.CSV_MAX_ROWS` rows is written as
        ``<table>.csv`` now, from the table in memory; a larger one is linked at :meth:`finish`.
        Returns the result as stored (a :class:`SpilledResult`), or ``None`` for a skipped step.
        """
        from textlab._io import write_csv
        from textlab.study.results import CSV_MAX_ROWS, save_object

        entry: dict[str, Any] = {"name": name, "skipped": value is None, "public_tables": self._public.get(name, {})}
        if value is not None:
            entry.update(save_object(value, self.tmp / "data" / name))
        self.manifest["steps"] = [e for e in self.manifest["steps"] if e["name"] != name] + [entry]
        for public, field in self._public_of(entry):
            table, csv = getattr(value, field), self.tmp / f"{public}.csv"
            self._rows.pop(public, None)
            csv.unlink(missing_ok=True)  # a step written again (a later step replaced its result)
            if len(table) > CSV_MAX_ROWS:
                self._rows[public] = len(table)
            else:
                write_csv(table, csv, for_people=True)  # no spreadsheet formulas; the Parquet copy is exact
        return None if value is None else SpilledResult(entry, self.tmp / "data" / name)

    def finish(self, result: Any, provenance: dict[str, Any]) -> None:
        """Link the large public tables, write the store, ``provenance.json`` and ``manifest.json`` (every step added)."""
        from textlab._io import write_json
        from textlab.study._results_store import travel_store

        order = {name: i for i, name in enumerate(result.results)}  # step order, whenever each was written
        self.manifest["steps"].sort(key=lambda e: order.get(e["name"], len(order)))
        self._link_large_tables({public: self._rows[public] for public, _, _ in self._public_tables()
                                 if public in self._rows})
        travel_store(result, self.tmp, provenance)
        write_json(provenance, self.tmp / "provenance.json")
        write_json(self.manifest, self.tmp / "manifest.json")

    def _public_of(self, entry: dict[str, Any]) -> list[tuple[str, str]]:
        """``(public name, field)`` of the tables step ``entry`` wrote (every table of an unregistered read-back step)."""
        written = entry.get("tables", [])
        if entry["name"] not in self._public and entry.get("type", "").endswith(":StepResult"):
            return [(t, t) for t in written]
        return [(p, f) for p, f in entry.get("public_tables", {}).items() if f in written]

    def _public_tables(self) -> list[tuple[str, str, str]]:
        """``(public name, step, field)`` of every table written by a step, in step order."""
        return [(p, e["name"], f) for e in self.manifest["steps"] for p, f in self._public_of(e)]

    def _link_large_tables(self, large: dict[str, int]) -> None:
        """``<name>.parquet`` at the top of the folder for each table over CSV_MAX_ROWS rows (+ README.txt)."""
        if not large:
            return
        from textlab.study._results_store import large_tables_readme
        from textlab.study.results import CSV_MAX_ROWS

        where = {public: (step, field) for public, step, field in self._public_tables()}
        for name in large:
            step, field = where[name]
            source, target = self.tmp / "data" / step / f"{field}.parquet", self.tmp / f"{name}.parquet"
            try:  # the step's own Parquet file: one more name for it, no second copy
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
        self.manifest["large_tables"] = {"max_csv_rows": CSV_MAX_ROWS,
                                         "tables": {n: {"rows": r, "file": f"{n}.parquet"} for n, r in large.items()}}
        (self.tmp / "README.txt").write_text(large_tables_readme(large, CSV_MAX_ROWS), encoding="utf-8")
