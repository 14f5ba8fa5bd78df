"""An offline, interactive explorer of a study: topics, relevance, groups, frames, key terms and evidence.

:func:`explore` builds an :class:`Explorer` from a study result (or a results folder); its
``save(path)`` writes one self-contained HTML file (Vega-Lite through altair, the JavaScript
inlined, nothing fetched), and it displays inline in Jupyter.  ``textlab explore`` does the same
from the command line.  See ``docs/explorer.md``.
"""

from textlab.explorer.explorer import Explorer, explore

__all__ = ["Explorer", "explore"]
