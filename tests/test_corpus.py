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


# --------------------------------------------------------------------------- one reader, one set of checks (issue 11)

from textlab.preprocessing.read import corpus_size, iter_corpus  # noqa: E402


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _all_formats(tmp_path: Path, table: pd.DataFrame) -> list[Path]:
    csv = tmp_path / "t.csv"
    table.to_csv(csv, index=False)
    parquet = tmp_path / "t.parquet"
    table.to_parquet(parquet, index=False, row_group_size=3)
    return [csv, _jsonl(tmp_path / "t.jsonl", table.to_dict("records")), parquet]


def test_chunked_reading_equals_whole_reading_in_every_format(tmp_path):
    table = pd.DataFrame({"doc_id": [f"{i:03d}" for i in range(23)], "text": [f"text {i}\r\nline" for i in range(23)],
                          "outlet": [f"o{i % 3}" for i in range(23)]})
    for path in _all_formats(tmp_path, table):
        whole = load_corpus(path).docs
        chunks = list(iter_corpus(path, chunk_size=4))
        assert [len(c) for c in chunks] == [4] * 5 + [3]
        pd.testing.assert_frame_equal(pd.concat(chunks), whole)
        assert whole.index.tolist() == table["doc_id"].tolist()
        assert whole["text"].tolist() == [t.replace("\r\n", "\n") for t in table["text"]]


def test_duplicate_ids_in_different_chunks_are_caught(tmp_path):
    table = pd.DataFrame({"doc_id": ["a", "b", "c", "d", "b"], "text": list("vwxyz")})
    for path in _all_formats(tmp_path, table):
        with pytest.raises(InputFileError, match=r"duplicate ids: 'b'"):
            list(iter_corpus(path, chunk_size=2))


def test_nul_bytes_in_tables_are_refused(tmp_path):
    jsonl = _jsonl(tmp_path / "t.jsonl", [{"doc_id": "a", "text": "ok"}, {"doc_id": "b", "text": "bad\u0000byte"}])
    with pytest.raises(InputFileError, match=r"t\.jsonl.*NUL.*'b'"):
        load_corpus(jsonl)
    raw = tmp_path / "t.csv"
    data = b"doc_id,text\na,fine\nb,bin\x00ary\n"
    raw.write_bytes(data)
    at = data.index(b"\x00")
    with pytest.raises(InputFileError, match=rf"t\.csv.*NUL byte at byte {at}"):
        list(iter_corpus(raw, chunk_size=1))
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"doc_id": ["a"], "text": ["x\x00y"]}).to_parquet(parquet)
    with pytest.raises(InputFileError, match="NUL"):
        load_corpus(parquet)


def test_integer_text_is_refused_in_jsonl_and_parquet(tmp_path):
    jsonl = _jsonl(tmp_path / "t.jsonl", [{"doc_id": "a", "text": "words"}, {"doc_id": "b", "text": 42}])
    with pytest.raises(InputFileError, match=r"t\.jsonl.*non-text values.*'b'"):
        list(iter_corpus(jsonl, chunk_size=1))
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"doc_id": ["a", "b"], "text": [1, 2]}).to_parquet(parquet)
    with pytest.raises(InputFileError, match=r"t\.parquet.*non-text values"):
        load_corpus(parquet)


