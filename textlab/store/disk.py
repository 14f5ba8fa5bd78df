"""Tokenised rows and their counts on disk: Parquet shards listed, with SHA-256, in a JSON manifest.

Nothing in a data folder can carry code: shards are Parquet, the manifest is JSON, and
:func:`open_data` / :func:`open_tokens` refuse a folder holding any file the manifest does
not list, a manifest that lists nothing, a file whose size or SHA-256 differs, a symlink,
or a listed name that is not one of textlab's own (so a planted ``corpus.mm.index`` or
``dictionary.gensim`` pickle is refused, never opened).

Folder layout
-------------
``manifest.json``
    format, unit, ``n_rows``, the shards (file names and row counts), the row columns,
    the tokenizer ``params``, the counting settings, and every other file with its
    ``size`` and ``sha256``.  Written last (atomically), so an interrupted write leaves
    a folder that :func:`open_data` refuses.
``tokens-00000.parquet`` ...
    consecutive rows in row order: the row columns (``passage_id, doc_id, position,
    n_words`` and metadata), ``text`` when the rows had it, and ``tokens``
    (``list<string>``).
``surface_forms.parquet``
    ``token, label`` (readable surface forms), when given to :meth:`TokenShardWriter.close`.
``counts-00000.parquet`` ..., ``terms.parquet``
    written by :func:`textlab.preprocessing.counts.count_terms` beside the tokens: for the
    rows of the matching tokens shard, ``row`` (within the shard), ``term`` (column) and
    ``count`` in CSR order; ``terms.parquet`` holds ``term, label`` in column order.

API (used by :func:`textlab.preprocessing.pipeline.prepare_data`)
-------------------------------------------------------------------
``TokenShardWriter(folder, *, unit="passage", shard_rows=20_000, shard_tokens=2_000_000)``
    ``.add(rows: pd.DataFrame, tokens: list[list[str]])`` any number of times (any chunk
    size; ``rows`` has the same columns every time, e.g. ``passage_id, doc_id, position,
    text, n_words`` + metadata), then ``.close(params=None, *, surface_forms=None) ->
    TokenizedCorpus`` whose ``passages`` is the row table WITHOUT ``text`` (in memory) and
    whose ``tokens`` is a :class:`DiskTokens`.  Also a context manager (an exception
    removes the shards it wrote).  ``folder`` must be new, empty, or a folder textlab
    wrote before (its files are replaced); any other file in it is refused.
:class:`DiskTokens`
    re-iterable token lists in row order, ``len()``, ``tokens[i]``, one shard in memory
    at a time; ``.iter_texts()`` and ``.read_texts(indices)`` give passage texts back in
    row order without loading them all (for KWIC and representative passages).
:class:`DiskStore`
    the counts (``shape``, ``iter_blocks(block_rows)``, ``to_csr()``).
``open_data(folder, *, verify="hash") -> TextData`` and ``open_tokens(folder, *, verify="hash")
-> TokenizedCorpus``
    reopen a folder after checking it against its manifest (``verify="size"`` skips hashes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from textlab._errors import ConfigError, InputFileError
from textlab._io import write_json
from textlab.store._manifest import MANIFEST, _check_folder, _read_manifest, _write_parquet
from textlab.store._shard_tasks import CountShard, ShardFrequencies, map_shards
from textlab.store._shard_tasks import count_shard as _count_shard  # noqa: F401 - its former home
from textlab.store._shard_writer import (  # noqa: F401 - re-exported: the writing side lives there
    DEFAULT_SHARD_ROWS,
    DEFAULT_SHARD_TOKENS,
    TokenShardWriter,
    _to_arrow,
)

__all__ = ["TokenShardWriter", "DiskTokens", "DiskStore", "open_data", "open_tokens", "write_counts",
           "document_frequencies", "MANIFEST"]

BATCH_ROWS = 2_000  # rows turned into Python lists at a time when streaming a shard

# --- reading ------------------------------------------------------------------------------------
def _read_column(path: Path, column: str) -> list:
    try:
        return pq.read_table(path, columns=[column]).column(0).to_pylist()
    except (pa.ArrowException, OSError) as err:
        raise InputFileError(path, f"cannot be read as a textlab shard ({err})") from None


@dataclass(frozen=True, eq=False)
class DiskTokens:
    """Token lists stored in Parquet shards: re-iterable in row order, one shard in memory at a time.

    Attributes
    ----------
    folder
        The data folder.
    shards
        Token shard file names, in row order.
    lengths
        Rows per shard.
    has_text
        Whether the shards hold the passage texts (:meth:`iter_texts`, :meth:`read_texts`).
    unit
        What a row is (``"passage"`` or ``"document"``).
    """

    folder: Path
    shards: tuple[str, ...]
    lengths: tuple[int, ...]
    has_text: bool = True
    unit: str = "passage"

    def __len__(self) -> int:
        return int(sum(self.lengths))

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self.iter_batches():
            yield from batch

    def iter_shards(self, column: str = "tokens") -> Iterator[list]:
        """One list per shard (token lists, or texts with ``column="text"``), in row order."""
        for name in self.shards:
            yield _read_column(self.folder / name, column)

    def iter_batches(self, batch_rows: int = BATCH_ROWS, column: str = "tokens") -> Iterator[list]:
        """Lists of at most ``batch_rows`` rows' values, in row order (one shard's Arrow column in memory)."""
        for index in range(len(self.shards)):
            yield from self.iter_shard_batches(index, batch_rows, column)

    def iter_shard_batches(self, index: int, batch_rows: int = BATCH_ROWS, column: str = "tokens") -> Iterator[list]:
        """The rows of shard ``index`` as lists of at most ``batch_rows`` values."""
        path = self.folder / self.shards[index]
        try:
            values = pq.read_table(path, columns=[column]).column(0)
        except (pa.ArrowException, OSError) as err:
            raise InputFileError(path, f"cannot be read as a textlab shard ({err})") from None
        for start in range(0, len(values), batch_rows):
            yield values.slice(start, batch_rows).to_pylist()

    def __getitem__(self, index: int) -> list[str]:
        shard, offset = self._locate(index)
        return _read_column(self.folder / self.shards[shard], "tokens")[offset]

    def _locate(self, index: int) -> tuple[int, int]:
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not -n <= index < n:
            raise IndexError(f"row {index!r} is out of range for {n} rows")
        index = int(index) % n
        ends = np.cumsum(self.lengths)
        shard = int(np.searchsorted(ends, index, side="right"))
        return shard, index - int(ends[shard] - self.lengths[shard])

    def _need_text(self) -> None:
        if not self.has_text:
            raise ConfigError(f"{self.folder}: the shards hold no passage text (rows had no 'text' column)")

    def iter_texts(self) -> Iterator[str]:
        """Passage texts in row order, one shard in memory at a time."""
        self._need_text()
        for texts in self.iter_batches(column="text"):
            yield from texts

    def read_texts(self, indices: Sequence[int]) -> list[str]:
        """Texts of the rows ``indices`` (in the order given), reading only the shards that hold them."""
        self._need_text()
        return self._take(indices, "text")

    def take(self, indices: Sequence[int]) -> list[list[str]]:
        """Token lists of the rows ``indices`` (in the order given), reading only the shards that hold them."""
        return self._take(indices, "tokens")

    def _take(self, indices: Sequence[int], column: str) -> list:
        located = [self._locate(i) for i in indices]
        out: list = [None] * len(located)
        for shard in sorted({s for s, _ in located}):
            values = _read_column(self.folder / self.shards[shard], column)
            for k, (s, offset) in enumerate(located):
                if s == shard:
                    out[k] = values[offset]
        return out


@dataclass(frozen=True, eq=False)
class DiskStore:
    """A :class:`~textlab.data.CountStore` over counts shards (``row, term, count`` in CSR order).

    Examples
    --------
    See :func:`textlab.preprocessing.counts.count_terms` with on-disk tokens.
    """

    folder: Path
    shards: tuple[str, ...]
    lengths: tuple[int, ...]
    n_terms: int
    kind: ClassVar[str] = "disk"

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_terms)``."""
        return int(sum(self.lengths)), int(self.n_terms)

    def _read(self, index: int) -> sp.csr_matrix:
        path = self.folder / self.shards[index]
        try:
            table = pq.read_table(path, columns=["row", "term", "count"])
        except (pa.ArrowException, OSError) as err:
            raise InputFileError(path, f"cannot be read as a textlab counts shard ({err})") from None
        rows = table.column("row").to_numpy()
        n = self.lengths[index]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return sp.csr_matrix((table.column("count").to_numpy().astype(np.int64),
                              table.column("term").to_numpy().astype(np.int64), indptr), shape=(n, self.n_terms))

    def iter_blocks(self, block_rows: int | None = None) -> Iterator[tuple[int, sp.csr_matrix]]:
        """Yield ``(first_row, block)``: one block per shard, cut to at most ``block_rows`` rows."""
        start = 0
        for index in range(len(self.shards)):
            block = self._read(index)
            step = int(block_rows or block.shape[0] or 1)
            for offset in range(0, block.shape[0], step):
                yield start + offset, block[offset:offset + step]
            start += block.shape[0]

    def to_csr(self) -> sp.csr_matrix:
        """All counts as one CSR matrix (memory: the whole matrix)."""
        blocks = [block for _, block in self.iter_blocks()]
        if not blocks:
            return sp.csr_matrix(self.shape, dtype=np.int64)
        return sp.csr_matrix(sp.vstack(blocks, format="csr"), dtype=np.int64)


