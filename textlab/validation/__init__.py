"""Human validation of topics and frames, offline: intrusion tests, frame coding, scoring, agreement.

``make_validation(result)`` draws word-intrusion and topic-intrusion items (Chang et al. 2009) and
a stratified frame-coding sample from a study's results; ``write_validation`` writes them as a
self-contained HTML form and a CSV for coders, with the answer key in a separate file;
``score_validation(folder, answers=[...])`` scores the coders' CSVs.  See ``docs/validation.md``.
"""

from textlab.validation.make import ValidationItems, make_validation, write_validation
from textlab.validation.score import ValidationScore, read_answers, score_validation, wilson_interval

__all__ = ["ValidationItems", "ValidationScore", "make_validation", "write_validation", "score_validation",
           "read_answers", "wilson_interval"]
