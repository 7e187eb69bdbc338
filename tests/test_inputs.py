"""classifier.inputs: discovery, decoding, tables and batching, without the model."""

from __future__ import annotations

import io
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.errors import InputError
from classifier.inputs import (
    Document,
    Issue,
    ReadOptions,
    Source,
    batches,
    check_columns,
    discover,
    extract_html,
    html_encoding,
    read_documents,
)
from classifier.tables import format_for


def read(paths, **kw):
    options = ReadOptions(**kw)
    sources = discover([str(p) for p in paths], options)
    check_columns(sources, options)
    return list(read_documents(sources, options))


def docs(items):
    return [(i.doc, i.text) for i in items if isinstance(i, Document)]


def issues(items):
    return [str(i) for i in items if isinstance(i, Issue)]


def test_format_by_extension_or_override():
    assert format_for("a/b.TXT") == "text"
    assert format_for("x.md") == "text"
    assert format_for("page.htm") == "html"
    assert format_for("d.ndjson") == "jsonl"
    assert format_for("t.tsv") == "tsv"
    assert format_for("noext") == "text"
    assert format_for("data.txt", "jsonl") == "jsonl"


def test_discover_orders_walks_and_filters(tmp_path):
    (tmp_path / "d" / "b").mkdir(parents=True)
    (tmp_path / "d" / "z.txt").write_text("z")
    (tmp_path / "d" / "a.html").write_text("<p>a</p>")
    (tmp_path / "d" / "b" / "c.txt").write_text("c")
    (tmp_path / "d" / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "d" / ".git").mkdir()
    (tmp_path / "d" / ".git" / "x.txt").write_text("hidden")
    found = discover([str(tmp_path / "d"), "-", str(tmp_path / "nope.txt")], ReadOptions())
    names = [(s.name, s.fmt) if isinstance(s, Source) else str(s) for s in found]
    d = tmp_path / "d"
    assert names == [(f"{d}/a.html", "html"), (f"{d}/z.txt", "text"), (f"{d}/b/c.txt", "text"), ("<stdin>", "auto"),
                     f"{tmp_path / 'nope.txt'}: no such file or directory, skipped"]
    only = discover([str(d)], ReadOptions(globs=("*.html",)))
    assert [s.name for s in only] == [f"{d}/a.html"]
    none = discover([str(d)], ReadOptions(globs=("*.pdf",)))
    assert len(none) == 1 and isinstance(none[0], Issue) and "no files matching *.pdf" in none[0].message