def test_leading_bom_is_dropped_in_csv_and_jsonl(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_bytes("\ufeffdoc_id,text\na,hello\n".encode())
    assert load_corpus(csv).docs.loc["a", "text"] == "hello"  # the id column is found despite the BOM
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_bytes('\ufeff{"doc_id": "a", "text": "\\ufeffhi"}\n'.encode())
    assert load_corpus(jsonl).docs.loc["a", "text"] == "hi"


def test_reader_errors_name_the_file_and_line(tmp_path):
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"doc_id": "a", "text": "x"}\n{"doc_id": "b", "text": \n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"t\.jsonl: line 2 is not valid JSON"):
        load_corpus(jsonl)
    jsonl.write_text('{"doc_id": "a", "text": "x"}\n["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2 holds a JSON list"):
        load_corpus(jsonl)
    bad_utf8 = tmp_path / "u.jsonl"
    data = b'{"doc_id": "a", "text": "x"}\n{"doc_id": "b", "text": "caf\xe9"}\n'
    bad_utf8.write_bytes(data)
    at = data.index(b"\xe9")
    with pytest.raises(InputFileError, match=rf"u\.jsonl: is not valid UTF-8 at byte {at} \(line 2"):
        list(iter_corpus(bad_utf8, chunk_size=1))
    parquet = tmp_path / "p.parquet"
    parquet.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(InputFileError, match=r"p\.parquet: is not a readable Parquet file"):
        load_corpus(parquet)


def test_ragged_csv_rows_are_an_error_naming_the_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("doc_id,text,outlet\na,one,x,EXTRA\nb,two,y\n", encoding="utf-8")  # pandas would shift columns
    with pytest.raises(InputFileError, match=r"t\.csv: line 2 \(row 2\) has 4 fields but the header has 3"):
        load_corpus(path)
    path.write_text('doc_id,text,outlet\na,"multi\nline",x\nb,short\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 4 \(row 3\) has 2 fields"):
        load_corpus(path)


def test_csv_fields_are_missing_only_when_empty(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("doc_id,text,outlet\nNA,text one,null\nb,text two,\n", encoding="utf-8")
    docs = load_corpus(path).docs
    assert docs.index.tolist() == ["NA", "b"]  # pandas would have read the id 'NA' as missing
    assert docs.loc["NA", "outlet"] == "null" and pd.isna(docs.loc["b", "outlet"])


def _outside_link(tmp_path: Path, corpus: Path, name: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private notes")
    (corpus / name).symlink_to(secret)


def test_symlinks_leaving_the_corpus_folder_are_refused_in_every_mode(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("a text")
    _outside_link(tmp_path, corpus, "leak.txt")
    with pytest.raises(InputFileError, match=r"leak\.txt: is a symbolic link to .*outside the corpus folder"):
        load_corpus(corpus)  # folder mode
    (corpus / "metadata.csv").write_text("doc_id,file\na,a.txt\nb,leak.txt\n")
    with pytest.raises(InputFileError, match="outside the corpus folder"):
        load_corpus(corpus / "metadata.csv")  # metadata mode
    with pytest.raises(InputFileError, match="outside the corpus folder"):
        list(iter_corpus(corpus, chunk_size=1))  # folder with metadata, streamed
    (corpus / "leak.txt").unlink()
    (corpus / "sub").symlink_to(tmp_path, target_is_directory=True)
    (corpus / "metadata.csv").unlink()
    with pytest.raises(InputFileError, match=r"sub: is a symbolic link"):
        load_corpus(corpus)
    (corpus / "sub").unlink()
    (corpus / "inside.txt").symlink_to(corpus / "a.txt")  # a link that stays inside is fine
    assert load_corpus(corpus).docs.index.tolist() == ["a", "inside"]


def test_every_file_read_is_in_the_fingerprint(tmp_path):
    (tmp_path / "notes.md").write_text("A markdown document.")
    (tmp_path / "a.txt").write_text("A text document.")
    (tmp_path / "metadata.csv").write_text("doc_id,file\nm,notes.md\na,a.txt\n")
    extra = tmp_path / "extra.csv"
    extra.write_text("doc_id,outlet\nm,X\na,Y\n")
    files = load_corpus(tmp_path / "metadata.csv").params["files"]
    assert files == {"notes.md": _sha(tmp_path / "notes.md"), "a.txt": _sha(tmp_path / "a.txt"),
                     "metadata.csv": _sha(tmp_path / "metadata.csv")}
    (tmp_path / "metadata.csv").write_text("doc_id,file\nm,notes.md\na,a.txt\n")
    table = tmp_path / "t.jsonl"
    _jsonl(table, [{"doc_id": "m", "text": "x"}, {"doc_id": "a", "text": "y"}])
    params = load_corpus(table, metadata=extra).params
    assert params["files"] == {"t.jsonl": _sha(table), "extra.csv": _sha(extra)}


def test_compressed_tsv_and_row_number_ids(tmp_path):
    import gzip

    path = tmp_path / "t.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("text\tgroup\nfirst, with comma\tx\nsecond\ty\n")
    docs = load_corpus(path, id_column=None).docs
    assert docs.index.tolist() == ["0", "1"] and docs["text"].tolist() == ["first, with comma", "second"]


def test_corpus_size_counts_without_reading_texts(tmp_path):
    (tmp_path / "a.txt").write_text("12345")
    (tmp_path / "b.txt").write_text("123")
    assert corpus_size(tmp_path).n_docs == 2 and corpus_size(tmp_path).n_bytes == 8
    (tmp_path / "metadata.csv").write_text("doc_id,file\na,a.txt\n")
    assert corpus_size(tmp_path).n_docs == 1 and corpus_size(tmp_path).n_bytes == 5
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["x" * 100] * 3}).to_parquet(parquet)
    assert corpus_size(parquet).n_docs == 3 and corpus_size(parquet).n_bytes >= 300
    assert corpus_size(DATA / "table.csv").n_docs is None


def test_reader_params_after_iteration_and_keep_empty(tmp_path):
    path = _jsonl(tmp_path / "t.jsonl", [{"doc_id": "a", "text": "x"}, {"doc_id": "b", "text": " "}])
    reader = iter_corpus(path, on_empty="skip", chunk_size=1)
    assert sum(len(c) for c in reader) == 1
    assert reader.params["skipped_empty"] == ["b"] and reader.params["n_docs"] == 1
    assert sum(len(c) for c in iter_corpus(path, on_empty="keep")) == 2