def _rows(folder: Path, manifest: dict) -> pd.DataFrame:
    columns = list(manifest["row_columns"])
    parts = []
    for shard in manifest["shards"]:
        path = folder / shard["tokens"]
        try:
            parts.append(pq.read_table(path, columns=columns))
        except (pa.ArrowException, OSError, KeyError) as err:
            raise InputFileError(path, f"cannot be read as a textlab shard ({err})") from None
    try:  # one Arrow table, converted once: a shard whose column is all null takes the others' type
        table = pa.concat_tables(parts, promote_options="default") if len(parts) > 1 else parts[0]
    except (pa.ArrowException, KeyError) as err:
        raise InputFileError(folder, f"shards whose row columns have different types ({err}); rebuild it") from None
    return table.to_pandas().reset_index(drop=True)


def _surface_forms(folder: Path, manifest: dict) -> dict[str, str]:
    if "surface_forms.parquet" not in manifest["files"]:
        return {}
    table = pq.read_table(folder / "surface_forms.parquet")
    return dict(zip(table.column("token").to_pylist(), table.column("label").to_pylist()))


def _tokens(folder: Path, manifest: dict) -> DiskTokens:
    shards = manifest["shards"]
    return DiskTokens(folder, tuple(s["tokens"] for s in shards), tuple(int(s["n_rows"]) for s in shards),
                      bool(manifest.get("has_text", False)), str(manifest.get("unit", "passage")))