def test_decoding_bom_wide_and_errors(tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfHello there.")
    (tmp_path / "u16.txt").write_bytes("Grüße aus Köln.".encode("utf-16"))
    (tmp_path / "bad.txt").write_bytes(b"ok \xff bad")
    (tmp_path / "nul.txt").write_bytes(b"a\x00b")
    (tmp_path / "gz.txt").write_bytes(b"\x1f\x8b\x08\x00rest")
    (tmp_path / "ws.txt").write_bytes(b" \n\t\n")
    items = read(sorted(tmp_path.iterdir()))
    assert docs(items) == [(str(tmp_path / "bom.txt"), "Hello there."), (str(tmp_path / "u16.txt"), "Grüße aus Köln.")]
    msgs = issues(items)
    assert f"{tmp_path / 'bad.txt'}: invalid UTF-8 (byte 0xff at offset 3); try --encoding, skipped" in msgs
    assert f"{tmp_path / 'nul.txt'}: binary file (NUL bytes), skipped" in msgs
    assert f"{tmp_path / 'gz.txt'}: binary file (gzip data), skipped" in msgs
    assert f"{tmp_path / 'ws.txt'}: empty file, 0 rows" in msgs
    notes = [i for i in items if isinstance(i, Issue) and not i.error]
    assert [n.source for n in notes] == [str(tmp_path / "ws.txt")]
    assert docs(read([tmp_path / "bad.txt"], encoding="latin-1")) == [(str(tmp_path / "bad.txt"), "ok ÿ bad")]


def test_jsonl_rows_ids_and_line_numbers(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"\n".join([
        json.dumps({"id": 7, "text": "one"}).encode(),
        b"",
        b"{broken",
        json.dumps({"id": None, "text": "two"}).encode(),
        b'{"id": "x", "text": "bad \xff byte"}',
        json.dumps({"id": "y", "text": None}).encode(),
        json.dumps({"id": "z", "text": "lone \ud800 surrogate"}).encode(),
    ]) + b"\n")
    items = read([path], id_column="id")
    assert docs(items) == [("7", "one"), (f"{path}:4", "two"), ("z", "lone \ufffd surrogate")]
    assert issues(items) == [f"{path}: line 3: malformed JSON (Expecting property name enclosed in double quotes), line skipped",
                             f"{path}: line 5: invalid UTF-8 (byte 0xff), line skipped",
                             f"{path}: line 6: no text (null) in column 'text', row skipped"]


def test_many_bad_lines_are_summarised(tmp_path):
    path = tmp_path / "junk.jsonl"
    path.write_text("nope\n" * 25 + json.dumps({"text": "fine"}) + "\n")
    items = read([path])
    msgs = issues(items)
    assert len(msgs) == 11 and msgs[-1] == f"{path}: 15 more problem rows not shown (25 in all)"
    assert docs(items) == [(f"{path}:26", "fine")]


def test_csv_tsv_quoting_multiline_and_short_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,text\n1,"first, with comma"\n2,"two\n\nparagraphs"\n3\n', encoding="utf-8")
    items = read([path], id_column="id")
    assert docs(items) == [("1", "first, with comma"), ("2", "two\n\nparagraphs")]
    assert issues(items) == [f"{path}: row 3 (line 6): 1 fields, the header has 2, row skipped"]
    tsv = tmp_path / "t.tsv"
    tsv.write_text("text\tid\nhello\tA\n", encoding="utf-8")
    assert docs(read([tsv], id_column="id")) == [("A", "hello")]


def test_missing_columns_raise_before_reading(tmp_path):
    (tmp_path / "a.csv").write_text("title,body\nx,y\n")
    with pytest.raises(InputError, match=r"a\.csv: no column 'text' \(columns: title, body\); choose one with --text-column"):
        read([tmp_path / "a.csv"])
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "p.parquet")
    with pytest.raises(InputError, match="no column 'text' \\(columns: body\\)"):
        read([tmp_path / "p.parquet"])
    (tmp_path / "j.jsonl").write_text("garbage\n" + json.dumps({"body": "x"}) + "\n")
    with pytest.raises(InputError, match="no column 'uid'"):
        read([tmp_path / "j.jsonl"], text_column="body", id_column="uid")


def test_parquet_rows_and_corruption(tmp_path):
    pq.write_table(pa.table({"text": ["a", None, "c"], "n": [1, 2, 3]}), tmp_path / "ok.parquet")
    items = read([tmp_path / "ok.parquet"], id_column="n")
    assert docs(items) == [("1", "a"), ("3", "c")]
    assert issues(items) == [f"{tmp_path / 'ok.parquet'}: row 2: no text (null) in column 'text', row skipped"]
    good = (tmp_path / "ok.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(good[: len(good) // 2])
    (tmp_path / "junk.parquet").write_text("not parquet at all")
    msgs = issues(read([tmp_path / "cut.parquet", tmp_path / "junk.parquet"]))
    assert len(msgs) == 2 and all("not a valid parquet file" in m for m in msgs)
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), tmp_path / "empty.parquet")
    assert issues(read([tmp_path / "empty.parquet"])) == [f"{tmp_path / 'empty.parquet'}: no rows, 0 rows"]


def test_stdin_tables_keep_the_peeked_lines(monkeypatch):
    data = "".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(5)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    items = read(["-"], input_format="jsonl")
    assert [t for _, t in docs(items)] == [f"row {i}" for i in range(5)]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"title\nx\n")))
    with pytest.raises(InputError, match="<stdin>: no column 'text'"):
        read(["-"], input_format="csv")


def test_html_extraction_keeps_paragraphs():
    try:
        import trafilatura  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"trafilatura cannot be imported ({exc}); the lxml_html_clean package must be installed")
    page = ("<html><body><article><h1>Title line</h1><p>First paragraph of the story, long enough to keep.</p>"
            "<p>Second paragraph of the story, also long enough.</p></article>"
            "<div class='comments'><p>A reader comment that must not appear.</p></div></body></html>")
    text = extract_html(page)
    assert "First paragraph of the story, long enough to keep.\n\nSecond paragraph" in text
    assert "reader comment" not in text
    assert extract_html("<html><body></body></html>") == ""


def test_batches_cap_documents_and_characters():
    items = [Document(str(i), "x" * 10) for i in range(7)] + [Issue("f", "bad")]
    sizes = [[type(b).__name__ for b in batch] for batch in batches(items, max_docs=3)]
    assert sizes == [["Document"] * 3, ["Document"] * 3, ["Document", "Issue"]]
    big = [Document("a", "x" * 100), Document("b", "y"), Document("c", "z" * 100)]
    assert [len(b) for b in batches(big, max_docs=10, max_chars=100)] == [1, 2]


