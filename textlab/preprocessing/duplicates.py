"""Near-duplicate documents (or passages): syndicated wire copy, print and online versions.

News corpora carry the same story more than once: wire copy printed by several outlets, the
print and the online version, a story re-run with a new top. Counted twice, such copies inflate
frame shares and keyness. :func:`find_duplicates` finds them with MinHash locality-sensitive
hashing (`datasketch <https://ekzhu.com/datasketch/>`_): each text becomes the set of its word
5-grams taken *within* paragraphs (so reordered paragraphs change nothing), candidate pairs come
from two LSH indexes (Jaccard similarity, and containment for a story embedded in a longer
article), and every candidate is verified on the exact shingle sets before it links two texts.
Linked texts form clusters (connected components); the earliest member (by ``date_column``,
then input order) is the one printed first.

:func:`resolve_duplicates` applies a study's policy: ``keep`` (mark clusters, change nothing),
``collapse`` (keep each cluster's first member, with the number of copies), or ``weight``
(keep all, each member weighing ``1 / cluster size``).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH, MinHashLSHEnsemble

from textlab._errors import ConfigError, bad_value
from textlab.data import Result

__all__ = ["Duplicates", "find_duplicates", "resolve_duplicates", "shingles", "DUPLICATE_POLICIES"]

#: Policies of :func:`resolve_duplicates`.
DUPLICATE_POLICIES = ("keep", "collapse", "weight")
_TOKEN = re.compile(r"\w+")
_PARAGRAPHS = re.compile(r"\n\s*\n|\n")
_CLUSTER_COLUMNS = ["cluster", "doc_id", "first_seen", "original", "outlet", "date", "similarity", "jaccard"]


def shingles(text: str, k: int = 5) -> set[str]:
    """Word ``k``-grams of ``text``, lower-cased, taken within each paragraph (line).

    A paragraph shorter than ``k`` words gives itself as one shingle.

    Examples
    --------
    >>> sorted(shingles("One two three\\n\\nfour five", k=2))
    ['four five', 'one two', 'two three']
    """
    out: set[str] = set()
    for para in _PARAGRAPHS.split(text):
        words = _TOKEN.findall(para.lower())
        if not words:
            continue
        if len(words) < k:
            out.add(" ".join(words))
            continue
        out.update(" ".join(words[i:i + k]) for i in range(len(words) - k + 1))
    return out


@dataclass(frozen=True)
class Duplicates(Result):
    """Clusters of near-duplicate texts.

    Attributes
    ----------
    clusters
        One row per text in a cluster of two or more: ``cluster`` (0, 1, ... by first date),
        ``doc_id``, ``first_seen`` (True for the earliest member), ``original`` (the earliest
        member's id), ``outlet``, ``date``, ``similarity`` (share of the shorter text's shingles
        found in the other, against the original; 1.0 for the original) and ``jaccard``.
    pairs
        Every verified pair: ``doc_id_a, doc_id_b, jaccard, containment``.
    params
        ``threshold, num_perm, random_state, shingle_size, unit, date_column, n_texts, n_clusters,
        n_duplicates`` (texts a collapse would drop).
    """

    clusters: pd.DataFrame
    pairs: pd.DataFrame


def _ids(docs: pd.DataFrame, unit: str) -> pd.Series:
    column = "doc_id" if unit == "document" else "passage_id"
    ids = docs[column] if column in docs.columns else pd.Series(docs.index, index=docs.index)
    ids = ids.astype(str)
    if not ids.is_unique:
        raise ConfigError(f"{column} values must be unique to find duplicates; {ids[ids.duplicated()].iloc[0]!r} "
                          "occurs twice")
    return ids


def _components(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])


_MAX_HASH = np.uint64((1 << 32) - 1)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0xD3A2646C, 0xFD7046C5, 0xB55A4F09],
                dtype=np.uint64)


def _shingle_hashes(text: str, k: int, cache: dict[str, int]) -> np.ndarray:
    """Sorted unique 32-bit hashes of the shingles of :func:`shingles` (vectorised, stable across runs)."""
    words, para = [], []
    for p, chunk in enumerate(_PARAGRAPHS.split(text)):
        tokens = _TOKEN.findall(chunk.lower())
        words.extend(tokens)
        para.extend([p] * len(tokens))
    if not words:
        return np.zeros(0, dtype=np.uint64)
    codes = np.fromiter((cache.get(w) or cache.setdefault(w, zlib.crc32(w.encode("utf-8")) | 1) for w in words),
                        dtype=np.uint64, count=len(words))
    para_ids = np.asarray(para)
    starts = np.flatnonzero(np.r_[True, para_ids[1:] != para_ids[:-1]])
    lengths = np.diff(np.r_[starts, len(words)])
    pieces = []
    if len(words) >= k:  # k-grams that stay inside one paragraph
        n = len(words) - k + 1
        acc = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            acc = acc * np.uint64(31) + codes[j:j + n] * _MIX[j % len(_MIX)]
        pieces.append(acc[para_ids[:n] == para_ids[k - 1:]])
    for start, length in zip(starts[lengths < k], lengths[lengths < k]):  # a short paragraph is one shingle
        acc = np.zeros(1, dtype=np.uint64)
        for j in range(int(length)):
            acc = acc * np.uint64(31) + codes[start + j:start + j + 1] * _MIX[j % len(_MIX)]
        pieces.append(acc)
    hashes = np.concatenate(pieces)
    hashes ^= hashes >> np.uint64(29)
    return np.unique(hashes & _MAX_HASH)


def _identity(value: int) -> int:
    """Hash function handed to datasketch: shingles arrive already hashed to 32 bits."""
    return value


def _minhashes(hashes: list[np.ndarray], num_perm: int, random_state: int) -> list[MinHash]:
    """datasketch MinHash signatures (seed ``random_state``) of pre-hashed shingles."""
    return MinHash.bulk([hv.tolist() for hv in hashes], num_perm=num_perm, seed=random_state, hashfunc=_identity)


def _candidates(hashes: list[np.ndarray], threshold: float, num_perm: int, random_state: int,
                min_shingles: int) -> set[tuple[int, int]]:
    signatures = _minhashes(hashes, num_perm, random_state)
    threshold = min(threshold, 0.9)  # candidates only: every pair is verified at the requested threshold
    jaccard = MinHashLSH(threshold=threshold, num_perm=num_perm)
    entries = []
    for i, (mh, hv) in enumerate(zip(signatures, hashes)):
        if len(hv):
            jaccard.insert(i, mh, check_duplication=False)
            if len(hv) >= min_shingles:
                entries.append((i, mh, len(hv)))
    found: set[tuple[int, int]] = set()
    for i, mh in enumerate(signatures):
        if len(hashes[i]):
            found.update((min(i, j), max(i, j)) for j in jaccard.query(mh) if j != i)
    if len(entries) > 1:
        containment = MinHashLSHEnsemble(threshold=threshold, num_perm=num_perm, num_part=4)
        containment.index(entries)
        for i, mh, size in entries:
            found.update((min(i, j), max(i, j)) for j in containment.query(mh, size) if j != i)
    return found


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int]:
    """(intersection, union, smaller size) of two sorted unique hash arrays."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter, len(a) + len(b) - inter, min(len(a), len(b))