def _tokenized(folder: Path, manifest: dict):
    from textlab.preprocessing.tokens import TokenizedCorpus

    return TokenizedCorpus(_rows(folder, manifest), _tokens(folder, manifest), _surface_forms(folder, manifest),
                           dict(manifest.get("params", {})))


def open_tokens(folder: str | Path, *, verify: str = "hash"):
    """Reopen the tokens of a data folder as a ``TokenizedCorpus`` (passages in memory, tokens on disk).

    Parameters
    ----------
    folder
        Written by :class:`TokenShardWriter` (and possibly counted).
    verify
        ``"hash"`` (default: SHA-256 of every file) or ``"size"`` (sizes only; faster).

    Raises
    ------
    InputFileError
        One line naming the file: unlisted, missing, altered, or an empty manifest.
    """
    folder = Path(folder)
    return _tokenized(folder, _check_folder(folder, verify))


def open_data(folder: str | Path, *, verify: str = "hash"):
    """Reopen a counted data folder as a :class:`~textlab.data.TextData` with a :class:`DiskStore`.

    Checks the folder as :func:`open_tokens` does; nothing in it is unpickled or executed.

    Examples
    --------
    >>> import tempfile
    >>> from textlab.preprocessing.counts import count_terms
    >>> folder = Path(tempfile.mkdtemp()) / "data"
    >>> with TokenShardWriter(folder) as writer:
    ...     writer.add(pd.DataFrame({"passage_id": ["a:000", "b:000"]}), [["ai", "hub", "ai"], ["hub"]])
    ...     _ = count_terms(writer.close())
    >>> data = open_data(folder)
    >>> type(data.store).__name__, data.counts.toarray().tolist()
    ('DiskStore', [[2, 1], [0, 1]])
    """
    from textlab.data import TextData

    folder = Path(folder)
    manifest = _check_folder(folder, verify)
    counts = manifest.get("counts")
    if not counts:
        raise InputFileError(folder, "holds tokens but no counts; open it with open_tokens and call count_terms")
    try:
        terms = pq.read_table(folder / "terms.parquet", columns=["term", "label"]).to_pandas()
    except (pa.ArrowException, OSError) as err:
        raise InputFileError(folder / "terms.parquet", f"cannot be read as a textlab terms table ({err})") from None
    store = DiskStore(folder, tuple(s["counts"] for s in manifest["shards"]),
                      tuple(int(s["n_rows"]) for s in manifest["shards"]), len(terms))
    params = {**manifest.get("params", {}), **counts.get("params", {})}
    return TextData(rows=_rows(folder, manifest), terms=terms, store=store, tokens=_tokens(folder, manifest),
                    unit=manifest["unit"], params=params)


