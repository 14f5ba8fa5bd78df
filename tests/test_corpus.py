"""Tests for textlab.preprocessing.read: every loader, and every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from textlab._errors import CleaningWarning, ConfigError, InputFileError
from textlab.preprocessing.read import Corpus, load_corpus, load_texts

DATA = Path(__file__).parent / "data" / "corpus"
SEEDS = Path(__file__).parents[1] / "seeds"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --------------------------------------------------------------------------- loaders


def test_metadata_csv_reads_named_files_with_string_ids_bom_and_crlf():
    corpus = load_corpus(DATA / "metadata.csv")
    docs = corpus.docs
    assert isinstance(corpus, Corpus)
    assert docs.index.name == "doc_id"
    assert docs.index.tolist() == ["001", "002"]  # leading zeros kept
    assert list(docs.columns[:1]) == ["text"]
    # BOM removed, CRLF -> LF, text otherwise byte-for-byte the file's
    assert docs.loc["001", "text"] == "Alpha headline\n\nAlpha body mentions data centres and chips.\n"
    assert docs.loc["002", "text"] == "Beta headline\n\nBeta body about cloud policy.\n"
    assert docs.loc["001", "outlet"] == "Daily Planet"
    assert pd.isna(docs.loc["002", "outlet"])  # missing metadata stays missing
    assert docs["file"].tolist() == ["texts/alpha.txt", "texts/beta.txt"]
    assert corpus.root == DATA
    files = corpus.params["files"]
    assert files["texts/alpha.txt"] == _sha(DATA / "texts" / "alpha.txt")
    assert files["texts/beta.txt"] == _sha(DATA / "texts" / "beta.txt")
    assert files["metadata.csv"] == _sha(DATA / "metadata.csv")


def test_folder_with_metadata_csv_equals_loading_the_csv():
    via_folder = load_corpus(DATA)
    via_csv = load_corpus(DATA / "metadata.csv")
    pd.testing.assert_frame_equal(via_folder.docs, via_csv.docs)


def test_folder_of_txt_files_uses_sorted_stems_as_ids():
    corpus = load_corpus(DATA / "texts")
    assert corpus.docs.index.tolist() == ["alpha", "beta"]
    assert corpus.docs.loc["beta", "text"].startswith("Beta headline\n")
    assert set(corpus.params["files"]) == {"alpha.txt", "beta.txt"}
    assert corpus.params["kind"] == "folder"


def test_folder_metadata_without_file_column_is_joined_on_stem(tmp_path):
    (tmp_path / "b.txt").write_text("bee text")
    (tmp_path / "a.txt").write_text("ay text")
    (tmp_path / "metadata.csv").write_text("doc_id,outlet\na,Paper A\n")
    docs = load_corpus(tmp_path).docs
    assert docs.index.tolist() == ["a", "b"]
    assert docs.loc["a", "outlet"] == "Paper A"
    assert pd.isna(docs.loc["b", "outlet"])


def test_folder_warns_about_txt_files_not_named_in_metadata(tmp_path):
    (tmp_path / "a.txt").write_text("ay text")
    (tmp_path / "stray.txt").write_text("not listed")
    (tmp_path / "metadata.csv").write_text("doc_id,file\na,a.txt\n")
    with pytest.warns(CleaningWarning, match="stray.txt"):
        docs = load_corpus(tmp_path).docs
    assert docs.index.tolist() == ["a"]


def test_csv_table_keeps_leading_zero_ids_and_multiline_text():
    corpus = load_corpus(DATA / "table.csv")
    docs = corpus.docs
    assert docs.index.tolist() == ["01", "02"]
    assert docs.loc["02", "text"] == "Second row\nspans two lines."
    assert docs.loc["01", "text"] == "First row text, with a comma."
    assert pd.isna(docs.loc["02", "outlet"])
    assert corpus.root is None
    assert corpus.params["files"] == {"table.csv": _sha(DATA / "table.csv")}


def test_jsonl_table():
    docs = load_corpus(DATA / "table.jsonl").docs
    assert docs.index.tolist() == ["a1", "a2"]
    assert docs["text"].tolist() == ["JSON text one.", "JSON text two."]
    assert docs["year"].tolist() == [2024, 2025]


def test_parquet_table_with_integer_ids_and_custom_columns(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"id": [7, 3], "body": ["seven\r\nlines", "three"], "group": ["x", "y"]}).to_parquet(path)
    docs = load_corpus(path, text_column="body", id_column="id").docs
    assert docs.index.tolist() == ["7", "3"]  # ids are strings, file order kept
    assert docs.loc["7", "text"] == "seven\nlines"
    assert list(docs.columns) == ["text", "group"]


def test_load_texts_from_mapping_and_list():
    meta = pd.DataFrame({"doc_id": ["b", "a"], "outlet": ["B", "A"]})
    docs = load_texts({"a": "one\r\ntwo", "b": "three"}, meta).docs
    assert docs.loc["a", "text"] == "one\ntwo"
    assert docs.loc["a", "outlet"] == "A" and docs.loc["b", "outlet"] == "B"
    listed = load_texts([f"text {i}" for i in range(11)], pd.DataFrame({"g": list(range(11))})).docs
    assert listed.index[0] == "00" and listed.index[-1] == "10"
    assert listed.loc["07", "g"] == 7


def test_load_texts_rejects_misaligned_metadata_and_single_string():
    with pytest.raises(ConfigError, match="3 rows but there are 2 texts"):
        load_texts(["a", "b"], pd.DataFrame({"g": [1, 2, 3]}))
    with pytest.raises(ConfigError, match="texts="):
        load_texts("just one string")


def test_seeds_load_with_string_ids_and_metadata():
    docs = load_corpus(SEEDS / "metadata.csv").docs
    assert docs.index.tolist() == ["000", "001", "002", "003", "004"]
    assert docs["narrative"].tolist() == ["huawei-led", "aws-led", "mixed", "huawei-led", "huawei-led"]
    raw = (SEEDS / "001_915cb3ff9d8727fb.txt").read_text(encoding="utf-8")
    assert docs.loc["001", "text"] == raw


# --------------------------------------------------------------------------- bad input


def _meta_corpus(tmp_path: Path, rows: str, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "metadata.csv").write_text("doc_id,file\n" + rows)
    return tmp_path / "metadata.csv"


def test_invalid_utf8_names_file_and_byte_offset_and_encoding_option_reads_it(tmp_path):
    meta = _meta_corpus(tmp_path, "x,x.txt\n", {"x.txt": b"Good line\ncaf\xe9 au lait\n"})
    before = _listing(tmp_path)
    with pytest.raises(InputFileError) as info:
        load_corpus(meta)
    message = str(info.value)
    assert "x.txt" in message
    assert "byte 13" in message  # len(b"Good line\ncaf") == 13
    assert "line 2" in message
    assert "encoding=" in message
    assert _listing(tmp_path) == before  # nothing written
    docs = load_corpus(meta, encoding="latin-1").docs
    assert docs.loc["x", "text"] == "Good line\ncafé au lait\n"


def test_binary_file_is_an_error(tmp_path):
    meta = _meta_corpus(tmp_path, "x,x.txt\n", {"x.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    with pytest.raises(InputFileError, match=r"x\.txt.*binary.*byte 8"):
        load_corpus(meta)


def test_empty_file_error_warn_and_skip(tmp_path):
    meta = _meta_corpus(tmp_path, "a,a.txt\nb,b.txt\n", {"a.txt": b"text", "b.txt": b" \n\t\n"})
    with pytest.raises(InputFileError, match=r"empty.*'b'.*on_empty"):
        load_corpus(meta)
    with pytest.warns(CleaningWarning, match="'b'"):
        warned = load_corpus(meta, on_empty="warn")
    assert warned.docs.index.tolist() == ["a"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skipped = load_corpus(meta, on_empty="skip")
    assert skipped.docs.index.tolist() == ["a"]
    assert skipped.params["skipped_empty"] == ["b"]
    with pytest.raises(ConfigError, match="on_empty='drop'"):
        load_corpus(meta, on_empty="drop")


def test_empty_text_in_table_is_reported(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [{"doc_id": "a", "text": "x"}, {"doc_id": "b", "text": ""}]))
    with pytest.raises(InputFileError, match=r"t\.jsonl.*'b'"):
        load_corpus(path)


def test_missing_file_named_in_metadata(tmp_path):
    meta = _meta_corpus(tmp_path, "a,a.txt\nb,gone.txt\n", {"a.txt": b"text"})
    with pytest.raises(InputFileError, match=r"metadata\.csv.*row 3 \(doc_id 'b'\).*'gone\.txt' not found"):
        load_corpus(meta)


def test_duplicate_ids_are_listed(tmp_path):
    meta = _meta_corpus(tmp_path, "a,a.txt\nb,b.txt\na,c.txt\n", {n: b"t" for n in ("a.txt", "b.txt", "c.txt")})
    with pytest.raises(InputFileError, match=r"duplicate ids: 'a'"):
        load_corpus(meta)
    table = tmp_path / "t.csv"
    table.write_text("doc_id,text\n01,x\n1,y\n01,z\n")
    with pytest.raises(InputFileError, match=r"duplicate ids: '01'"):
        load_corpus(table)


def test_blank_id_is_reported_with_its_row(tmp_path):
    meta = _meta_corpus(tmp_path, "a,a.txt\n,b.txt\n", {"a.txt": b"text", "b.txt": b"text"})
    with pytest.raises(InputFileError, match=r"without an id in rows '3'"):
        load_corpus(meta)


@pytest.mark.parametrize("name", ["../outside.txt", "sub/../../outside.txt"])
def test_path_escaping_corpus_folder_is_refused(tmp_path, name):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "sub").mkdir()
    (tmp_path / "outside.txt").write_text("secret")
    (corpus_dir / "metadata.csv").write_text(f"doc_id,file\nx,{name}\n")
    with pytest.raises(InputFileError, match="outside the corpus folder"):
        load_corpus(corpus_dir / "metadata.csv")


def test_absolute_path_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text("text")
    (tmp_path / "metadata.csv").write_text(f"doc_id,file\nx,{tmp_path / 'a.txt'}\n")
    with pytest.raises(InputFileError, match="absolute path"):
        load_corpus(tmp_path / "metadata.csv")


def test_missing_column_names_column_and_lists_found(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,body\n1,x\n")
    with pytest.raises(InputFileError, match=r"nor a 'text' column .*columns found: 'id', 'body'.*text_column="):
        load_corpus(path)
    with pytest.raises(InputFileError, match=r"no column 'doc_id'.*id_column="):
        load_corpus(path, text_column="body")


def test_unsupported_and_missing_paths(tmp_path):
    odd = tmp_path / "corpus.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(InputFileError, match=r"unsupported type '\.xlsx'"):
        load_corpus(odd)
    with pytest.raises(InputFileError, match="does not exist"):
        load_corpus(tmp_path / "nope.csv")
    with pytest.raises(ConfigError, match="encoding='no-such-codec'"):
        load_corpus(DATA / "table.csv", encoding="no-such-codec")


def test_loading_does_not_modify_input_files():
    before = {p: _sha(p) for p in sorted(DATA.rglob("*")) if p.is_file()}
    load_corpus(DATA)
    load_corpus(DATA / "table.csv")
    assert {p: _sha(p) for p in sorted(DATA.rglob("*")) if p.is_file()} == before


def test_utf8_file_read_with_a_single_byte_encoding_is_flagged(tmp_path):
    meta = _meta_corpus(tmp_path, "a,a.txt\nb,b.txt\n", {"a.txt": b"caf\xe9\n", "b.txt": "naïve café\n".encode()})
    with pytest.warns(CleaningWarning, match=r"b\.txt: is valid UTF-8 but read as latin-1"):
        docs = load_corpus(meta, encoding="latin-1").docs
    assert docs.loc["a", "text"] == "café\n"  # the latin-1 file is read right; b's mojibake is flagged


def test_csv_with_neither_file_nor_text_column_says_both(tmp_path):
    path = tmp_path / "metadata.csv"
    path.write_text("doc_id,outlet\na,x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"metadata\.csv: has neither a 'file' column .* nor a 'text' column"):
        load_corpus(path)


def test_many_garbled_files_give_one_warning(tmp_path):
    files = {f"{i}.txt": "café\n".encode() for i in range(12)}
    meta = _meta_corpus(tmp_path, "".join(f"{i},{i}.txt\n" for i in range(12)), files)
    with pytest.warns(CleaningWarning) as record:
        load_corpus(meta, encoding="latin-1")
    garbled = [w for w in record if "valid UTF-8" in str(w.message)]
    assert len(garbled) == 1 and "12 files are valid UTF-8" in str(garbled[0].message) and "2 more" in str(garbled[0].message)
