"""``framing score`` end to end: every input kind, format and level, bad inputs, exit codes, --jobs, stdin.

Most tests call ``classifier.cli.main`` in-process (the model is loaded once and cached); a few run
``python -m classifier`` as a subprocess for what only a real process shows (stdin pipes, Ctrl-C,
a terminal on stderr). Scores are never hard-coded: the model is retrained often.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.cli import main
from classifier.persist import default_model_path, manifest_path
from classifier.schema import column_kind, output_columns

ROOT = Path(__file__).resolve().parents[1]

PORT = """Council delays vote on harbour dredging plan

By Mara Lindqvist

The harbour board voted 4-3 on Thursday to delay the dredging contract until an environmental review is finished.

Fishermen gather at the quay before the vote. (Tomas Berg/Coastline Images)

Board member Alan Pryce slammed the delay as a cowardly capitulation to a mob of hysterical radicals.

“We need the full review before anything is dug,” said Ines Duarte, who chairs the board.

RELATED: What the dredging plan would change

The next meeting is scheduled for March 3, officials said.

Share.
"""

RAIL = """Rail operator adds weekend trains

The regional rail operator will add six weekend trains on the coastal line from next month, a spokesman said on Monday.

Ticket prices will not change, according to the timetable published on the operator's website.
"""

RANT = """The corrupt regime and its thugs have looted the treasury while the fanatical zealots cheer them on.

