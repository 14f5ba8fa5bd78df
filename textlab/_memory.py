"""Give freed memory back to the operating system between the steps of a large study.

CPython and NumPy free a step's tables when nothing holds them, but glibc's allocator keeps the
pages of its heap for reuse (and Arrow's memory pool its blocks), so the process's resident size
stays near its high-water mark and the next step's peak adds to it.  :func:`release_memory` collects
garbage, asks Arrow's pool to release unused memory and glibc (``malloc_trim``) to return free pages;
elsewhere (macOS, musl, Windows) it does what the platform allows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import mmap
import sys
from functools import lru_cache

__all__ = ["release_memory", "drop_mapped_pages"]


@lru_cache(maxsize=1)
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_memory() -> bool:
    """Collect garbage and return free heap pages to the system; ``True`` if the allocator released some.

    Examples
    --------
    >>> block = bytearray(50 * 2**20); del block
    >>> isinstance(release_memory(), bool)
    True
    """
    gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:  # Arrow's own allocator (mimalloc or jemalloc) keeps freed blocks too
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


def _mapping(array: object):
    """The ``mmap.mmap`` behind a memory-mapped NumPy array (``np.load(..., mmap_mode="r")``), or ``None``."""
    seen = 0
    while array is not None and seen < 16:
        found = getattr(array, "_mmap", None)
        if found is not None:
            return found
        if isinstance(array, mmap.mmap):
            return array
        array, seen = getattr(array, "base", None), seen + 1
    return None


def drop_mapped_pages(*arrays: object) -> int:
    """Let go of the resident pages of memory-mapped arrays (read again from the file when next read).

    A results folder's large arrays (the topic proportions of every seed) are memory-mapped: pages
    read stay in the process's resident set until the array is dropped.  A loop that reads one
    seed's arrays after another calls this after each, so it holds one seed's pages at a time;
    the values are unchanged.  Arrays that are not memory-mapped are left alone.  Returns how many
    mappings were advised.

    Examples
    --------
    >>> import numpy as np
    >>> drop_mapped_pages(np.zeros(3))
    0
    """
    done = 0
    for array in arrays:
        mapping = _mapping(array)
        if mapping is not None and hasattr(mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            try:
                mapping.madvise(mmap.MADV_DONTNEED)
                done += 1
            except (OSError, ValueError):  # a closed or private mapping: nothing to give back
                pass
    return done