# -- issue 8: nothing dropped or repr-scored silently -----------------------------------------


@pytest.mark.parametrize("value, reason", [
    (None, "no text (null)"), (float("nan"), "no text (null)"), ("", "no text (empty)"), ("  \n", "no text (whitespace only)"),
    (1, "text is int, not a string"), (["a radical", "regime"], "text is list, not a string"),
    ({"a": 1}, "text is dict, not a string"), (True, "text is bool, not a string"),
])
def test_unusable_jsonl_text_is_reported_per_row(tmp_path, value, reason):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"text": "A fine row."}) + "\n" + json.dumps({"text": value}) + "\n", encoding="utf-8")
    items = read([path])
    assert docs(items) == [(f"{path}:1", "A fine row.")]
    assert issues(items) == [f"{path}: line 2: {reason} in column 'text', row skipped"]
    assert all(i.error for i in items if isinstance(i, Issue))


def test_parquet_non_string_columns_are_refused_per_row_and_bytes_decoded(tmp_path):
    pq.write_table(pa.table({"text": pa.array([1, None, 3, None], pa.int64())}), tmp_path / "ints.parquet")
    items = read([tmp_path / "ints.parquet"])
    assert docs(items) == [] and len(issues(items)) == 4
    assert issues(items)[0].endswith("row 1: text is int, not a string in column 'text', row skipped")
    pq.write_table(pa.table({"text": pa.array([b"A radical regime.", b"\xff\xfe"], pa.binary())}), tmp_path / "bin.parquet")
    items = read([tmp_path / "bin.parquet"])
    assert docs(items) == [(f"{tmp_path / 'bin.parquet'}:1", "A radical regime.")]
    assert "row 2: binary text that is not UTF-8" in issues(items)[0]


def test_csv_unterminated_quote_and_too_many_fields_are_reported(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('text\n"fine row"\nextra,field\n"never closed\nline\nline\n', encoding="utf-8")
    items = read([path])
    assert docs(items) == [(f"{path}:1", "fine row")]
    msgs = issues(items)
    assert msgs[0] == f"{path}: row 2 (line 3): 2 fields, the header has 1, row skipped"
    assert "quoted field is never closed" in msgs[1] and "rest of file skipped" in msgs[1]


def test_stdin_jsonl_is_detected_and_text_options_refused_for_text(monkeypatch):
    data = "".join(json.dumps({"body": f"row {i}"}) + "\n" for i in range(3)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    items = read(["-"], text_column="body")
    assert [t for _, t in docs(items)] == ["row 0", "row 1", "row 2"]
    assert any("read as JSON lines" in str(i) and not i.error for i in items if isinstance(i, Issue))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Plain article text.\n")))
    with pytest.raises(InputError, match="--text-column/--id-column do not apply"):
        read(["-"], text_column="body")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"{Plain article text in braces.\nMore.\n")))
    assert docs(read(["-"])) == [("<stdin>", "{Plain article text in braces.\nMore.\n")]


def test_a_table_with_other_columns_inside_a_directory_is_skipped_not_fatal(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.jsonl").write_text(json.dumps({"text": "Good."}) + "\n")
    (d / "b.jsonl").write_text(json.dumps({"body": "Other layout."}) + "\n")
    items = read([d])
    assert docs(items) == [(f"{d}/a.jsonl:1", "Good.")]
    assert issues(items) == [f"{d}/b.jsonl: no column 'text' (columns: body); choose one with --text-column; file skipped"]


@pytest.mark.parametrize("page, expected", [
    (b'<meta charset="windows-1252"><p>Caf\xc3\xa9 \xe2\x80\x94 ok</p>', "utf-8"),  # valid UTF-8 beats a legacy meta
    (b'<meta charset="windows-1252"><p>Caf\xe9</p>', "cp1252"),  # not UTF-8: the declaration is trusted
    (b'<meta charset="utf-16"><p>Caf\xc3\xa9</p>', "utf-8"),  # utf-16 in a meta means UTF-8
    (b'<p>Caf\xe9 without any declaration</p>', "windows-1252"),
    (b"\xef\xbb\xbf<meta charset='latin-1'><p>x</p>", "utf-8-sig"),  # a BOM wins
])
def test_html_encoding_follows_the_html_standard(page, expected):
    assert html_encoding(page, None) == expected