Officials declined to comment on the figures released on Friday."""

SCORES = ("loaded_language", "editorial_framing")


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``framing score ARGS`` in-process: exit code, stdout, stderr."""
    code = main(["score", *args])
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def framing(*args: str, stdin: bytes | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """``python -m classifier ARGS`` as a subprocess (stdin, stdout, stderr as bytes)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "classifier", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=env, **kw)


def on_terminal(args: list[str], stdout_too: bool) -> tuple[int, bytes, bytes]:
    """Run ``python -m classifier ARGS`` with stderr (and stdout if ``stdout_too``) on a pseudo-terminal:
    exit code, what a pipe stdout got, what the terminal showed."""
    import pty

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "classifier", *args], stdout=follower if stdout_too else subprocess.PIPE,
                              stderr=follower, timeout=120)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    return proc.returncode, proc.stdout or b"", shown


@pytest.fixture()
def articles(tmp_path):
    """Three articles as .txt/.md files in a small tree."""
    (tmp_path / "news" / "sub").mkdir(parents=True)
    paths = {
        "port": tmp_path / "news" / "port.txt",
        "rail": tmp_path / "news" / "sub" / "rail.md",
        "rant": tmp_path / "news" / "rant.txt",
    }
    paths["port"].write_text(PORT, encoding="utf-8")
    paths["rail"].write_text(RAIL, encoding="utf-8")
    paths["rant"].write_text(RANT, encoding="utf-8")
    return paths


def check_rows(rows: list[dict], level: str, texts: dict[str, str], with_text: bool = True) -> None:
    """Schema, rounding, and offsets that slice back to each document's text."""
    assert rows
    for r in rows:
        assert list(r) == output_columns(level, with_text)
        for c in SCORES:
            v = r[c]
            assert v is None or (0 <= v <= 1 and round(v, 4) == v)
        if level == "article":
            continue
        doc = texts[r["doc"]]
        if with_text:
            assert doc[r["start"]:r["end"]] == r["text"]
        for t in [*r["loaded_terms"], *r["framing_terms"]]:
            assert {"term", "start", "end", "weight"} <= set(t)
            assert doc[t["start"]:t["end"]] == t["term"]
        assert all("device" in t for t in r["framing_terms"])
        if r["kind"] != "content":
            assert r["loaded_language"] is None and r["n_sentences"] == 0


# -- input kinds -------------------------------------------------------------------------------


def test_text_and_markdown_files_paragraph_rows(capsys, articles):
    code, out, err = run(capsys, str(articles["port"]), str(articles["rail"]), "--format", "jsonl")
    assert code == 0 and err == ""
    rows = jsonl(out)
    texts = {str(articles["port"]): PORT, str(articles["rail"]): RAIL}
    check_rows(rows, "paragraph", texts)
    assert [r["doc"] for r in rows] == sorted((r["doc"] for r in rows), key=[str(articles["port"]), str(articles["rail"])].index)
    kinds = {r["text"]: r["kind"] for r in rows}
    assert kinds["By Mara Lindqvist"] == "byline"
    assert kinds["Share."] == "widget"
    assert kinds["RELATED: What the dredging plan would change"] == "related_link"
    assert kinds["Fishermen gather at the quay before the vote. (Tomas Berg/Coastline Images)"] == "caption"
    assert [r["paragraph"] for r in rows if r["doc"] == str(articles["port"])] == list(range(9))


def test_directory_is_walked_recursively_and_glob_filters(capsys, articles, tmp_path):
    (tmp_path / "news" / ".hidden.txt").write_text("Hidden words here.", encoding="utf-8")
    (tmp_path / "news" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    code, out, _ = run(capsys, str(tmp_path / "news"), "--level", "article")
    assert code == 0
    docs = [r["doc"] for r in jsonl(out)]
    assert docs == [str(articles["port"]), str(articles["rant"]), str(articles["rail"])]  # sorted, files before sub/
    code, out, _ = run(capsys, str(tmp_path / "news"), "--glob", "*.md", "--level", "article")
    assert code == 0 and [r["doc"] for r in jsonl(out)] == [str(articles["rail"])]
    code, out, _ = run(capsys, str(tmp_path / "news"), "--glob", "sub/*", "--glob", "rant.*", "--level", "article")
    assert [r["doc"] for r in jsonl(out)] == [str(articles["rant"]), str(articles["rail"])]


HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Dredging vote delayed</title></head>
<body>
<nav><a href="/">Home</a> | <a href="/local">Local</a> | <a href="/sport">Sport</a></nav>
<article>
<h1>Council delays vote on harbour dredging plan</h1>
<p>The harbour board voted 4-3 on Thursday to delay the dredging contract until an environmental review is finished.</p>
<p>Board member Alan Pryce slammed the delay as a cowardly capitulation to a mob of hysterical radicals.</p>
<p>The next meeting is scheduled for March 3, officials said, and the review is due in the spring.</p>
</article>
<section id="comments" class="comments">
<h2>Comments</h2>
<div class="comment"><p>ZEBRACOMMENT these board members are all crooks and should be thrown out.</p></div>
</section>
<footer><p>Contact the newsroom · Privacy policy · Terms of use</p></footer>
</body></html>
"""


def _need_trafilatura() -> None:
    """HTML support is a declared feature: fail (not skip) with the reason when the extractor cannot load."""
    try:
        import trafilatura  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"trafilatura cannot be imported ({exc}); the lxml_html_clean package must be installed")


def test_html_page_main_text_without_comments(capsys, tmp_path):
    _need_trafilatura()
    page = tmp_path / "dredging.html"
    page.write_text(HTML, encoding="utf-8")
    code, out, err = run(capsys, str(page))
    assert code == 0, err
    rows = jsonl(out)
    texts = [r["text"] for r in rows]
    assert "The harbour board voted 4-3 on Thursday to delay the dredging contract until an environmental review is finished." in texts
    assert any("cowardly capitulation" in t for t in texts)
    assert len([t for t in texts if t.startswith(("The harbour", "Board member", "The next"))]) == 3  # paragraph breaks kept
    assert not any("ZEBRACOMMENT" in t for t in texts)  # comments left out
    assert not any("<p>" in t or "Privacy policy" in t for t in texts)


def test_csv_jsonl_tsv_and_parquet_tables_with_columns(capsys, tmp_path):
    records = [{"id": "a1", "body": PORT, "extra": 1}, {"id": "b2", "body": RAIL, "extra": 2}, {"id": "c3", "body": RANT, "extra": 3}]
    with open(tmp_path / "news.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "body", "extra"])
        w.writeheader()
        w.writerows(records)
    with open(tmp_path / "news.tsv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "body", "extra"], delimiter="\t")
        w.writeheader()
        w.writerows(records)
    (tmp_path / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "news.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "news.parquet")
    by_id = {r["id"]: r["body"] for r in records}
    results = {}
    for name in ("news.csv", "news.tsv", "news.jsonl", "news.ndjson", "news.parquet"):
        code, out, err = run(capsys, str(tmp_path / name), "--text-column", "body", "--id-column", "id")
        assert code == 0, err
        rows = jsonl(out)
        check_rows(rows, "paragraph", by_id)
        assert list(dict.fromkeys(r["doc"] for r in rows)) == ["a1", "b2", "c3"]
        results[name] = rows
    first = results["news.csv"]
    for rows in results.values():
        assert rows == first  # the same rows whatever the container


def test_table_rows_without_id_column_are_named_by_file_and_row(capsys, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": RAIL}) + "\n\n" + json.dumps({"text": RANT}) + "\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("text\n" + '"' + RAIL.replace('"', '""') + '"\n', encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path / "a.jsonl"), str(tmp_path / "a.csv"), "--level", "article")
    assert code == 0
    assert [r["doc"] for r in jsonl(out)] == [f"{tmp_path / 'a.jsonl'}:1", f"{tmp_path / 'a.jsonl'}:3", f"{tmp_path / 'a.csv'}:1"]


def test_stdin_text_and_jsonl_in_process(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RAIL.encode("utf-8"))))
    code, out, _ = run(capsys, "-")
    rows = jsonl(out)
    assert code == 0 and {r["doc"] for r in rows} == {"<stdin>"}
    check_rows(rows, "paragraph", {"<stdin>": RAIL})
    data = "".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in (("x", RAIL), ("y", RANT)))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    code, out, _ = run(capsys, "-", "--input-format", "jsonl", "--id-column", "id", "--level", "article")
    assert code == 0 and [r["doc"] for r in jsonl(out)] == ["x", "y"]


def test_stdin_through_a_real_pipe():
    proc = framing("score", "-", stdin=PORT.encode("utf-8"))
    assert proc.returncode == 0, proc.stderr
    rows = jsonl(proc.stdout.decode("utf-8"))  # piped stdout: jsonl by default
    check_rows(rows, "paragraph", {"<stdin>": PORT})
    assert proc.stderr == b""
    csv_in = ("id,text\n" + "".join(f'{i},"{t}"\n' for i, t in (("p", RAIL), ("q", RANT)))).encode("utf-8")
    proc = framing("score", "-", "--input-format", "csv", "--id-column", "id", "--format", "csv", "--no-text", stdin=csv_in)
    assert proc.returncode == 0, proc.stderr
    got = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"))))
    assert {r["doc"] for r in got} == {"p", "q"} and "text" not in got[0]


def test_encodings_bom_utf16_and_override(capsys, tmp_path):
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + RAIL.encode("utf-8"))
    (tmp_path / "wide.txt").write_bytes(RAIL.encode("utf-16"))
    latin = "Caf\xe9 owners in S\xe3o Paulo protested on Monday, a spokesman said."
    (tmp_path / "latin.txt").write_bytes(latin.encode("latin-1"))
    code, out, err = run(capsys, str(tmp_path / "bom.txt"), str(tmp_path / "wide.txt"))
    assert code == 0, err
    rows = jsonl(out)
    check_rows(rows, "paragraph", {str(tmp_path / "bom.txt"): RAIL, str(tmp_path / "wide.txt"): RAIL})
    assert rows[0]["text"] == "Rail operator adds weekend trains" and rows[0]["start"] == 0
    code, out, err = run(capsys, str(tmp_path / "latin.txt"))
    assert code == 1 and out == ""
    assert err.strip() == f"framing: {tmp_path / 'latin.txt'}: invalid UTF-8 (byte 0xe9 at offset 3); try --encoding, skipped" \
        or "invalid UTF-8" in err.splitlines()[0]
    code, out, err = run(capsys, str(tmp_path / "latin.txt"), "--encoding", "latin-1")
    assert code == 0 and jsonl(out)[0]["text"] == latin


# -- output formats and levels -------------------------------------------------------------------


def _read(path: Path, fmt: str) -> list[dict]:
    """Rows of an output file, normalised to JSON-like values."""
    if fmt == "jsonl":
        return jsonl(path.read_text(encoding="utf-8"))
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append({k: None if v == "" and k != "text" else v for k, v in r.items()})
    return rows


@pytest.mark.parametrize("level", ["paragraph", "sentence", "article"])
def test_every_format_same_schema_and_values(capsys, articles, tmp_path, level):
    inputs = [str(articles["port"]), str(articles["rant"])]
    texts = {str(articles["port"]): PORT, str(articles["rant"]): RANT}
    got = {}
    for fmt in ("jsonl", "csv", "parquet"):
        target = tmp_path / f"out.{fmt}"
        code, out, err = run(capsys, *inputs, "--level", level, "--output", str(target))  # format from the extension
        assert code == 0 and out == "" and err == ""
        got[fmt] = _read(target, fmt)
    ref = got["jsonl"]
    check_rows(ref, level, texts)
    for fmt in ("csv", "parquet"):
        rows = got[fmt]
        assert [list(r) for r in rows] == [output_columns(level)] * len(ref)
        for a, b in zip(ref, rows):
            for col in output_columns(level):
                kind = column_kind(col)
                x, y = a[col], b[col]
                if kind == "terms":
                    y = json.loads(y) if fmt == "csv" else y
                    assert [t["term"] for t in x] == [t["term"] for t in y]
                    assert [(t["start"], t["end"]) for t in x] == [(int(t["start"]), int(t["end"])) for t in y]
                elif kind == "score":
                    assert (x is None and y is None) or float(y) == x
                elif kind == "int":
                    assert int(y) == x
                else:
                    assert y == x
    # the table: same columns, one line per row plus the header
    code, out, _ = run(capsys, *inputs, "--level", level, "--format", "table")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == output_columns(level)
    assert len(lines) == len(ref) + 1


def test_article_level_aggregates_content_paragraphs(capsys, articles):
    code, out, _ = run(capsys, str(articles["port"]), "--level", "article")
    assert code == 0
    (art,) = jsonl(out)
    _, out, _ = run(capsys, str(articles["port"]))
    paras = jsonl(out)
    content = [p for p in paras if p["kind"] == "content"]
    assert art["n_paragraphs"] == len(paras) and art["n_content"] == len(content)
    assert art["loaded_language"] == max(p["loaded_language"] for p in content)
    share = sum(p["loaded_language"] >= 0.5 for p in content) / len(content)
    assert abs(art["share_loaded"] - share) <= 1 / len(content)  # paragraph scores are rounded before this count
    assert art["n_sentences"] == sum(p["n_sentences"] for p in content)
    terms = {t["term"] for p in content for t in p["loaded_terms"]}
    assert {t["term"] for t in art["loaded_terms"]} <= terms


def test_loaded_terms_in_each_format(capsys, articles, tmp_path):
    args = [str(articles["rant"]), "--threshold", "0.5", "--no-text"]
    _, out, _ = run(capsys, *args, "--format", "jsonl")
    rows = [r for r in jsonl(out) if r["loaded_terms"]]
    assert rows, "the rant paragraph should have loaded terms"
    terms = [t["term"] for t in rows[0]["loaded_terms"]]
    _, out, _ = run(capsys, *args, "--format", "csv")
    first = next(r for r in csv.DictReader(io.StringIO(out)) if r["loaded_terms"] != "[]")
    assert [t["term"] for t in json.loads(first["loaded_terms"])] == terms
    _, out, _ = run(capsys, *args, "--format", "table")
    assert ", ".join(terms)[:20] in out
    assert run(capsys, *args, "--output", str(tmp_path / "t.parquet"))[0] == 0
    table = pq.read_table(tmp_path / "t.parquet")
    assert pa.types.is_list(table.schema.field("loaded_terms").type)
    assert [t["term"] for t in table.to_pylist()[0]["loaded_terms"]] == terms


def test_threshold_only_content_and_no_text(capsys, articles):
    path = str(articles["port"])
    _, out, _ = run(capsys, path)
    everything = jsonl(out)
    _, out, _ = run(capsys, path, "--only-content")
    assert jsonl(out) == [r for r in everything if r["kind"] == "content"]
    _, out, _ = run(capsys, path, "--threshold", "0.5")
    flagged = jsonl(out)
    assert flagged == [r for r in everything if (r["loaded_language"] or 0) >= 0.5 or (r["editorial_framing"] or 0) >= 0.5]
    _, out, _ = run(capsys, path, "--no-text", "--level", "sentence")
    assert all("text" not in r for r in jsonl(out))


def test_output_file_is_replaced_atomically_on_rerun(capsys, articles, tmp_path):
    target = tmp_path / "scores.jsonl"
    target.write_text("old content\n")
    assert run(capsys, str(articles["rail"]), "-o", str(target))[0] == 0
    first = target.read_text()
    assert "old content" not in first and jsonl(first)
    assert run(capsys, str(articles["rail"]), "-o", str(target))[0] == 0
    assert target.read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left behind


# -- bad inputs ----------------------------------------------------------------------------------


def test_each_bad_input_gets_one_line_and_the_rest_is_scored(capsys, articles, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (bad / "notes.bin").write_bytes(b"some words\x00\x01\x02 more words")
    (bad / "late_nul.txt").write_bytes(RAIL.encode() * 400 + b"\x00tail")
    (bad / "latin.txt").write_bytes("Caf\xe9 society".encode("latin-1"))
    (bad / "empty_dir").mkdir()
    (bad / "broken.parquet").write_bytes(b"PAR1 this is not really parquet at all PAR1")
    (bad / "rows.jsonl").write_text(
        json.dumps({"text": RAIL}) + "\n{not json\n" + json.dumps(["a", "list"]) + "\n" + json.dumps({"body": "x"}) + "\n"
        + json.dumps({"text": RANT}) + "\n", encoding="utf-8")
    inputs = ["missing.txt", str(bad / "empty.txt"), str(bad / "picture.txt"), str(bad / "notes.bin"),
              str(bad / "late_nul.txt"), str(bad / "latin.txt"), str(bad / "empty_dir"), str(bad / "broken.parquet"),
              str(bad / "rows.jsonl"), str(articles["rail"])]
    code, out, err = run(capsys, *inputs, "--level", "article")
    assert code == 1
    assert "Traceback" not in err
    lines = err.splitlines()
    expect = {
        "missing.txt": "no such file",
        str(bad / "empty.txt"): "empty file",
        str(bad / "picture.txt"): "binary file (PNG image)",
        str(bad / "notes.bin"): "binary file (NUL bytes)",
        str(bad / "late_nul.txt"): "NUL bytes at byte",
        str(bad / "latin.txt"): "invalid UTF-8",
        str(bad / "empty_dir"): "no input files",
        str(bad / "broken.parquet"): "not a valid parquet file",
    }
    for name, reason in expect.items():
        mine = [ln for ln in lines if ln.startswith(f"framing: {name}: ")]
        assert len(mine) == 1 and reason in mine[0], (name, lines)
    rows_msgs = [ln for ln in lines if ln.startswith(f"framing: {bad / 'rows.jsonl'}: ")]
    assert [m.split(": ")[2].split(":")[0] for m in rows_msgs] == ["line 2", "line 3", "line 4"]
    assert "malformed JSON" in rows_msgs[0] and "not a JSON object" in rows_msgs[1] and "no 'text' field" in rows_msgs[2]
    docs = [r["doc"] for r in jsonl(out)]
    assert docs == [f"{bad / 'rows.jsonl'}:1", f"{bad / 'rows.jsonl'}:5", str(articles["rail"])]
    assert lines[-1] == "framing: 3 documents scored, 3 rows written, 10 problems in 8 inputs"


def test_empty_file_alone_is_a_note_not_an_error(capsys, tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "header.csv").write_text("id,text\n")
    code, out, err = run(capsys, str(tmp_path / "empty.txt"), str(tmp_path / "header.csv"))
    assert code == 0 and out == ""
    assert "empty file, 0 rows" in err and "header.csv: no rows" in err
    code, out, err = run(capsys, str(tmp_path / "empty.txt"), "--quiet")
    assert code == 0 and err == ""


def test_unreadable_file(capsys, tmp_path, articles):
    sock_path = tmp_path / "live.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(sock_path))  # a socket cannot be opened as a file, even by root
    try:
        code, out, err = run(capsys, str(sock_path), str(articles["rail"]))
    finally:
        sock.close()
    assert code == 1 and jsonl(out)
    assert err.startswith(f"framing: {sock_path}: cannot read (")
    if os.geteuid() != 0:
        locked = tmp_path / "locked.txt"
        locked.write_text(RAIL)
        locked.chmod(0)
        code, _, err = run(capsys, str(locked))
        assert code == 1 and "permission denied" in err


def test_long_paragraph_without_punctuation_finishes(tmp_path):
    words = "harbour board contract review quay vote delay dredging council fishermen spring meeting".split()
    text = " ".join(words[i * 7 % len(words)] for i in range(5_000_000 // 7))[:5_000_000]
    (tmp_path / "wall.txt").write_text(text)
    started = time.monotonic()
    proc = framing("score", str(tmp_path / "wall.txt"), "--no-text", "--format", "jsonl", timeout=120)
    assert proc.returncode == 0, proc.stderr
    (row,) = jsonl(proc.stdout.decode())
    assert row["end"] - row["start"] == len(text.strip()) and row["n_sentences"] >= 5000
    assert time.monotonic() - started < 120


def test_csv_without_text_column_stops_before_scoring(capsys, tmp_path, articles):
    (tmp_path / "export.csv").write_text("id,headline,body\n1,Hello,Some words here.\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    code, out, err = run(capsys, str(articles["rail"]), str(tmp_path / "export.csv"), "-o", str(target))
    assert code == 2 and out == ""
    assert err.strip() == (f"framing: error: {tmp_path / 'export.csv'}: no column 'text' (columns: id, headline, body); "
                           "choose one with --text-column")
    assert target.read_text() == "previous\n"
    (tmp_path / "export.jsonl").write_text(json.dumps({"body": "x", "id": 1}) + "\n")
    code, _, err = run(capsys, str(tmp_path / "export.jsonl"), "--text-column", "body", "--id-column", "uid")
    assert code == 2 and "no column 'uid' (columns: body, id)" in err


def test_output_in_missing_directory_is_a_usage_error(capsys, articles, tmp_path):
    code, out, err = run(capsys, str(articles["rail"]), "-o", str(tmp_path / "nowhere" / "out.csv"))
    assert code == 2 and out == ""
    assert "output directory" in err and "does not exist" in err and len(err.splitlines()) == 1


def test_bad_flags_and_bad_models_exit_2_without_traceback(capsys, articles, tmp_path):
    for bad in (["--jobs", "0"], ["--threshold", "1.5"], ["--format", "xml"], ["--level", "word"]):
        with pytest.raises(SystemExit) as exc:
            main(["score", str(articles["rail"]), *bad])
        assert exc.value.code == 2
    capsys.readouterr()
    code, _, err = run(capsys, str(articles["rail"]), "--encoding", "klingon")
    assert code == 2 and "unknown encoding" in err
    code, _, err = run(capsys, str(articles["rail"]), "--model", str(tmp_path / "none.joblib"))
    assert code == 2 and "model file not found" in err and "Traceback" not in err
    bad = tmp_path / "bad.joblib"
    shutil.copy(default_model_path(), bad)
    shutil.copy(manifest_path(default_model_path()), manifest_path(bad))
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    proc = framing("score", str(articles["rail"]), "--model", str(bad))
    assert proc.returncode == 2 and proc.stdout == b""
    assert len(proc.stderr.decode().strip().splitlines()) == 1 and b"sha256" in proc.stderr and b"Traceback" not in proc.stderr


# -- scale: jobs, progress, interruption -------------------------------------------------------


def test_jobs_2_gives_the_same_output_in_the_same_order(capsys, articles, tmp_path):
    texts = [PORT, RAIL, RANT]
    (tmp_path / "many.jsonl").write_text(
        "".join(json.dumps({"id": f"n{i}", "text": texts[i % 3]}) + "\n" for i in range(60)), encoding="utf-8")
    args = [str(articles["port"]), str(tmp_path / "many.jsonl"), str(articles["rail"]), "--id-column", "id", "--batch-size", "7"]
    one = run(capsys, *args, "--jobs", "1")
    two = run(capsys, *args, "--jobs", "2")
    assert one[0] == two[0] == 0
    assert one[1] == two[1] and len(jsonl(one[1])) > 60
    every = run(capsys, *args, "--jobs", "-1", "--level", "article")
    assert [r["doc"] for r in jsonl(every[1])] == [str(articles["port"]), *(f"n{i}" for i in range(60)), str(articles["rail"])]


def _big_jsonl(path: Path, n: int) -> None:
    path.write_text("".join(json.dumps({"text": (PORT, RAIL, RANT)[i % 3]}) + "\n" for i in range(n)), encoding="utf-8")


def test_progress_bar_goes_to_a_terminal_stderr_only(tmp_path):
    _big_jsonl(tmp_path / "big.jsonl", 6000)
    code, out, err = on_terminal(["score", str(tmp_path / "big.jsonl"), "--no-text"], stdout_too=False)
    assert code == 0
    rows = jsonl(out.decode())
    assert len(rows) == 2000 * (9 + 3 + 2)
    assert b" docs" in err and b"documents scored" in err


def test_ctrl_c_leaves_no_half_row_and_keeps_the_old_file(tmp_path):
    _big_jsonl(tmp_path / "big.jsonl", 30000)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "classifier", "score", str(tmp_path / "big.jsonl"), "--batch-size", "50"]
    # stdout: rows stream; after Ctrl-C every line written is a whole row
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    assert json.loads(first)
    proc.send_signal(signal.SIGINT)
    rest = proc.stdout.read()  # through the same buffered reader as the first line
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 130 and b"interrupted" in err and b"Traceback" not in err
    out = (first + rest).decode()
    assert out.endswith("\n")
    assert all(json.loads(line) for line in out.splitlines())
    # a file output: the previous version survives, no temporary is left
    target = tmp_path / "scores.csv"
    target.write_text("previous run\n")
    proc = subprocess.Popen([*cmd, "-o", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert target.read_text() == "previous run\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_piped_output_defaults_to_jsonl_and_nothing_but_data_on_stdout(articles):
    proc = framing("score", str(articles["port"]), "missing.txt")
    assert proc.returncode == 1
    rows = jsonl(proc.stdout.decode())
    assert rows and all(r["doc"] == str(articles["port"]) for r in rows)
    assert proc.stderr.decode().splitlines()[0] == "framing: missing.txt: no such file or directory, skipped"


def test_parquet_to_a_pipe(articles):
    proc = framing("score", str(articles["rant"]), "--format", "parquet", "--level", "sentence")
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(pa.BufferReader(proc.stdout))
    assert table.schema.names == output_columns("sentence") and table.num_rows >= 2


def test_table_is_the_default_on_a_terminal(articles):
    code, _, shown = on_terminal(["score", str(articles["rail"])], stdout_too=True)
    assert code == 0
    lines = shown.decode().replace("\r", "").splitlines()
    assert lines[0].split() == output_columns("paragraph")
    assert lines[1].startswith(str(articles["rail"])[-20:]) or "…" in lines[1].split()[0]
    assert not any(line.startswith("{") for line in lines)
