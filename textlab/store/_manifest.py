"""The manifest of a data folder: textlab's own file names, writing files with their SHA-256, checking a folder.

See :mod:`textlab.store.disk` for the folder layout.  A folder is accepted only when its
``manifest.json`` is a ``textlab-data`` manifest listing at least one file, every file in
the folder is listed, every listed name is one of textlab's own, and every listed file is a
regular file (not a link) with the size and (``verify="hash"``) SHA-256 written down.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from textlab._errors import InputFileError, OutputError, bad_value
from textlab._io import sha256_file

MANIFEST = "manifest.json"
FORMAT = "textlab-data"
VERSION = 1
_OWN_NAME = re.compile(r"^(?:(?:tokens|counts)-\d{5}\.parquet|terms\.parquet|surface_forms\.parquet)$")
_OWN_DEBRIS = re.compile(r"^\.manifest\.json\..*\.tmp$")  # left by a write killed mid-way


def _write_parquet(table: pa.Table, path: Path) -> dict:
    """Write ``table`` to ``path``; return its manifest entry (size, sha256 of the bytes written)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    data = sink.getvalue().to_pybytes()
    path.write_bytes(data)
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _prepare_folder(folder: Path) -> None:
    """Make ``folder`` ready for a new data set: create it, or clear textlab's own files from it."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder; choose a folder for the token shards")
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in folder.iterdir())
    foreign = [n for n in names if (n != MANIFEST and not _OWN_NAME.match(n) and not _OWN_DEBRIS.match(n))
               or (folder / n).is_symlink() or not (folder / n).is_file()]
    if foreign:
        raise OutputError(f"{folder}: holds files textlab did not write ({', '.join(foreign[:5])}); "
                          "choose a new or empty folder")
    for name in names:
        (folder / name).unlink()


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputFileError(folder, "is not a folder (a textlab data folder holds manifest.json and Parquet shards)")
    if path.is_symlink() or not path.is_file():
        raise InputFileError(folder, "has no manifest.json: not a complete textlab data folder; rebuild it")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(path, f"is not valid JSON ({err}); rebuild the folder") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise InputFileError(path, f"is not a {FORMAT} manifest of version {VERSION}; rebuild the folder")
    return manifest


def _check_folder(folder: Path, verify: str) -> dict:
    """The manifest of ``folder`` after checking every file against it (see the module docstring)."""
    if verify not in ("hash", "size"):
        raise bad_value("verify", verify, "'hash' or 'size'")
    folder = Path(folder)
    manifest = _read_manifest(folder)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise InputFileError(folder / MANIFEST, "lists no files; refusing the folder (rebuild it)")
    for name in files:
        if not isinstance(name, str) or not _OWN_NAME.match(name):
            raise InputFileError(folder / MANIFEST, f"lists {name!r}, which is not a textlab data file; refusing it")
    unlisted = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST and p.name not in files)
    if unlisted:
        raise InputFileError(folder / unlisted[0], "is not listed in the manifest; refusing the folder "
                             "(remove the file or rebuild the folder)")
    for name, entry in files.items():
        path = folder / name
        if path.is_symlink() or not path.is_file():
            raise InputFileError(path, "is listed in the manifest but missing (or a link); rebuild the folder")
        size = path.stat().st_size
        if not isinstance(entry, dict) or size != entry.get("size"):
            said = entry.get("size") if isinstance(entry, dict) else entry
            raise InputFileError(path, f"has {size} bytes, the manifest says {said}; rebuild the folder")
        if verify == "hash" and sha256_file(path) != entry.get("sha256"):
            raise InputFileError(path, "does not match its SHA-256 in the manifest (altered or corrupt); "
                                 "rebuild the folder")
    _check_structure(folder / MANIFEST, manifest, files)
    return manifest


def _check_structure(path: Path, manifest: dict, files: dict) -> None:
    """Shards, row columns, unit and counts of a manifest have the types the readers expect."""
    shards = manifest.get("shards")
    counted = bool(manifest.get("counts"))
    ok = isinstance(shards, list) and bool(shards) and all(
        isinstance(s, dict) and s.get("tokens") in files and type(s.get("n_rows")) is int and s["n_rows"] >= 0
        and (not counted or s.get("counts") in files) for s in shards)
    ok = ok and manifest.get("unit") in ("passage", "document") and isinstance(manifest.get("params", {}), dict)
    columns = manifest.get("row_columns")
    ok = ok and isinstance(columns, list) and all(isinstance(c, str) for c in columns)
    counts = manifest.get("counts")
    ok = ok and (counts is None or isinstance(counts, dict) and isinstance(counts.get("params", {}), dict)
                 and "terms.parquet" in files)
    if not ok:
        raise InputFileError(path, "does not describe its shards as textlab writes them; rebuild the folder")