def _cluster_table(labels: np.ndarray, sets: list[np.ndarray], ids: pd.Series, dates: pd.Series,
                   outlets: pd.Series) -> pd.DataFrame:
    """One row per member of a cluster of two or more, clusters numbered by their first date."""
    frame = pd.DataFrame({"root": labels, "row": np.arange(len(labels)), "date": dates.to_numpy()})
    sizes = frame.groupby("root")["row"].transform("size")
    members = frame[sizes > 1].sort_values(["root", "date", "row"], na_position="last", kind="stable")
    order = members.groupby("root", sort=False).head(1).sort_values(["date", "row"], na_position="last")["root"]
    cluster_of = {root: k for k, root in enumerate(order)}
    rows = []
    for root, group in members.groupby("root", sort=False):
        first = int(group["row"].iloc[0])
        for pos, row in enumerate(group["row"].astype(int)):
            inter, union, smaller = _overlap(sets[row], sets[first])
            rows.append((cluster_of[root], ids.iloc[row], pos == 0, ids.iloc[first], outlets.iloc[row],
                         dates.iloc[row], inter / max(smaller, 1), inter / max(union, 1)))
    return pd.DataFrame(rows, columns=_CLUSTER_COLUMNS).sort_values(["cluster", "first_seen"], ascending=[True, False],
                                                                    kind="stable", ignore_index=True)


