"""classifier.output: blocks, the schema per level, writers and interrupt-safe writes (hand-made frames, no model)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal

import pandas as pd
import pyarrow.parquet as pq
import pytest

from classifier.errors import InputError
from classifier.output import (
    SCHEMAS,
    BlockSpec,
    Reporter,
    choose_format,
    encode_block,
    no_interrupt,
    open_writer,
    output_columns,
)
from classifier.score import ARTICLE_COLUMNS, PARAGRAPH_COLUMNS, SENTENCE_LEVEL_COLUMNS

TERMS = [{"term": "thugs", "start": 4, "end": 9, "weight": 1.234}, {"term": "corrupt regime", "start": 10, "end": 24, "weight": 0.5}]


def paragraph_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "doc": [0, 0, 1], "paragraph": [0, 1, 0], "start": [0, 30, 0], "end": [24, 36, 12],
        "kind": ["content", "widget", "content"], "text": ["The thugs corrupt regime", "Share.", "Quiet\nline."],
        "loaded_language": [0.912345678, math.nan, 0.1], "editorial_framing": [0.3, math.nan, 0.612349],
        "loaded_terms": [TERMS, [], []], "n_sentences": [1, 0, 1],
    })


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
    block = encode_block(paragraph_frame(), ["a.txt", "b.txt"], BlockSpec(fmt="jsonl"))
    rows = [json.loads(line) for line in block.payload.splitlines()]
    assert block.rows == 3
    assert [r["doc"] for r in rows] == ["a.txt", "a.txt", "b.txt"]
    assert rows[0]["loaded_language"] == 0.9123 and rows[2]["editorial_framing"] == 0.6123
    assert rows[1]["loaded_language"] is None and rows[1]["editorial_framing"] is None
    assert rows[0]["loaded_terms"] == TERMS
    assert list(rows[0]) == output_columns("paragraph")


def test_filters_threshold_only_content_no_text():
    frame = paragraph_frame()
    spec = BlockSpec(fmt="jsonl", threshold=0.6)
    assert [json.loads(x)["paragraph"] for x in encode_block(frame, ["a", "b"], spec).payload.splitlines()] == [0, 0]
    spec = BlockSpec(fmt="jsonl", only_content=True, with_text=False)
    rows = [json.loads(x) for x in encode_block(frame, ["a", "b"], spec).payload.splitlines()]
    assert [r["kind"] for r in rows] == ["content", "content"] and all("text" not in r for r in rows)
    empty = encode_block(frame, ["a", "b"], BlockSpec(fmt="jsonl", threshold=0.99))
    assert empty.rows == 0 and empty.payload == ""


def test_csv_block_terms_as_json_and_empty_for_missing():
    block = encode_block(paragraph_frame(), ["a", "b"], BlockSpec(fmt="csv"))
    rows = list(csv.reader(io.StringIO(block.payload)))
    assert rows[0][output_columns("paragraph").index("loaded_terms")] == json.dumps(TERMS, separators=(",", ":"))
    assert rows[1][output_columns("paragraph").index("loaded_language")] == ""
    assert rows[2][-1] == "Quiet\nline."


def test_file_writers_are_atomic_and_complete(tmp_path):
    frame = paragraph_frame()
    for fmt in ("jsonl", "csv", "parquet", "table"):
        target = tmp_path / f"out.{fmt}"
        target.write_text("old")
        writer = open_writer(fmt, "paragraph", path=str(target))
        writer.write(encode_block(frame, ["a", "b"], BlockSpec(fmt=fmt)))
        assert target.read_text() == "old"  # nothing replaced until close
        writer.close()
        assert target.read_text(errors="replace") != "old"
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 3
    assert pq.read_table(tmp_path / "out.parquet").schema.names == output_columns("paragraph")
    with open(tmp_path / "out.csv", newline="") as fh:
        assert next(csv.reader(fh)) == output_columns("paragraph")
    table = (tmp_path / "out.table").read_text().splitlines()
    assert table[0].split() == output_columns("paragraph") and "thugs, corrupt regime" in table[1]
    assert "Quiet line." in table[3] and table[2].split()[5:7] == ["-", "-"]


def test_abort_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    writer = open_writer("jsonl", "paragraph", path=str(target))
    writer.write(encode_block(paragraph_frame(), ["a", "b"], BlockSpec()))
    writer.abort()
    assert target.read_text() == "previous\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_output_directory_must_exist(tmp_path):
    with pytest.raises(InputError, match=r"output directory .* does not exist"):
        open_writer("csv", "article", path=str(tmp_path / "missing" / "x.csv"))


def test_parquet_schema_per_level(tmp_path):
    for level in SCHEMAS:
        path = tmp_path / f"{level}.parquet"
        open_writer("parquet", level, path=str(path)).close()  # no rows: still a valid file with the schema
        schema = pq.read_schema(path)
        assert schema.names == output_columns(level)
        assert str(schema.field("loaded_terms").type).startswith("list<element: struct<term: string, start: int64")


def test_no_interrupt_delays_ctrl_c_until_the_write_is_done():
    done = []
    with pytest.raises(KeyboardInterrupt):
        with no_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("finished the write")
    assert done == ["finished the write"]


def test_reporter_lines_and_failures():
    stream = io.StringIO()
    rep = Reporter(stream=stream)
    from classifier.inputs import Issue

    rep.issue(Issue("a.txt", "binary file (NUL bytes), skipped"))
    rep.issue(Issue("b.txt", "empty file, 0 rows", error=False))
    assert stream.getvalue().splitlines() == ["framing: a.txt: binary file (NUL bytes), skipped", "framing: b.txt: empty file, 0 rows"]
    assert rep.failed == {"a.txt"}
    quiet = Reporter(quiet=True, stream=io.StringIO())
    quiet.issue(Issue("b.txt", "empty file, 0 rows", error=False))
    assert quiet.stream.getvalue() == ""