def write_counts(tokens: DiskTokens, terms: pd.DataFrame, params: dict) -> tuple[DiskStore, int]:
    """Count every tokens shard over ``terms["term"]`` and write counts shards + ``terms.parquet`` beside them.

    Earlier counts in the folder are replaced; the manifest is rewritten last.  Returns the
    store and the number of tokens counted.
    """
    folder = Path(tokens.folder)
    manifest = _read_manifest(folder)
    for shard in manifest["shards"]:
        old = shard.pop("counts", None)
        if old:
            manifest["files"].pop(old, None)
            (folder / old).unlink(missing_ok=True)
    manifest["counts"] = None
    write_json(manifest, folder / MANIFEST)  # from here until the end the folder is refused
    files = manifest["files"]
    task = CountShard(str(folder), tuple(str(t) for t in terms["term"]))
    items = [(index, shard["tokens"], int(shard["n_rows"])) for index, shard in enumerate(manifest["shards"])]
    n_tokens = 0
    for (index, _, _), (name, entry, n) in map_shards(task, items):  # on the workers when a cluster is active
        files[name] = entry
        manifest["shards"][index]["counts"] = name
        n_tokens += n
    files["terms.parquet"] = _write_parquet(pa.Table.from_pandas(terms, preserve_index=False), folder / "terms.parquet")
    manifest["counts"] = {"params": {**params, "n_tokens": n_tokens}, "n_terms": len(terms)}
    write_json(manifest, folder / MANIFEST)
    store = DiskStore(folder, tuple(s["counts"] for s in manifest["shards"]),
                      tuple(int(s["n_rows"]) for s in manifest["shards"]), len(terms))
    return store, n_tokens


def document_frequencies(tokens: DiskTokens) -> Counter:
    """In how many rows each token occurs, one task per shard (on the workers when a Dask cluster is active).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "data"
    >>> with TokenShardWriter(folder, shard_rows=1) as writer:
    ...     writer.add(pd.DataFrame({"passage_id": ["a", "b"]}), [["ai", "ai", "hub"], ["hub"]])
    ...     tokenized = writer.close()
    >>> sorted(document_frequencies(tokenized.tokens).items())
    [('ai', 1), ('hub', 2)]
    """
    total: Counter = Counter()
    for _, df in map_shards(ShardFrequencies(), [str(Path(tokens.folder) / name) for name in tokens.shards]):
        total.update(df)
    return total
