"""Private text-processing pieces behind :mod:`textlab.preprocess` (normalise, aliases, passages)."""
