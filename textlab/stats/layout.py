"""Which row belongs to which group and to which resampling unit, and the unit fallback.

Every comparison resamples *units*: documents, or the passages of a group that has
fewer than two documents (a document bootstrap of one document has no variability).
:func:`choose_resampling_unit` is that rule, with its :class:`SmallSampleWarning`;
:func:`build_layout` applies it to every group of a passage table and returns a
:class:`GroupLayout` that draws stratified bootstrap weights and takes weighted group
sums and means. The unit used for each group is recorded by the callers in their
``resampling_unit`` column and, with the reason, in ``GroupLayout.fallbacks``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from textlab._errors import ConfigError, EstimationError, SmallSampleWarning
from textlab.stats.bootstrap import stratified_unit_draws
from textlab.stats.checks import check_unit

__all__ = ["FEW_DOCUMENTS", "GroupLayout", "build_layout", "choose_resampling_unit", "group_labels", "side_means"]

#: Below this many documents a group's document bootstrap is flagged as coarse (warning only).
FEW_DOCUMENTS = 5


def choose_resampling_unit(
    n_documents: int,
    n_passages: int,
    *,
    requested: str = "document",
    group: object = None,
    min_documents: int = 2,
    warn: bool = True,
    what: str | None = None,
    stacklevel: int = 3,
) -> str:
    """Pick the unit to resample for one group: documents if there are enough, else passages.

    Parameters
    ----------
    n_documents, n_passages
        Number of documents and passages of the group.
    requested
        ``"document"`` (default) or ``"passage"``.
    group
        Group name, used in messages.
    min_documents
        Fewest documents for document-level resampling (default 2: one document
        cannot be resampled).
    warn
        Emit :class:`SmallSampleWarning` on fallback.
    what
        Name of the calling analysis, prefixed to the warning.
    stacklevel
        Passed to :func:`warnings.warn` (default: the caller's caller).

    Returns
    -------
    str
        ``"document"`` or ``"passage"``.

    Raises
    ------
    EstimationError
        If the group has no passages.

    Examples
    --------
    >>> choose_resampling_unit(3, 12)
    'document'
    >>> choose_resampling_unit(1, 12, group="outlet-b", warn=False)
    'passage'
    """
    check_unit(requested)
    if n_passages < 1:
        raise EstimationError(f"group {group!r} has no passages: nothing to resample or estimate")
    if requested == "passage":
        return "passage"
    if n_documents >= min_documents:
        return "document"
    if warn:
        warnings.warn(
            f"{what + ': ' if what else ''}group {group!r} has {n_documents} document(s) (fewer than "
            f"{min_documents}), so documents cannot be resampled; resampling its {n_passages} passages instead. "
            "Passages of one document are not independent, so its intervals and p-values are too narrow "
            "(resampling_unit='passage' in the table)",
            SmallSampleWarning,
            stacklevel=stacklevel,
        )
    return "passage"


def side_means(sums: np.ndarray, totals: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """Weighted mean of several groups pooled, from :meth:`GroupLayout.group_sums` output.

    ``sums`` is ``m x G (x K)``, ``totals`` ``m x G``; the result is ``m (x K)``:
    the mean over every row of the groups in ``members`` (one group gives its mean).

    Examples
    --------
    >>> side_means(np.array([[2.0, 6.0]]), np.array([[1.0, 3.0]]), [0, 1]).tolist()
    [2.0]
    """
    idx = list(members)
    s = sums[:, idx].sum(axis=1)
    t = totals[:, idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / (t if s.ndim == 1 else t[:, None])


@dataclass(frozen=True)
class GroupLayout:
    """Which passage belongs to which group and which resampling unit.

    Attributes
    ----------
    groups
        Group labels, in sorted order (``str``).
    codes
        ``N`` group index per passage (``-1`` for a missing group label).
    units
        Resampling unit per group (``"document"``, ``"document_block"`` above ``max_units``
        documents, or ``"passage"``).
    n_passages, n_docs
        Per group.
    unit_of_passage
        ``N`` index of the resampling unit of each passage (``-1`` if no group).
    unit_group
        Group index of each unit, units sorted by group.
    members
        Per group, its passages (a slice when they are contiguous, else indices).
    fallbacks
        Group -> why it is resampled by passages although documents were asked for.
    """

    groups: list[str]
    codes: np.ndarray
    units: list[str]
    n_passages: np.ndarray
    n_docs: np.ndarray
    unit_of_passage: np.ndarray
    unit_group: np.ndarray
    members: list
    fallbacks: dict

    def resample_weights(self, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """Stratified bootstrap: draw ``n_g`` units with replacement within each group.

        Returns an ``n x N`` float array: how many times each passage's unit was
        drawn in each of ``n`` replicates (0 for passages without a group).
        """
        unit_counts = stratified_unit_draws(self.unit_group, len(self.groups), rng, n)
        weights = np.zeros((n, len(self.codes)))
        has_group = self.unit_of_passage >= 0
        weights[:, has_group] = unit_counts[:, self.unit_of_passage[has_group]]
        return weights

    def group_sums(self, values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weighted sums of ``values`` (``N`` or ``N x K``) per group and the weight totals.

        ``weights`` is ``m x N`` (or ``N``); returns ``sums`` (``m x G`` or ``m x G x K``)
        and ``totals`` (``m x G``).
        """
        batch = np.atleast_2d(weights)
        vals = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=float)
        sums = np.empty((batch.shape[0], len(self.groups)) + vals.shape[1:])
        totals = np.empty((batch.shape[0], len(self.groups)))
        for g, rows in enumerate(self.members):
            w = batch[:, rows]
            totals[:, g] = w.sum(axis=1)
            # one group's rows in float64 at a time (a float32 N x K is never copied whole);
            # einsum's own loop, not BLAS: a multi-threaded BLAS on a busy machine is far slower here
            sums[:, g] = np.einsum("mn,n...->m...", w, np.asarray(vals[rows], dtype=float))
        return sums, totals

    def bootstrap_sums(self, values: np.ndarray, base: np.ndarray, n_boot: int, rng: np.random.Generator,
                       max_elements: int = 2_000_000) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """``n_boot`` stratified bootstrap replicates of :meth:`group_sums` (passage weights times ``base``).

        Drawn in chunks of at most ``max_elements`` replicate x passage weights.
        """
        chunk = max(1, min(n_boot, max_elements // max(len(self.codes), 1)))
        sums, totals = [], []
        for start in range(0, n_boot, chunk):
            s, t = self.group_sums(values, self.resample_weights(rng, min(chunk, n_boot - start)) * base)
            sums.append(s)
            totals.append(t)
        return np.concatenate(sums), np.concatenate(totals)

    def group_means(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Weighted means of ``values`` (``N`` or ``N x K``) per group.

        ``weights`` is one weight vector (``N``; result ``G`` or ``G x K``) or a
        batch of them (``m x N``; result ``m x G`` or ``m x G x K``).
        """
        sums, totals = self.group_sums(values, weights)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = sums / (totals if sums.ndim == 2 else totals[:, :, None])
        return out[0] if np.ndim(weights) == 1 else out

    def index(self, group: object) -> int:
        """Position of a group label in :attr:`groups`."""
        return self.groups.index(str(group))


def group_labels(passages: pd.DataFrame, group_column: str | None) -> pd.Series:
    """The group label of every passage as strings (missing stays missing).

    Examples
    --------
    >>> group_labels(pd.DataFrame({"side": ["x", None, 3]}), "side").tolist()
    ['x', None, '3']
    """
    if group_column is None:
        return pd.Series("all", index=passages.index, dtype=object)
    if group_column not in passages.columns:
        raise ConfigError(
            f"group_column={group_column!r} is not a column of the passages table: "
            f"expected one of {sorted(map(str, passages.columns))}"
        )
    column = passages[group_column]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = set(column.dropna().astype(str))
        empty = [str(c) for c in column.cat.categories if str(c) not in used]
        if empty:
            raise EstimationError(
                f"group(s) {empty} of group_column={group_column!r} have no passages; "
                "nothing can be estimated for them: drop them first (Series.cat.remove_unused_categories())"
            )
    missing = column.isna().to_numpy()
    values = [None if gone else str(v) for v, gone in zip(column.to_numpy(dtype=object), missing)]
    return pd.Series(values, index=passages.index, dtype=object)


def _group_units(groups, n_docs, n_passages, *, resampling_unit: str, has_docs: bool, what: str):
    """Unit per group (the fallback rule) with its warnings, and the fallback reasons."""
    units: list[str] = []
    fallbacks: dict[str, str] = {}
    for g, group in enumerate(groups):
        requested = resampling_unit if has_docs else "passage"
        unit = choose_resampling_unit(int(n_docs[g]), int(n_passages[g]), requested=requested, group=group,
                                      what=what, stacklevel=5)  # fmt: skip
        units.append(unit)
        if unit == "passage" and resampling_unit == "document":
            fallbacks[group] = ("no doc_id column" if not has_docs
                                else f"{int(n_docs[g])} document(s): passages resampled instead")
        elif unit == "document" and n_docs[g] < FEW_DOCUMENTS:
            warnings.warn(
                f"{what}: group {group!r} has only {n_docs[g]} documents, so a document bootstrap has "
                f"{math.comb(2 * int(n_docs[g]) - 1, int(n_docs[g]))} distinct resamples; its interval is "
                "coarse and tends to be too narrow",
                SmallSampleWarning,
                stacklevel=4,
            )
        if n_passages[g] < 2:
            warnings.warn(
                f"{what}: group {group!r} has {n_passages[g]} passage(s); its interval reflects no sampling variability",
                SmallSampleWarning,
                stacklevel=4,
            )
    return units, fallbacks


def _blocks_of_documents(doc_codes, doc_ids, codes, units, max_units, random_state):
    """Document codes of large groups replaced by random block codes (blocks numbered apart from documents)."""
    from textlab.stats.blocks import bootstrap_blocks, check_max_units, document_ranks

    check_max_units(max_units)
    n_groups = len(units)
    present = np.flatnonzero(codes >= 0)
    _, first = np.unique(doc_codes[present], return_index=True)  # one passage per document
    rows = present[first]
    doc_group = codes[rows]
    n_docs = np.bincount(doc_group, minlength=n_groups)
    large = (n_docs > max_units) & np.array([u == "document" for u in units])
    if not large.any():
        return doc_codes, units
    keys = np.asarray(doc_ids, dtype=object)[rows].astype(str)
    part = bootstrap_blocks(document_ranks(keys, doc_group, n_groups, random_state=random_state), doc_group,
                            n_groups, max_units=max_units)  # fmt: skip
    block_of_code = np.zeros(int(doc_codes.max()) + 1, dtype=np.int64)
    block_of_code[doc_codes[rows]] = int(doc_codes.max()) + 1 + part.unit_of_doc
    out = doc_codes.copy()
    moved = (codes >= 0) & large[np.maximum(codes, 0)]
    out[moved] = block_of_code[doc_codes[moved]]
    return out, ["document_block" if big else u for u, big in zip(units, large)]


def build_layout(
    labels: pd.Series,
    doc_ids: pd.Series | np.ndarray | None,
    *,
    resampling_unit: str,
    what: str,
    max_units: int | None = None,
    random_state: int = 0,
) -> GroupLayout:
    """Assign passages to groups and resampling units; warn on the passage fallback.

    A group falls back to passage resampling when ``resampling_unit="passage"``
    was asked for, or when it has fewer than 2 documents (:func:`choose_resampling_unit`).
    The fallback is announced with a :class:`SmallSampleWarning`; callers record it
    in their ``resampling_unit`` column, and :attr:`GroupLayout.fallbacks` says why.

    With ``max_units``, a group resampled by documents that has more than ``max_units``
    documents is resampled in ``max_units`` random blocks of near-equal size
    (:func:`textlab.stats.blocks.bootstrap_blocks`, seeded by ``random_state``; its unit
    is ``"document_block"``). ``None`` (default): documents whatever their number.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layout = build_layout(pd.Series(["x", "x", "y"]), ["a", "b", "c"], resampling_unit="document", what="demo")
    >>> layout.groups, layout.units, layout.fallbacks
    (['x', 'y'], ['document', 'passage'], {'y': '1 document(s): passages resampled instead'})
    """
    check_unit(resampling_unit)
    values = labels.to_numpy(dtype=object)
    present = np.array([v is not None for v in values], dtype=bool)
    groups = sorted({v for v in values[present]})
    if not groups:
        raise EstimationError(f"no passage has a group label: nothing to estimate for {what}")
    lookup = {g: i for i, g in enumerate(groups)}
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[present] = [lookup[v] for v in values[present]]
    n_groups = len(groups)
    n_passages = np.bincount(codes[present], minlength=n_groups)

    if doc_ids is None:
        doc_codes = np.arange(len(values))
    else:
        doc_codes = pd.factorize(pd.Series(np.asarray(doc_ids, dtype=object)).astype(str))[0]
    n_docs = np.array([len(np.unique(doc_codes[codes == g])) for g in range(n_groups)])

    if resampling_unit == "passage" and doc_ids is not None:
        warnings.warn(
            f"{what}: resampling_unit='passage' treats passages as independent; passages of one document "
            "are not, so intervals can be too narrow (recorded in the resampling_unit column)",
            SmallSampleWarning,
            stacklevel=3,
        )
    units, fallbacks = _group_units(groups, n_docs, n_passages, resampling_unit=resampling_unit,
                                    has_docs=doc_ids is not None, what=what)  # fmt: skip
    if max_units is not None and doc_ids is not None:
        doc_codes, units = _blocks_of_documents(doc_codes, doc_ids, codes, units, max_units, random_state)

    passage_level = np.array([u == "passage" for u in units])
    n = len(values)
    span = int(doc_codes.max(initial=0)) + 1 + n
    raw = np.where(passage_level[np.maximum(codes, 0)], span - n + np.arange(n), doc_codes)
    key = codes.astype(np.int64) * span + raw
    unit_of_passage = np.full(n, -1, dtype=np.int64)
    unique_keys, inverse = np.unique(key[present], return_inverse=True)
    unit_of_passage[present] = inverse
    unit_group = (unique_keys // span).astype(np.int64)

    members = []
    for g in range(n_groups):
        rows = np.flatnonzero(codes == g)
        contiguous = rows[-1] - rows[0] + 1 == len(rows) if len(rows) else True
        members.append(slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) and contiguous else rows)
    return GroupLayout(groups, codes, units, n_passages, n_docs, unit_of_passage, unit_group, members, fallbacks)
