"""textlab: topic modelling and comparative text analysis of how sources frame a subject.

The pipeline, one public function per arrow::

    load_corpus -> clean_corpus -> split_passages -> tokenize        (preprocessing)
    count_terms -> fit_tfidf / distinctive_terms / score_keyness     (preprocessing.counts, analysis)
    fit_lda -> select_n_topics -> assess_stability -> top_terms      (analysis.topics)
    estimate_prevalence, score_frames, keywords_in_context           (analysis)
    plots.plot_*  ->  make_figures / write_report                    (plots, study)

``run_study`` runs all of it from a study config (TOML).
"""

from __future__ import annotations

import importlib
from typing import Any

from textlab._version import __version__

# Public name -> module that defines it. Imported on first use (PEP 562), so that
# `import textlab` and `textlab --help` do not load gensim, SciPy or matplotlib.
_LAZY: dict[str, str] = {
    'ConfigError': 'textlab._errors',
    'EstimationError': 'textlab._errors',
    'InputFileError': 'textlab._errors',
    'SmallSampleWarning': 'textlab._errors',
    'TextlabError': 'textlab._errors',
    'TextlabWarning': 'textlab._errors',
    'CleanResult': 'textlab.preprocessing.clean',
    'audit_summary': 'textlab.preprocessing.clean',
    'clean_corpus': 'textlab.preprocessing.clean',
    'clean_text': 'textlab.preprocessing.clean',
    'keywords_in_context': 'textlab.analysis.kwic',
    'Codebook': 'textlab.analysis.frames',
    'FrameResult': 'textlab.analysis.frames',
    'default_codebook_path': 'textlab.analysis.frames',
    'load_codebook': 'textlab.analysis.frames',
    'score_frames': 'textlab.analysis.frames',
    'KeynessResult': 'textlab.analysis.keyness',
    'score_keyness': 'textlab.analysis.keyness',
    'PrevalenceResult': 'textlab.analysis.prevalence',
    'estimate_prevalence': 'textlab.analysis.prevalence',
    'StudyConfig': 'textlab.study.config',
    'load_study_config': 'textlab.study.config',
    'Corpus': 'textlab.preprocessing.read',
    'load_corpus': 'textlab.preprocessing.read',
    'load_texts': 'textlab.preprocessing.read',
    'DocumentTermMatrix': 'textlab.preprocessing.counts',
    'aggregate_counts': 'textlab.preprocessing.counts',
    'count_terms': 'textlab.preprocessing.counts',
    'label_topics': 'textlab.analysis.topics.labels',
    'representative_passages': 'textlab.analysis.topics.labels',
    'top_terms': 'textlab.analysis.topics.labels',
    'topic_map': 'textlab.analysis.topics.labels',
    'LdaFit': 'textlab.analysis.topics.lda',
    'fit_lda': 'textlab.analysis.topics.lda',
    'ModelSelection': 'textlab.analysis.topics.selection',
    'choose_n_topics': 'textlab.analysis.topics.selection',
    'select_n_topics': 'textlab.analysis.topics.selection',
    'StabilityResult': 'textlab.analysis.topics.stability',
    'assess_stability': 'textlab.analysis.topics.stability',
    'fit_seeds': 'textlab.analysis.topics.stability',
    'match_topics': 'textlab.analysis.topics.stability',
    'TfidfResult': 'textlab.analysis.tfidf',
    'distinctive_terms': 'textlab.analysis.tfidf',
    'fit_tfidf': 'textlab.analysis.tfidf',
    'similarity_table': 'textlab.analysis.tfidf',
    'TokenizedCorpus': 'textlab.preprocessing.tokens',
    'TokenizerOptions': 'textlab.preprocessing.tokens',
    'preprocess': 'textlab.preprocessing.tokens',
    'split_passages': 'textlab.preprocessing.tokens',
    'tokenize': 'textlab.preprocessing.tokens',
    'tokenize_text': 'textlab.preprocessing.tokens',
    'StudyResult': 'textlab.study.run',
    'prepare_tokens': 'textlab.study.run',
    'run_study': 'textlab.study.run',
    'write_results': 'textlab.study.run',
    'read_results': 'textlab.study.results',
    'Step': 'textlab.study.steps',
    'register_step': 'textlab.study.steps',
    'iter_documents': 'textlab.preprocessing.stream',
    'preprocess_stream': 'textlab.preprocessing.stream',
    'aggregate_group_counts': 'textlab.store.cache',
    'build_bow_cache': 'textlab.store.cache',
    'load_cached_corpus': 'textlab.store.cache',
    'sampled_coherence': 'textlab.store.cache',
    'TextData': 'textlab.data',
    'Result': 'textlab.data',
    'aggregate': 'textlab.store.aggregate',
    'load_counts': 'textlab.store.load',
    'open_data': 'textlab.store.disk',
    'open_tokens': 'textlab.store.disk',
    'TokenShardWriter': 'textlab.store.disk',
    'build_figures': 'textlab.study.figures',
    'make_figures': 'textlab.study.figures',
    'write_report': 'textlab.study.report',
    'prepare_data': 'textlab.preprocessing.pipeline',
    'PreparedCorpus': 'textlab.preprocessing.pipeline',
    'KeywordsInContext': 'textlab.analysis.kwic',
    'default_n_topics_range': 'textlab.analysis.topics.selection',
    'KRangeEdgeWarning': 'textlab.analysis.topics.selection',
    'Contrast': 'textlab.stats.contrasts',
    'permutation_test': 'textlab.stats.permutation',
    'read_export': 'textlab.preprocessing.exports',
    'detect_export_format': 'textlab.preprocessing.exports',
    'detect_profile': 'textlab.preprocessing.exports.profile',
    'find_boilerplate': 'textlab.preprocessing.boilerplate',
    'remove_boilerplate': 'textlab.preprocessing.boilerplate',
    'find_duplicates': 'textlab.preprocessing.duplicates',
    'resolve_duplicates': 'textlab.preprocessing.duplicates',
    'EffectResult': 'textlab.analysis.effects',
    'estimate_effect': 'textlab.analysis.effects',
    'GuidedTopics': 'textlab.analysis.topics.guided',
    'fit_guided_lda': 'textlab.analysis.topics.guided',
    'make_validation': 'textlab.validation',
    'write_validation': 'textlab.validation',
    'score_validation': 'textlab.validation',
    'lock_study': 'textlab.study.lock',
    'check_lock': 'textlab.study.lock',
    'explore': 'textlab.explorer',
    'Explorer': 'textlab.explorer',
    'use_compute': 'textlab.compute',
    'read_spark_parquet': 'textlab.compute.spark',
    'score_study_keyness': 'textlab.analysis.keyness_groups',
    'top_key_terms': 'textlab.analysis.keyness_groups',
    'PerspectivesResult': 'textlab.analysis.perspectives',
    'score_perspectives': 'textlab.analysis.perspectives',
    'score_frame_wording': 'textlab.analysis.perspectives',
    'topic_token_counts': 'textlab.analysis.perspectives',
    'fit_sampled_lda': 'textlab.analysis.topics.sampled',
    'fit_distributed_lda': 'textlab.analysis.topics.distributed',
    'infer_topics': 'textlab.analysis.topics.sampled',
    'read_counts_corpus': 'textlab.study.counts_input',
    'plots': 'textlab.plots',
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'textlab' has no attribute {name!r}")
    value = importlib.import_module(module)
    if name != 'plots':
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
