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
import sys
from functools import lru_cache

__all__ = ["release_memory"]


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
