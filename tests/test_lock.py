"""The locked analysis plan: a locked study reruns as matching; any edit shows as a deviation."""

from __future__ import annotations

import json
import shutil

import pytest

from textlab.cli import main
from textlab.study.config import load_study_config
from textlab.study.lock import check_lock, lock_path, lock_study


@pytest.fixture()
def study(tmp_path, seeds_dir):
    """The seeds study copied with its own codebook and stopword file (files the lock must hash)."""
    folder = tmp_path / "plan"
    shutil.copytree(seeds_dir, folder, ignore=shutil.ignore_patterns("study.toml", "README*"))
    (folder / "stop.txt").write_text("the\nand\n", encoding="utf-8")
    text = (seeds_dir / "study.toml").read_text(encoding="utf-8")
    assert 'codebook = "codebook.toml"' in text  # the study's own codebook, copied with the folder
    text = text.replace("[tokens]\n", '[tokens]\nstopwords = "stop.txt"\n', 1)
    (folder / "study.toml").write_text(text, encoding="utf-8")
    return folder / "study.toml"


def _corpus_only_run(study_file):
    from textlab.study.run import run_study
    from textlab.study.steps import get_step

    return run_study(study_file, steps=[get_step("corpus")])


def test_lock_records_hashes_seeds_and_environment(study):
    assert main(["lock", str(study)]) == 0
    data = json.loads(lock_path(study).read_text(encoding="utf-8"))
    assert lock_path(study).name == "study.lock.json"
    from textlab._io import sha256_file

    assert data["files"]["study"]["sha256"] == sha256_file(study)
    assert data["files"]["codebook"]["sha256"] == sha256_file(study.parent / "codebook.toml")
    assert data["files"]["tokens.stopwords"]["sha256"] == sha256_file(study.parent / "stop.txt")
    assert "tokens.aliases" in data["files"]  # the shipped default is hashed too
    assert data["seeds"]["stability_random_states"] == [0, 1, 2, 3, 4]
    assert data["requirements_lock"]["sha256"]  # the repository's requirements.lock, found above the study
    assert data["packages"]["numpy"]


def test_locked_study_reruns_as_matching_and_an_edited_codebook_deviates(study):
    lock_study(study)
    result = _corpus_only_run(study)
    assert result.provenance["lock"]["status"] == "matches"
    assert result.provenance["lock"]["deviations"] == []

    book = study.parent / "codebook.toml"
    book.write_text(book.read_text(encoding="utf-8").replace('"sanctions",', '"sanctions", "tariffs",', 1),
                    encoding="utf-8")
    check = check_lock(load_study_config(study))
    assert check["status"] == "deviates"
    assert len(check["deviations"]) == 1 and check["deviations"][0].startswith("codebook:")
    rerun = _corpus_only_run(study)
    assert rerun.provenance["lock"]["status"] == "deviates"

    from textlab.study.report import _front

    first_page = "".join(_front(rerun))
    assert "deviates from the lock" in first_page and "codebook:" in first_page


def test_changed_seed_and_stopwords_are_listed(study):
    lock_study(study)
    text = study.read_text(encoding="utf-8").replace("random_state = 0", "random_state = 7")
    study.write_text(text, encoding="utf-8")
    (study.parent / "stop.txt").write_text("the\n", encoding="utf-8")
    deviations = check_lock(load_study_config(study))["deviations"]
    assert any(d.startswith("study:") for d in deviations)
    assert any(d.startswith("tokens.stopwords:") for d in deviations)
    assert "seeds: random_state = 7 (locked: 0)" in deviations


def test_no_lock_and_a_broken_lock(study, tmp_path):
    assert check_lock(load_study_config(study))["status"] == "no lock"
    lock_path(study).write_text("{not json", encoding="utf-8")
    assert main(["lock", str(study), "--out", str(tmp_path / "other.lock.json")]) == 0
    result = _corpus_only_run(study)
    assert result.provenance["lock"]["status"] == "deviates"
    assert "textlab lock" in result.provenance["lock"]["deviations"][0]
