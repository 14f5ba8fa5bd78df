"""Study configs: defaults, relative paths, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from textlab._errors import ConfigError, InputFileError
from textlab.study.config import StudyConfig, load_study_config

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_seeds_config_reads_with_resolved_paths():
    config = load_study_config(SEEDS / "study.toml")
    assert config.corpus_path == (SEEDS / "metadata.csv").resolve()
    assert config.group_column == "narrative"
    assert config.contrast == ("huawei-led", "aws-led")
    assert config.n_topics_range == (3, 8)
    assert config.to_dict()["corpus_path"].endswith("metadata.csv")


def test_unknown_option_is_named(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[corpus]\npath = "x"\n[groups]\ncolumn = "g"\n[uncertainty]\nn_bootstrap = 5\n')
    with pytest.raises(ConfigError, match="n_bootstrap"):
        load_study_config(path)


def test_missing_group_column_and_bad_values(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[corpus]\npath = "x"\n')
    with pytest.raises(ConfigError, match=r"\[groups\] column"):
        load_study_config(path)
    with pytest.raises(ConfigError, match="resampling_unit"):
        StudyConfig(corpus_path=Path("x"), group_column="g", resampling_unit="token")
    with pytest.raises(ConfigError, match="n_topics_range"):
        StudyConfig(corpus_path=Path("x"), group_column="g", n_topics_range=(5, 3))


def test_missing_or_invalid_file(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        load_study_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[corpus\n")
    with pytest.raises(InputFileError, match="not valid TOML"):
        load_study_config(bad)


def test_replace_returns_new_config():
    config = StudyConfig(corpus_path=Path("x"), group_column="g")
    faster = config.replace(n_boot=10)
    assert faster.n_boot == 10 and config.n_boot == 500
    with pytest.raises(ConfigError, match="unknown option"):
        config.replace(nboot=3)


def test_resource_paths_are_relative_to_the_config(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text('[corpus]\npath = "texts"\n[groups]\ncolumn = "g"\n[tokens]\naliases = "my_aliases.toml"\n'
                    'stopwords = "default"\n[frames]\ncodebook = "frames.toml"\n')
    config = load_study_config(path)
    assert config.tokenizer["aliases"] == str((tmp_path / "my_aliases.toml").resolve())
    assert config.tokenizer["stopwords"] == "default"
    assert config.codebook == str((tmp_path / "frames.toml").resolve())


def test_unknown_lda_and_tokens_options_and_a_bare_contrast_are_refused(tmp_path):
    path = tmp_path / "s.toml"
    base = '[corpus]\npath = "x"\n[groups]\ncolumn = "g"\n'
    for extra, message in (('[lda]\nn_topic_range = [3, 4]\n', "n_topic_range"),
                           ('[tokens]\nstemm = "none"\n', "stemm"),
                           ('[groups]\ncolumn = "g"\ncontrast = "huawei-led"\n', "list of two different group values")):
        text = base.replace('[groups]\ncolumn = "g"\n', "") if extra.startswith("[groups]") else base
        path.write_text(text + extra)
        with pytest.raises(ConfigError, match=message):
            load_study_config(path)
    path.write_text(base + '[lda]\nalpha = 0.1\nrestarts = 2\n[tokens]\nstem = "snowball"\n')
    config = load_study_config(path)  # fit_lda and TokenizerOptions keywords pass through
    assert config.lda == {"alpha": 0.1, "restarts": 2} and config.tokenizer == {"stem": "snowball"}


def test_a_refused_value_names_the_config_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[corpus]\npath = "x"\n[groups]\ncolumn = "g"\n[passages]\nmax_words = "lots"\n')
    with pytest.raises(ConfigError, match=r"mine\.toml: .*max_words"):
        load_study_config(path)


def test_compute_figures_and_report_sections_are_read_and_checked(tmp_path):
    path = tmp_path / "s.toml"
    base = '[corpus]\npath = "x"\n[groups]\ncolumn = "g"\n'
    path.write_text(base + '[compute]\nstore = "disk"\ncache_dir = "cache"\nn_jobs = 2\n'
                    '[figures]\nformats = ["png"]\ndpi = 150\ncolors = { a = "#112233" }\n'
                    '[report]\ntitle = "Q?"\ncaveats = ["one", "two"]\n')
    config = load_study_config(path)
    assert (config.store, config.n_jobs, config.cache_dir) == ("disk", 2, str((tmp_path / "cache").resolve()))
    assert (config.figure_formats, config.figure_dpi, config.figure_colors) == (("png",), 150, {"a": "#112233"})
    assert (config.report_title, config.report_caveats) == ("Q?", ("one", "two"))
    defaults = StudyConfig(corpus_path=Path("x"), group_column="g")
    assert (defaults.store, defaults.n_jobs, defaults.figure_formats, defaults.figure_dpi) == ("auto", -1, ("pdf", "png"), 300)
    assert defaults.n_topics_range is None and defaults.codebook is None and defaults.figure_colors == {}
    for extra, message in (('[compute]\nstore = "cloud"\n', r"\[compute\] store = 'cloud' is not allowed"),
                           ('[compute]\nn_jobs = "4"\n', r"\[compute\] n_jobs = '4' is not allowed"),
                           ('[compute]\nn_jobs = 0\n', r"\[compute\] n_jobs = 0 is not allowed: expected a positive integer"),
                           ('[figures]\nformats = "pdf"\n', r"\[figures\] formats = 'pdf' is not allowed"),
                           ('[figures]\nformats = ["jpg"]\n', r"\[figures\] formats = \['jpg'\] is not allowed"),
                           ('[figures]\ndpi = 7\n', r"\[figures\] dpi = 7 is not allowed"),
                           ('[figures]\ncolors = { a = "red" }\n', r"\[figures\] colors = .* is not allowed"),
                           ('[report]\ncaveats = "one"\n', r"\[report\] caveats = 'one' is not allowed"),
                           ('[lda]\nn_topics_range = [3]\n', r"\[lda\] n_topics_range = \[3\] is not allowed")):
        path.write_text(base + extra)
        with pytest.raises(ConfigError, match=r"s\.toml: " + message):
            load_study_config(path)


def test_rerun_command_names_the_file_and_the_quick_look():
    config = load_study_config(SEEDS / "study.toml")
    assert config.rerun_command("figures", "figures") == "textlab figures seeds/study.toml --out figures"
    assert config.replace(fast=True).rerun_command("report") == "textlab report seeds/study.toml --fast"
