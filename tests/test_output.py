"""classifier.output: blocks, the schema per level, writers, safe output targets and interrupt-safe writes (no model)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import threading

import pyarrow.parquet as pq
import pytest

from classifier.errors import InputError
from classifier.output import BlockSpec, Reporter, choose_format, encode_block, no_interrupt, open_writer, output_target
from classifier.schema import ARTICLE_COLUMNS, LEVELS, PARAGRAPH_COLUMNS, SENTENCE_LEVEL_COLUMNS, output_columns

TERMS = [{"term": "thugs", "start": 4, "end": 9, "weight": 1.234, "alternative": "attackers"},
         {"term": "corrupt regime", "start": 10, "end": 24, "weight": 0.5}]
FTERMS = [{"term": "claimed", "start": 0, "end": 7, "weight": 2.0, "device": "doubt_casting_attribution"}]


def paragraph_cols() -> dict[str, list]:
    return {
        "doc": [0, 0, 1], "paragraph": [0, 1, 0], "start": [0, 30, 0], "end": [24, 36, 12],
        "kind": ["content", "widget", "content"], "text": ["The thugs corrupt regime", "Share.", "Quiet\nline."],
        "loaded_language": [0.912345678, math.nan, 0.1], "editorial_framing": [0.3, math.nan, 0.612349],
        "loaded_terms": [TERMS, [], []], "framing_terms": [[], [], FTERMS], "n_sentences": [1, 0, 1],
    }


def test_schema_matches_the_library_columns():
    assert output_columns("paragraph") == ["doc", *[c for c in PARAGRAPH_COLUMNS if c != "text"], "text"]
    assert output_columns("sentence") == ["doc", *[c for c in SENTENCE_LEVEL_COLUMNS if c != "text"], "text"]
    assert output_columns("article") == ["doc", *ARTICLE_COLUMNS]
    assert "text" not in output_columns("paragraph", with_text=False)


def test_choose_format():
    assert choose_format(None, None, stdout_is_tty=True) == "table"
    assert choose_format(None, None, stdout_is_tty=False) == "jsonl"
    assert choose_format(None, "x.parquet", stdout_is_tty=True) == "parquet"
    assert choose_format(None, "x.CSV", stdout_is_tty=False) == "csv"
    assert choose_format("csv", "x.jsonl", stdout_is_tty=False) == "csv"


def test_jsonl_block_rounds_names_and_nulls():
    block = encode_block(paragraph_cols(), ["a.txt", "b.txt"], BlockSpec(fmt="jsonl"))
    rows = [json.loads(line) for line in block.payload.splitlines()]
    assert block.rows == 3
    assert [r["doc"] for r in rows] == ["a.txt", "a.txt", "b.txt"]
    assert rows[0]["loaded_language"] == 0.9123 and rows[2]["editorial_framing"] == 0.6123
    assert rows[1]["loaded_language"] is None and rows[1]["editorial_framing"] is None
    assert rows[0]["loaded_terms"] == TERMS and rows[2]["framing_terms"] == FTERMS
    assert list(rows[0]) == output_columns("paragraph")


def test_filters_threshold_only_content_no_text():
    cols = paragraph_cols()
    spec = BlockSpec(fmt="jsonl", threshold=0.6)
    assert [json.loads(x)["doc"] for x in encode_block(cols, ["a", "b"], spec).payload.splitlines()] == ["a", "b"]
    spec = BlockSpec(fmt="jsonl", only_content=True, with_text=False)
    rows = [json.loads(x) for x in encode_block(cols, ["a", "b"], spec).payload.splitlines()]
    assert [r["kind"] for r in rows] == ["content", "content"] and all("text" not in r for r in rows)
    empty = encode_block(cols, ["a", "b"], BlockSpec(fmt="jsonl", threshold=0.99))
    assert empty.rows == 0 and empty.payload == ""


def test_csv_block_terms_as_json_and_empty_for_missing():
    block = encode_block(paragraph_cols(), ["a", "b"], BlockSpec(fmt="csv"))
    rows = list(csv.reader(io.StringIO(block.payload)))
    cols = output_columns("paragraph")
    assert json.loads(rows[0][cols.index("loaded_terms")]) == TERMS
    assert json.loads(rows[2][cols.index("framing_terms")]) == FTERMS
    assert rows[1][cols.index("loaded_language")] == ""
    assert rows[2][-1] == "Quiet\nline."


def test_file_writers_are_atomic_and_complete(tmp_path):
    cols = paragraph_cols()
    for fmt in ("jsonl", "csv", "parquet", "table"):
        target = tmp_path / f"out.{fmt}"
        target.write_text("old")
        spec = BlockSpec(fmt=fmt, alternatives=True)
        writer = open_writer(spec, str(target))
        writer.write(encode_block(cols, ["a", "b"], spec))
        assert target.read_text() == "old"  # nothing replaced until close
        writer.close()
        assert target.read_text(errors="replace") != "old"
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 3 and table.schema.names == output_columns("paragraph")
    terms = table.column("loaded_terms").to_pylist()[0]
    assert terms[0]["alternative"] == "attackers" and terms[1]["alternative"] is None  # absent in JSON, null in parquet
    with open(tmp_path / "out.csv", newline="") as fh:
        assert next(csv.reader(fh)) == output_columns("paragraph")
    lines = (tmp_path / "out.table").read_text().splitlines()
    assert lines[0].split() == output_columns("paragraph") and "thugs → attackers, corrupt regime" in lines[1]
    assert "Quiet line." in lines[3] and lines[2].split()[5:7] == ["-", "-"]


def test_abort_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    writer = open_writer(BlockSpec(), str(target))
    writer.write(encode_block(paragraph_cols(), ["a", "b"], BlockSpec()))
    writer.abort()
    assert target.read_text() == "previous\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_output_directory_must_exist_and_not_be_a_directory(tmp_path):
    with pytest.raises(InputError, match=r"output directory .* does not exist"):
        open_writer(BlockSpec(fmt="csv", level="article"), str(tmp_path / "missing" / "x.csv"))
    with pytest.raises(InputError, match="is a directory"):
        open_writer(BlockSpec(), str(tmp_path))


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    writer = open_writer(BlockSpec(), str(fifo))
    writer.write(encode_block(paragraph_cols(), ["a", "b"], BlockSpec()))
    writer.close()
    reader.join(10)
    assert fifo.is_fifo() and len(got[0].splitlines()) == 3
    assert output_target(os.devnull) == (os.path.realpath(os.devnull), True) or output_target(os.devnull)[1]


def test_a_symlink_keeps_pointing_at_its_replaced_target(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    writer = open_writer(BlockSpec(), str(link))
    writer.write(encode_block(paragraph_cols(), ["a", "b"], BlockSpec()))
    writer.close()
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert len(target.read_text().splitlines()) == 3


def test_parquet_schema_per_level(tmp_path):
    for level in LEVELS:
        path = tmp_path / f"{level}.parquet"
        open_writer(BlockSpec(fmt="parquet", level=level), str(path)).close()  # no rows: a valid file with the schema
        schema = pq.read_schema(path)
        assert schema.names == output_columns(level)
        assert str(schema.field("loaded_terms").type).startswith("list<element: struct<term: string, start: int64")
        assert "device: string" in str(schema.field("framing_terms").type)


@pytest.mark.parametrize("sig, exc", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, SystemExit)])
def test_no_interrupt_delays_signals_until_the_write_is_done(sig, exc):
    done = []

    def handler(signum, frame):
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        with pytest.raises(exc):
            with no_interrupt():
                os.kill(os.getpid(), sig)
                done.append("finished the write")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert done == ["finished the write"]


def test_reporter_lines_and_failures():
    from classifier.tables import Issue

    stream = io.StringIO()
    rep = Reporter(stream=stream)
    rep.issue(Issue("a.txt", "binary file (NUL bytes), skipped"))
    rep.issue(Issue("b.txt", "empty file, 0 rows", error=False))
    assert stream.getvalue().splitlines() == ["framing: a.txt: binary file (NUL bytes), skipped", "framing: b.txt: empty file, 0 rows"]
    assert rep.failed == {"a.txt"} and rep.problems == 1
    quiet = Reporter(quiet=True, stream=io.StringIO())
    quiet.issue(Issue("b.txt", "empty file, 0 rows", error=False))
    assert quiet.stream.getvalue() == ""
