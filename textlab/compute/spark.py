"""Spark as a way in: a Spark DataFrame, or a Parquet dataset Spark wrote, into one textlab corpus file.

Data that already lives in Spark comes to textlab as a Parquet file any study reads
(``[corpus] path = "corpus.parquet"``); the study then runs on one machine or a Dask cluster
(:mod:`textlab.compute`). Spark is not an engine here: nothing else in textlab uses it.

* :func:`read_spark_parquet` reads a folder Spark wrote (``df.write.parquet(path)``: ``part-*``
  files, ``_SUCCESS``, ``.crc`` checksums, optionally ``column=value/`` partition folders) with
  pyarrow alone; **no Spark is needed**.
* :func:`spark_to_parquet` takes a live ``pyspark.sql.DataFrame`` (``pip install pyspark``,
  not a textlab dependency), has Spark write it, and reads that folder.

Rows come out in a fixed order (part files sorted by path, rows in file order), so the same
dataset always gives the same corpus and the same study results.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from textlab._errors import ConfigError, InputFileError

__all__ = ["read_spark_parquet", "spark_to_parquet"]

_BATCH = 10_000


def _part_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*.parquet")
                   if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))
    if not files:
        raise InputFileError(folder, "holds no Parquet part files (part-*.parquet); give the folder Spark wrote "
                             "with df.write.parquet(...)")
    return files


def read_spark_parquet(folder: str | Path, out: str | Path, *, text_column: str = "text",
                       id_column: str = "doc_id", columns: list[str] | None = None) -> Path:
    """Copy a Spark-written Parquet dataset into one Parquet corpus file that a study reads.

    Parameters
    ----------
    folder
        The dataset folder (``part-*.parquet`` files, possibly in ``column=value/`` partition
        folders, whose values become columns).
    out
        The corpus file to write (``.parquet``), written atomically.
    text_column, id_column
        The columns holding each document's text and its id (ids are written as strings).
    columns
        Metadata columns to keep (``None``: every column).

    Returns
    -------
    Path
        ``out``.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "outlet=a").mkdir()
    >>> pd.DataFrame({"doc_id": [1, 2], "text": ["x y", "z"]}).to_parquet(folder / "outlet=a" / "part-00000.parquet")
    >>> path = read_spark_parquet(folder, folder.parent / (folder.name + ".parquet"))
    >>> pd.read_parquet(path).to_dict("list")
    {'doc_id': ['1', '2'], 'text': ['x y', 'z'], 'outlet': ['a', 'a']}
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from textlab._io import atomic_write

    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise InputFileError(folder, "is not a folder; give the folder Spark wrote with df.write.parquet(...)")
    files = _part_files(folder)
    dataset = ds.dataset([str(f) for f in files], format="parquet", partitioning="hive",
                         partition_base_dir=str(folder))
    names = dataset.schema.names
    missing = [c for c in (id_column, text_column) if c not in names]
    if missing:
        raise InputFileError(folder, f"has no column(s) {missing} (columns: {names}); set text_column/id_column")
    keep = [id_column, text_column] + [c for c in (names if columns is None else columns)
                                       if c not in (id_column, text_column)]
    unknown = [c for c in keep if c not in names]
    if unknown:
        raise ConfigError(f"columns={columns!r} is not allowed: {unknown} are not in the dataset ({names})")
    with atomic_write(out, "wb") as handle:
        writer = None
        for batch in dataset.to_batches(columns=keep, batch_size=_BATCH, use_threads=False):
            table = pa.Table.from_batches([batch])
            table = table.set_column(0, id_column, table.column(id_column).cast(pa.string()))
            table = table.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f
                                          for f in table.schema]))
            if writer is None:
                writer = pq.ParquetWriter(handle, table.schema)
            writer.write_table(table, row_group_size=_BATCH)
        if writer is not None:
            writer.close()
    return out


def spark_to_parquet(frame: Any, out: str | Path, *, text_column: str = "text", id_column: str = "doc_id",
                     columns: list[str] | None = None) -> Path:
    """Write a ``pyspark.sql.DataFrame`` to one Parquet corpus file (Spark writes, pyarrow reads).

    Needs pyspark (``pip install pyspark``); textlab does not depend on it. The DataFrame is
    written by Spark to a temporary folder next to ``out`` (``frame.write.parquet``), read with
    :func:`read_spark_parquet`, and the folder removed. Sort the frame first
    (``frame.orderBy("doc_id")``) if its row order is not already fixed.
    """
    import shutil

    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ConfigError("spark_to_parquet needs pyspark (pip install pyspark); or write the DataFrame with "
                          "df.write.parquet(folder) and call read_spark_parquet(folder, out)") from None
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".spark-", dir=out.parent))
    try:
        frame.write.mode("overwrite").parquet(str(tmp / "data"))
        return read_spark_parquet(tmp / "data", out, text_column=text_column, id_column=id_column, columns=columns)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
