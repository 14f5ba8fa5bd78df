"""textlab: topic modelling and comparative text analysis of how sources frame a subject.

The pipeline, one public function per arrow::

    load_corpus -> clean_corpus -> split_passages -> tokenize        (corpus, clean, preprocess)
    count_terms -> fit_tfidf / distinctive_terms / score_keyness     (models.counts, models.tfidf, compare.keyness)
    fit_lda -> select_n_topics -> assess_stability -> top_terms      (models.lda, models.selection, ...)
    estimate_prevalence, score_frames, keywords_in_context           (compare)
    plots.plot_*  ->  make_figures / write_report                    (plots, figures, report)

``run_study`` runs all of it from a study config (TOML).
"""

from ._errors import (
    ConfigError,
    EstimationError,
    InputFileError,
    SmallSampleWarning,
    TextlabError,
    TextlabWarning,
)
from .clean import CleanResult, audit_summary, clean_corpus, clean_text
from .compare.evidence import keywords_in_context
from .compare.frames import Codebook, FrameResult, default_codebook_path, load_codebook, score_frames
from .compare.keyness import KeynessResult, score_keyness
from .compare.prevalence import PrevalenceResult, estimate_prevalence
from .config import StudyConfig, load_study_config
from .corpus import Corpus, load_corpus, load_texts
from .models.counts import DocumentTermMatrix, aggregate_counts, count_terms
from .models.labels import label_topics, representative_passages, top_terms, topic_map
from .models.lda import LdaFit, fit_lda
from .models.selection import ModelSelection, choose_n_topics, select_n_topics
from .models.stability import StabilityResult, assess_stability, fit_seeds, match_topics
from .models.tfidf import TfidfResult, distinctive_terms, fit_tfidf, similarity_table
from .preprocess import TokenizedCorpus, TokenizerOptions, preprocess, split_passages, tokenize, tokenize_text
from .study import StudyResult, prepare_tokens, run_study, write_results
from .stream import iter_documents, preprocess_stream
from .cache import CachedCorpus, aggregate_group_counts, build_bow_cache, load_cached_corpus, sampled_coherence
from .figures import build_figures, make_figures
from .report import write_report
from . import plots

from ._version import __version__

__all__ = [
    "CleanResult", "Codebook", "ConfigError", "Corpus", "DocumentTermMatrix", "EstimationError", "FrameResult",
    "InputFileError", "KeynessResult", "LdaFit", "ModelSelection", "PrevalenceResult", "SmallSampleWarning",
    "StabilityResult", "StudyConfig", "StudyResult", "TextlabError", "TextlabWarning", "TfidfResult",
    "TokenizedCorpus", "TokenizerOptions",
    "CachedCorpus", "aggregate_group_counts", "build_bow_cache", "iter_documents", "load_cached_corpus",
    "preprocess_stream", "sampled_coherence",
    "aggregate_counts", "assess_stability", "build_figures", "make_figures", "plots", "write_report", "audit_summary", "choose_n_topics", "clean_corpus", "clean_text",
    "count_terms", "default_codebook_path", "distinctive_terms", "estimate_prevalence", "fit_lda", "fit_seeds",
    "fit_tfidf", "keywords_in_context", "label_topics", "load_codebook", "load_corpus", "load_study_config",
    "load_texts", "match_topics", "prepare_tokens", "preprocess", "representative_passages", "run_study",
    "score_frames", "score_keyness", "select_n_topics", "similarity_table", "split_passages", "tokenize",
    "tokenize_text", "top_terms", "topic_map", "write_results",
]
