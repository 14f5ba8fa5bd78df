"""Counts held in memory as one SciPy CSR matrix."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import scipy.sparse as sp

__all__ = ["MemoryStore"]

DEFAULT_BLOCK_ROWS = 100_000


@dataclass(frozen=True)
class MemoryStore:
    """A :class:`~textlab.data.CountStore` over an in-memory CSR matrix.

    Examples
    --------
    >>> store = MemoryStore(sp.csr_matrix([[1, 0], [0, 2], [3, 0]]))
    >>> [(start, block.shape) for start, block in store.iter_blocks(2)]
    [(0, (2, 2)), (2, (1, 2))]
    """

    matrix: sp.csr_matrix
    kind: ClassVar[str] = "memory"

    def __post_init__(self) -> None:
        if not sp.isspmatrix_csr(self.matrix) and not isinstance(self.matrix, sp.csr_array):
            object.__setattr__(self, "matrix", sp.csr_matrix(self.matrix))

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_terms)``."""
        return tuple(self.matrix.shape)

    def iter_blocks(self, block_rows: int | None = None) -> Iterator[tuple[int, sp.csr_matrix]]:
        """Yield ``(first_row, block)`` for consecutive row blocks."""
        step = int(block_rows or DEFAULT_BLOCK_ROWS)
        for start in range(0, self.matrix.shape[0], step):
            yield start, self.matrix[start:start + step]

    def to_csr(self) -> sp.csr_matrix:
        """The matrix itself."""
        return self.matrix