def find_duplicates(docs: pd.DataFrame, *, threshold: float = 0.8, num_perm: int = 128, random_state: int = 0,
                    date_column: str | None = None, unit: str = "document", source_column: str | None = "outlet",
                    shingle_size: int = 5, min_words: int = 25) -> Duplicates:
    """Find clusters of near-duplicate documents (or passages) with MinHash LSH.

    Parameters
    ----------
    docs
        Texts in a ``text`` column; ids in ``doc_id`` (``passage_id`` for ``unit="passage"``) or the index.
    threshold
        Two texts are duplicates when the Jaccard similarity of their shingle sets, or the share of
        the shorter text's shingles found in the longer one (containment), reaches this value.
    num_perm
        MinHash permutations (more: fewer missed candidates, slower).
    random_state
        Seed of the MinHash permutations.
    date_column
        Column of publication dates: the earliest member of a cluster is the one printed first.
    unit
        ``"document"`` or ``"passage"`` (which id column names the rows).
    source_column
        Column reported as ``outlet`` (ignored when absent).
    shingle_size
        Words per shingle.
    min_words
        Texts shorter than this link by Jaccard only (containment of a few words proves nothing).

    Returns
    -------
    Duplicates
        ``clusters`` and ``pairs`` tables, settings and counts in ``params``.

    Examples
    --------
    >>> story = "The council approved the new budget on Tuesday after a long debate about rents. " * 3
    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [story, story + "Extra line here.", "Other news."]})
    >>> find_duplicates(docs, min_words=5).clusters[["cluster", "doc_id", "first_seen"]].to_dict("list")
    {'cluster': [0, 0], 'doc_id': ['a', 'b'], 'first_seen': [True, False]}
    """
    if not isinstance(docs, pd.DataFrame) or "text" not in docs.columns:
        raise ConfigError("docs must be a DataFrame with a 'text' column (e.g. corpus.docs or read_export(...))")
    if not 0 < threshold <= 1:
        raise bad_value("threshold", threshold, "a similarity in (0, 1], e.g. 0.8")
    if unit not in ("document", "passage"):
        raise bad_value("unit", unit, "'document' or 'passage'")
    if date_column is not None and date_column not in docs.columns:
        raise ConfigError(f"date_column={date_column!r} is not a column of docs; give a date column or None")
    ids = _ids(docs, unit)
    cache: dict[str, int] = {}
    sets = [_shingle_hashes(t, shingle_size, cache) for t in docs["text"].fillna("").astype(str)]
    min_shingles = max(min_words - shingle_size + 1, 1)
    pairs = []
    for a, b in sorted(_candidates(sets, threshold, num_perm, random_state, min_shingles)):
        inter, union, small = _overlap(sets[a], sets[b])
        jac = inter / union
        cont = inter / small if small >= min_shingles else jac
        if jac >= threshold or cont >= threshold:
            pairs.append((a, b, jac, cont))
    labels = _components(len(docs), [(a, b) for a, b, _, _ in pairs])
    dates = (pd.to_datetime(docs[date_column], errors="coerce") if date_column
             else pd.Series(pd.NaT, index=docs.index))
    outlets = docs[source_column] if source_column and source_column in docs.columns else pd.Series(None, index=docs.index)
    clusters = _cluster_table(labels, sets, ids, dates, outlets)
    if date_column is None:
        clusters = clusters.drop(columns="date")
    pair_table = pd.DataFrame([(ids.iloc[a], ids.iloc[b], j, c) for a, b, j, c in pairs],
                              columns=["doc_id_a", "doc_id_b", "jaccard", "containment"])
    params = {"threshold": threshold, "num_perm": num_perm, "random_state": random_state,
              "shingle_size": shingle_size, "min_words": min_words, "unit": unit, "date_column": date_column,
              "n_texts": len(docs), "n_clusters": int(clusters["cluster"].nunique()) if len(clusters) else 0,
              "n_duplicates": int((~clusters["first_seen"]).sum()) if len(clusters) else 0,
              "method": "datasketch MinHashLSH (Jaccard) + MinHashLSHEnsemble (containment), verified exactly"}
    return Duplicates(clusters, pair_table, params=params)


def resolve_duplicates(docs: pd.DataFrame, clusters: Duplicates | pd.DataFrame, *, policy: str = "keep",
                       unit: str = "document") -> pd.DataFrame:
    """Apply a duplicate policy to the documents.

    Parameters
    ----------
    docs
        The documents given to :func:`find_duplicates`.
    clusters
        Its result (or its ``clusters`` table).
    policy
        ``"keep"``: every document, with ``duplicate_cluster`` (missing for unique texts) and
        ``duplicate_original``; ``"collapse"``: only each cluster's first-seen member (and all unique
        texts), with ``n_copies`` (1 for unique texts); ``"weight"``: every document with
        ``weight = 1 / cluster size`` (1 for unique texts), so each story counts once in weighted sums.
    unit
        ``"document"`` or ``"passage"``, as in :func:`find_duplicates`.

    Returns
    -------
    pandas.DataFrame
        A new table; ``docs`` is not changed.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["x", "x", "y"]})
    >>> table = pd.DataFrame({"cluster": [0, 0], "doc_id": ["a", "b"], "first_seen": [True, False],
    ...                       "original": ["a", "a"]})
    >>> resolve_duplicates(docs, table, policy="weight")["weight"].tolist()
    [0.5, 0.5, 1.0]
    >>> resolve_duplicates(docs, table, policy="collapse")[["doc_id", "n_copies"]].values.tolist()
    [['a', 2], ['c', 1]]
    """
    if policy not in DUPLICATE_POLICIES:
        raise bad_value("policy", policy, "one of " + ", ".join(map(repr, DUPLICATE_POLICIES)))
    table = clusters.clusters if isinstance(clusters, Duplicates) else clusters
    ids = _ids(docs, unit)
    cluster = ids.map(dict(zip(table["doc_id"].astype(str), table["cluster"])))
    size = cluster.map(cluster.value_counts()).fillna(1).astype(int)
    out = docs.copy()
    if policy == "keep":
        out["duplicate_cluster"] = cluster.astype("Int64")
        out["duplicate_original"] = ids.map(dict(zip(table["doc_id"].astype(str), table["original"].astype(str))))
    elif policy == "weight":
        out["weight"] = 1.0 / size
    else:
        first = set(table.loc[table["first_seen"].astype(bool), "doc_id"].astype(str))
        keep = cluster.isna() | ids.isin(first)
        out["n_copies"] = size
        out = out[keep.to_numpy()]
    return out
