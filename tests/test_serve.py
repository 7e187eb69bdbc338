"""``framing serve``: the HTTP service through FastAPI's TestClient, a real server process, and the CLI without the extra.

Responses are compared with what the library returns for the same input (same rows, offsets and
scores; floats within 1e-12, i.e. exact after a JSON round trip), never with hard-coded scores.
A few tests run ``python -m classifier`` as a subprocess: a real ``framing serve`` on 127.0.0.1
with an ephemeral port stopped by SIGTERM, and the command without the ``serve`` extra (imports of
FastAPI blocked by a meta-path finder).
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():  # newer Starlette deprecates httpx in its test client (a UserWarning); it still works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from classifier import cli_serve, serve
from classifier.cli import build_parser, main
from classifier.explain import read_allow, read_cues
from classifier.persist import FORMAT, default_model_path, read_manifest
from classifier.schema import COLUMNS, LEVELS, SENTENCE_COLUMNS, TERM_FIELDS, column_kind
from classifier.serve import create_app

ROOT = Path(__file__).resolve().parents[1]
ARTICLE_PATH = ROOT / "training_data" / "examples" / "article.txt"
ARTICLE = ARTICLE_PATH.read_text(encoding="utf-8")
RAIL = (ROOT / "training_data" / "examples" / "rail.md").read_text(encoding="utf-8")
# characters outside the Basic Multilingual Plane before the loaded words: offsets count code points
WIDE = "🗳️ Élection : the regime's thugs attacked peaceful marchers, “witnesses” said.\n\n𝐁𝐨𝐥𝐝 claims, slammed as lies."
SENTENCES = ["The regime's thugs attacked peaceful marchers.",
             "The council approved the budget 7-2 on Tuesday, a spokeswoman said.",
             "Critics claimed the so-called reform was a giveaway to donors.",
             "“This budget is a disgrace,” said council member Rita Vance.", "", "a"]
TOL = 1e-12
TOKEN = "t0k3n-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXTRA_LINE = "framing: error: framing serve needs the serve extra: pip install 'framing-classifier[serve]'"


# -- helpers ------------------------------------------------------------------------------------


def library_rows(frame: Any) -> list[dict[str, Any]]:
    """A library DataFrame as the JSON rows the service should return (NaN scores as None)."""
    rows = frame.to_dict("records")
    return [{k: (None if column_kind(k) == "score" and v != v else v) for k, v in row.items()} for row in rows]


def assert_same(got: Any, want: Any, where: str = "") -> None:
    """Equal values; floats within TOL; keys in the same order."""
    if isinstance(want, float) and not isinstance(got, bool):
        assert isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=0, abs_tol=TOL), f"{where}: {got!r} != {want!r}"
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: keys {list(got)} != {list(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {len(got)} items != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    else:
        assert got == want and type(got) is type(want), f"{where}: {got!r} != {want!r}"


def assert_json_error(r: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"] == error and isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in r.text and "\n" not in body["message"]
    return body


def field_errors(r: httpx.Response) -> dict[str, str]:
    body = assert_json_error(r, 422, "invalid_request")
    return {f["field"]: f["message"] for f in body["fields"]}


class _FakeModel:
    """Enough of FramingModel for create_app, with a scoring call the test controls."""

    head_names = ("loaded_language", "editorial_framing")

    def __init__(self, score_columns: Any):
        self.score_columns = score_columns
        self.meta = {"version": "fake", "training_data": {}}
        self.decision_points = {"loaded_language": 0.5, "editorial_framing": 0.5}


@pytest.fixture(autouse=True)
def _keep_gc(monkeypatch):
    """build_app freezes the garbage collector, right for a server process, not for pytest's."""
    monkeypatch.setattr(cli_serve, "freeze_long_lived", lambda: None)


@pytest.fixture(scope="module")
def client(model):
    with TestClient(create_app()) as c:
        yield c


@pytest.fixture(scope="module")
def small():
    """Small limits, to hit each one cheaply."""
    with TestClient(create_app(max_body=2000, max_batch=3, max_chars=100)) as c:
        yield c


@pytest.fixture(scope="module")
def authed():
    with TestClient(create_app(token=TOKEN, max_body=2000)) as c:
        yield c


# -- every endpoint equals the library --------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("text", [ARTICLE, WIDE, RAIL], ids=["article", "wide-unicode", "rail"])
def test_score_equals_score_text(client, model, text, level):
    r = client.post("/v1/score", json={"text": text, "level": level})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] == level
    want = library_rows(model.score_text(text, level=level))
    assert want, "the example must give rows"
    assert_same(body["rows"], want, "rows")
    for row in body["rows"]:
        assert list(row) == COLUMNS[level]
        if level != "article":
            assert text[row["start"]:row["end"]] == row["text"]
        for col in ("loaded_terms", "framing_terms"):
            for t in row[col]:
                assert text[t["start"]:t["end"]] == t["term"]
                assert set(t) <= set(TERM_FIELDS[col])


def test_score_default_level_is_paragraph_and_flags_something(client, model):
    body = client.post("/v1/score", json={"text": ARTICLE}).json()
    assert body["level"] == "paragraph"
    assert_same(body["rows"], library_rows(model.score_text(ARTICLE)))
    assert any(row["loaded_terms"] for row in body["rows"]), "the example article has loaded terms: the comparison covers terms"
    assert any(row["loaded_language"] is None for row in body["rows"]), "and non-content rows: it covers null scores"


@pytest.mark.parametrize("level", LEVELS)
def test_batch_equals_score_documents(client, model, level):
    docs = [{"id": "port", "text": ARTICLE}, {"id": "empty", "text": ""}, {"id": "wide", "text": WIDE}, {"id": "rail", "text": RAIL}]
    r = client.post("/v1/score/batch", json={"documents": docs, "level": level})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] == level
    want = library_rows(model.score_documents([d["text"] for d in docs], level=level, doc_ids=[d["id"] for d in docs]))
    assert_same(body["rows"], want, "rows")
    assert all(list(row) == ["doc", *COLUMNS[level]] for row in body["rows"])


@pytest.mark.parametrize("level", ["paragraph", "article"])
def test_large_batch_scored_in_pieces_equals_one_library_call(client, model, level):
    texts = [ARTICLE, RAIL, WIDE, "", "The regime's thugs attacked peaceful marchers."] * 50  # 250 documents: 3 pieces
    ids = [f"d{i}" for i in range(len(texts))]
    r = client.post("/v1/score/batch", json={"documents": [{"id": i, "text": t} for i, t in zip(ids, texts)], "level": level})
    assert r.status_code == 200
    assert_same(r.json()["rows"], library_rows(model.score_documents(texts, level=level, doc_ids=ids)), "rows")
    sentences = SENTENCES * 40  # 240 sentences
    r = client.post("/v1/sentences", json={"sentences": sentences})
    assert_same(r.json()["rows"], library_rows(model.score_sentences(sentences)), "rows")


def test_pieces_cover_the_batch_within_their_bounds():
    texts = ["x" * 30_000] * 7 + ["y"] * 250 + ["z" * 250_000]
    pieces = list(serve._chunks(texts))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    for lo, hi in pieces:
        assert hi - lo <= serve._CHUNK_ITEMS
        assert hi - lo == 1 or sum(map(len, texts[lo:hi])) <= serve._CHUNK_CHARS
    assert list(serve._chunks([])) == []


@pytest.mark.parametrize("explain", [True, False])
def test_sentences_equal_score_sentences(client, model, explain):
    r = client.post("/v1/sentences", json={"sentences": SENTENCES, "explain": explain})
    assert r.status_code == 200, r.text
    want = library_rows(model.score_sentences(SENTENCES, explain=explain))
    assert_same(r.json()["rows"], want, "rows")
    assert all(list(row) == SENTENCE_COLUMNS for row in r.json()["rows"])
    assert any(row["loaded_terms"] for row in r.json()["rows"]) is explain


def test_empty_inputs_give_no_rows(client, model):
    assert client.post("/v1/score", json={"text": ""}).json() == {"level": "paragraph", "rows": []}
    assert client.post("/v1/score/batch", json={"documents": []}).json() == {"level": "paragraph", "rows": []}
    assert client.post("/v1/sentences", json={"sentences": []}).json() == {"rows": []}
    assert len(model.score_text("")) == 0


def test_model_endpoint(client, model):
    r = client.get("/v1/model")
    assert r.status_code == 200
    info = r.json()
    assert info["version"] == model.meta["version"]
    assert info["format"] == FORMAT
    assert info["training_data"] == model.meta["training_data"]
    assert info["manifest"] == read_manifest(default_model_path())
    assert info["heads"] == list(model.head_names)
    assert info["decision_points"] == pytest.approx(model.decision_points, abs=TOL)
    assert info["limits"] == {"max_body_bytes": serve.DEFAULT_MAX_BODY, "max_batch": serve.DEFAULT_MAX_BATCH,
                              "max_chars": serve.DEFAULT_MAX_CHARS}
    assert info["controls"] == {"allow_terms": 0, "house_cues": 0}


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "in_flight": 0}


def test_openapi_schema_describes_the_library(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = spec["paths"]
    assert set(paths) == {"/healthz", "/v1/model", "/v1/score", "/v1/score/batch", "/v1/sentences"}
    schemas = spec["components"]["schemas"]
    for level in LEVELS:
        assert list(schemas[f"{level.title()}Row"]["properties"]) == COLUMNS[level]
        assert list(schemas[f"Batch{level.title()}Row"]["properties"]) == ["doc", *COLUMNS[level]]
        assert set(schemas[f"{level.title()}Row"]["required"]) == set(COLUMNS[level])
    assert list(schemas["SentenceScore"]["properties"]) == SENTENCE_COLUMNS
    for column, name in (("loaded_terms", "LoadedTerm"), ("framing_terms", "FramingTerm")):
        assert list(schemas[name]["properties"]) == list(TERM_FIELDS[column])
        assert set(schemas[name]["required"]) == {f for f, kind in TERM_FIELDS[column].items() if not kind.endswith("?")}
    # scores may be null, ints are integers, kind is an enum
    row = schemas["ParagraphRow"]["properties"]
    assert {"type": "null"} in row["loaded_language"]["anyOf"]
    assert row["start"]["type"] == "integer" and "content" in row["kind"]["enum"]
    # the limits are part of the schema, and every error is documented as JSON
    assert schemas["ScoreRequest"]["properties"]["text"]["maxLength"] == serve.DEFAULT_MAX_CHARS
    assert schemas["BatchRequest"]["properties"]["documents"]["maxItems"] == serve.DEFAULT_MAX_BATCH
    for path in ("/v1/score", "/v1/score/batch", "/v1/sentences"):
        responses = paths[path]["post"]["responses"]
        assert {"200", "401", "413", "422", "500"} <= set(responses)
        assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    one_of = paths["/v1/score"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert one_of["discriminator"]["propertyName"] == "level"
    assert "securitySchemes" not in spec.get("components", {})


# -- limits and errors ------------------------------------------------------------------------------


def test_body_over_the_limit_is_413(small):
    r = small.post("/v1/score", json={"text": "x" * 3000})
    body = assert_json_error(r, 413, "payload_too_large")
    assert "2,000 bytes" in body["message"]


def test_chunked_body_over_the_limit_is_413(small):
    def chunks():  # no Content-Length: the limit is counted as the body arrives
        yield b'{"text": "'
        for _ in range(30):
            yield b"x" * 100
        yield b'"}'

    r = small.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert_json_error(r, 413, "payload_too_large")


def test_a_body_within_the_limit_is_scored(small, model):
    text = "The regime's thugs attacked peaceful marchers."
    r = small.post("/v1/score", json={"text": text})
    assert r.status_code == 200
    assert_same(r.json()["rows"], library_rows(model.score_text(text)))


def test_batch_over_the_limit_is_422(small):
    docs = [{"id": str(i), "text": "a"} for i in range(4)]
    fields = field_errors(small.post("/v1/score/batch", json={"documents": docs}))
    assert "documents" in fields and "4 items" in fields["documents"] and "3" in fields["documents"]
    fields = field_errors(small.post("/v1/sentences", json={"sentences": ["a"] * 4}))
    assert "sentences" in fields and "4 items" in fields["sentences"]


def test_text_over_the_character_limit_is_422(small):
    fields = field_errors(small.post("/v1/score", json={"text": "é" * 101}))
    assert fields == {"text": "101 characters, more than this server's limit of 100 characters per text"}
    docs = [{"id": "ok", "text": "fine"}, {"id": "long", "text": "x" * 150}]
    fields = field_errors(small.post("/v1/score/batch", json={"documents": docs}))
    assert list(fields) == ["documents[1].text"] and "150 characters" in fields["documents[1].text"]
    fields = field_errors(small.post("/v1/sentences", json={"sentences": ["ok", "y" * 101]}))
    assert list(fields) == ["sentences[1]"]


def test_exactly_at_the_character_limit_is_scored(small):
    assert small.post("/v1/score", json={"text": "x" * 100}).status_code == 200


def test_malformed_json_is_422_naming_the_body(client):
    r = client.post("/v1/score", content=b'{"text": "unterminated', headers={"content-type": "application/json"})
    fields = field_errors(r)
    assert list(fields) == ["body"] and "malformed JSON" in fields["body"]


@pytest.mark.parametrize(("path", "payload", "field", "words"), [
    ("/v1/score", {"text": 5}, "text", "valid string, got a number"),
    ("/v1/score", {"text": None}, "text", "got null"),
    ("/v1/score", {"text": "a", "level": "word"}, "level", "'paragraph', 'sentence' or 'article'"),
    ("/v1/score", {"level": "article"}, "text", "required field missing"),
    ("/v1/score", {"text": "a", "levle": "article"}, "levle", "unknown field"),
    ("/v1/score", ["a"], "body", "expected a JSON object, got an array"),
    ("/v1/score/batch", {"documents": "a"}, "documents", "valid list"),
    ("/v1/score/batch", {"documents": [{"id": 3, "text": "a"}]}, "documents[0].id", "valid string, got a number"),
    ("/v1/score/batch", {"documents": [{"text": "a"}]}, "documents[0].id", "required field missing"),
    ("/v1/sentences", {"sentences": ["a", 2]}, "sentences[1]", "valid string"),
    ("/v1/sentences", {"sentences": ["a"], "explain": "perhaps"}, "explain", "valid boolean"),
])
def test_wrong_types_are_422_naming_the_field(client, path, payload, field, words):
    fields = field_errors(client.post(path, json=payload))
    assert field in fields, fields
    assert words in fields[field]


def test_not_json_and_empty_bodies_are_422(client):
    fields = field_errors(client.post("/v1/score", content=b'{"text": "a"}', headers={"content-type": "text/plain"}))
    assert fields == {"body": "expected a JSON object with Content-Type: application/json"}
    fields = field_errors(client.post("/v1/score", content=b"", headers={"content-type": "application/json"}))
    assert fields == {"body": "missing: send a JSON object"}


def test_lone_surrogate_is_422(client):
    r = client.post("/v1/score", content=b'{"text": "a\\ud800b"}', headers={"content-type": "application/json"})
    assert field_errors(r) == {"text": "not valid Unicode (it holds a lone surrogate such as \\ud800)"}


def test_unknown_path_and_wrong_method_are_json(client):
    body = assert_json_error(client.get("/v1/nothing"), 404, "not_found")
    assert "/v1/nothing" in body["message"]
    r = client.get("/v1/score")
    body = assert_json_error(r, 405, "method_not_allowed")
    assert "POST" in body["message"] and r.headers["allow"] == "POST"


def test_unexpected_error_is_a_json_500_without_traceback(caplog):
    def boom(texts, level="paragraph"):
        raise RuntimeError("secret internal detail\nsecond line")

    with TestClient(create_app(_FakeModel(boom), manifest={}), raise_server_exceptions=False) as c:
        r = c.post("/v1/score", json={"text": "x"})
        body = assert_json_error(r, 500, "internal_error")
        assert "RuntimeError" in body["message"] and "secret" not in r.text
        assert c.get("/healthz").status_code == 200  # the service carries on
    assert any("POST /v1/score: unexpected RuntimeError: secret internal detail" == rec.getMessage() for rec in caplog.records)


# -- auth ---------------------------------------------------------------------------------------------

ENDPOINTS = [("GET", "/v1/model", None), ("POST", "/v1/score", {"text": ARTICLE}),
             ("POST", "/v1/score/batch", {"documents": [{"id": "a", "text": "The thugs."}]}),
             ("POST", "/v1/sentences", {"sentences": ["The thugs."]}), ("GET", "/openapi.json", None), ("GET", "/docs", None)]


@pytest.mark.parametrize(("method", "path", "payload"), ENDPOINTS, ids=[p for _, p, _ in ENDPOINTS])
def test_token_required_on_every_endpoint_but_healthz(authed, method, path, payload):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer "}):
        r = authed.request(method, path, json=payload, headers=headers)
        assert_json_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = authed.request(method, path, json=payload, headers=AUTH)
    assert r.status_code == 200, r.text
    r = authed.request(method, path, json=payload, headers={"Authorization": f"bearer {TOKEN}"})  # the scheme is case-insensitive
    assert r.status_code == 200


def test_healthz_needs_no_token(authed):
    assert authed.get("/healthz").status_code == 200
    assert authed.get("/healthz", headers={"Authorization": "Bearer wrong"}).status_code == 200


def test_token_is_checked_before_the_body_is_read(authed):
    r = authed.post("/v1/score", json={"text": "x" * 5000})  # over the 2,000-byte limit, but unauthenticated first
    assert_json_error(r, 401, "unauthorized")
    assert_json_error(authed.post("/v1/score", json={"text": "x" * 5000}, headers=AUTH), 413, "payload_too_large")


def test_token_compared_in_constant_time(authed, monkeypatch):
    calls = []
    real = serve.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(serve.hmac, "compare_digest", spy)
    assert authed.get("/v1/model", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert authed.get("/v1/model", headers=AUTH).status_code == 200
    assert len(calls) == 2 and all(len(a) == len(b) == 32 for a, b in calls)  # sha256 digests: length does not leak either


def test_without_a_token_the_header_is_ignored(client):
    assert client.get("/v1/model", headers={"Authorization": "Bearer anything"}).status_code == 200


def test_openapi_declares_the_bearer_scheme_when_a_token_is_set(authed):
    spec = authed.get("/openapi.json", headers=AUTH).json()
    assert spec["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert spec["security"] == [{"bearer": []}]
    assert spec["paths"]["/healthz"]["get"]["security"] == []


def test_cors_preflight_and_errors_carry_the_origin(model):
    origin = "https://cms.example.org"
    with TestClient(create_app(model, token=TOKEN, cors_origins=[origin], manifest={})) as c:
        r = c.options("/v1/score", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "authorization,content-type"})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        r = c.post("/v1/score", json={"text": "a"}, headers={"Origin": origin})
        assert r.status_code == 401 and r.headers["access-control-allow-origin"] == origin
        r = c.post("/v1/score", json={"text": "a"}, headers={"Origin": "https://evil.example", **AUTH})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


# -- scoring off the event loop ------------------------------------------------------------------------


def test_scoring_runs_off_the_event_loop():
    entered, release = threading.Event(), threading.Event()

    def slow(texts, level="paragraph"):
        entered.set()
        release.wait(30)
        return {"doc": [], **{c: [] for c in COLUMNS[level]}}

    with TestClient(create_app(_FakeModel(slow), manifest={})) as c, ThreadPoolExecutor(2) as pool:
        try:
            scoring = pool.submit(c.post, "/v1/score", json={"text": "x"})
            assert entered.wait(10), "the scoring request never started"
            health = pool.submit(c.get, "/healthz")
            r = health.result(timeout=10)  # would time out if scoring held the event loop
            assert r.status_code == 200 and r.json()["in_flight"] == 1
        finally:
            release.set()
        assert scoring.result(timeout=10).json() == {"level": "paragraph", "rows": []}


def test_a_single_article_gets_its_turn_between_the_pieces_of_a_batch():
    calls, entered, release = [], threading.Event(), threading.Event()

    def recorded(texts, level="paragraph"):
        calls.append((len(texts), release.is_set()))
        if len(calls) == 1:
            entered.set()
            release.wait(30)
        return {"doc": [], **{c: [] for c in COLUMNS[level]}}

    docs = [{"id": str(i), "text": "x"} for i in range(150)]  # two pieces: 100 + 50
    with TestClient(create_app(_FakeModel(recorded), manifest={})) as c, ThreadPoolExecutor(2) as pool:
        try:
            batch = pool.submit(c.post, "/v1/score/batch", json={"documents": docs})
            assert entered.wait(10)
            single = pool.submit(c.post, "/v1/score", json={"text": "one article"})
            deadline = time.monotonic() + 10
            while c.get("/healthz").json()["in_flight"] < 2:  # the single article is waiting for its turn
                assert time.monotonic() < deadline
                time.sleep(0.01)
        finally:
            release.set()
        assert batch.result(timeout=10).status_code == 200 and single.result(timeout=10).status_code == 200
    # one scoring thread: the article waited for the first piece (released), then went before the second
    assert calls == [(100, False), (1, True), (50, True)]


# -- the CLI -----------------------------------------------------------------------------------------


def test_serve_help_lists_the_limits_and_defaults(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for flag in ("--max-body", "--max-batch", "--max-chars", "--host", "--port", "--workers", "--token", "--model",
                 "--allow", "--cues"):
        assert flag in out
    assert f"default 5M = {serve.DEFAULT_MAX_BODY:,} bytes" in out
    assert f"(default {serve.DEFAULT_MAX_BATCH:,})" in out and f"(default {serve.DEFAULT_MAX_CHARS:,})" in out
    assert "413" in out and "422" in out and "default 127.0.0.1" in out


def test_cli_defaults_agree_with_the_service():
    params = inspect.signature(create_app).parameters
    assert params["max_body"].default == serve.DEFAULT_MAX_BODY == cli_serve.DEFAULT_MAX_BODY
    assert params["max_batch"].default == serve.DEFAULT_MAX_BATCH == cli_serve.DEFAULT_MAX_BATCH
    assert params["max_chars"].default == serve.DEFAULT_MAX_CHARS == cli_serve.DEFAULT_MAX_CHARS
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.workers, args.token) == ("127.0.0.1", 8000, 1, None)
    assert (args.max_body, args.max_batch, args.max_chars) == (serve.DEFAULT_MAX_BODY, serve.DEFAULT_MAX_BATCH, serve.DEFAULT_MAX_CHARS)


@pytest.mark.parametrize(("given", "bytes_"), [("5M", 5 * 1024 * 1024), ("512K", 512 * 1024), ("1000", 1000), ("2MiB", 2 * 1024 * 1024)])
def test_max_body_sizes(given, bytes_):
    assert build_parser().parse_args(["serve", "--max-body", given]).max_body == bytes_


def test_bad_limit_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--max-body", "5X"])
    assert exc.value.code == 2
    assert "--max-body: must be a positive number of bytes" in capsys.readouterr().err


def test_token_from_flag_or_environment(monkeypatch):
    monkeypatch.delenv("FRAMING_TOKEN", raising=False)
    assert cli_serve.resolve_token(None) is None
    monkeypatch.setenv("FRAMING_TOKEN", "from-env")
    assert cli_serve.resolve_token(None) == "from-env"
    assert cli_serve.resolve_token("from-flag") == "from-flag"
    monkeypatch.setenv("FRAMING_TOKEN", "")
    with pytest.raises(cli_serve.InputError, match="FRAMING_TOKEN is empty"):
        cli_serve.resolve_token(None)
    with pytest.raises(cli_serve.InputError, match="printable ASCII") as exc:
        cli_serve.resolve_token("sécret")
    assert "sécret" not in str(exc.value)


def test_allow_list_and_house_cues_apply(tmp_path, monkeypatch, model):
    allow = tmp_path / "allow.txt"
    allow.write_text("# words this desk accepts\nslammed\n", encoding="utf-8")
    cues = tmp_path / "cues.csv"
    cues.write_text("term,category,weight\nport expansion,pejorative_label,2.5\n", encoding="utf-8")
    args = build_parser().parse_args(["serve", "--allow", str(allow), "--cues", str(cues)])
    configured = model.configure(allow=read_allow(allow), cues=read_cues(cues))
    with TestClient(cli_serve.build_app(args, None)) as c:
        for level in LEVELS:
            body = c.post("/v1/score", json={"text": ARTICLE, "level": level}).json()
            assert_same(body["rows"], library_rows(configured.score_text(ARTICLE, level=level)), level)
        rows = c.post("/v1/score", json={"text": ARTICLE}).json()["rows"]
        info = c.get("/v1/model").json()
    terms = [t for row in rows for t in row["loaded_terms"]]
    assert "slammed" not in {t["term"] for t in terms}
    assert any(t["term"] == "port expansion" and t.get("source") == "house" for t in terms)
    assert "slammed" in {t["term"] for row in library_rows(model.score_text(ARTICLE)) for t in row["loaded_terms"]}
    assert info["controls"] == {"allow_terms": 1, "house_cues": 1}


def test_port_in_use_is_one_line_rc_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"framing: error: cannot listen on 127.0.0.1 port {port}")


def test_missing_model_is_one_line_rc_2(capsys, tmp_path):
    assert main(["serve", "--model", str(tmp_path / "none.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "model file not found" in err


# -- a real server --------------------------------------------------------------------------------------


class RealServer:
    """``python -m classifier serve`` on 127.0.0.1 with an ephemeral port; stderr goes to a file."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None):
        self.log_path = tmp_path / "serve.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "classifier", "serve", "--host", "127.0.0.1", "--port", "0", *args],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log, env={**os.environ, **(env or {})})
        self.url = self._ready(90)

    def stderr(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def _ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"serving on (http://127\.0\.0\.1:(\d+))", self.stderr())
            if m:
                assert m.group(2) != "0"
                return m.group(1)
            if self.proc.poll() is not None:
                pytest.fail(f"framing serve exited with {self.proc.returncode}: {self.stderr()}")
            time.sleep(0.05)
        pytest.fail(f"framing serve did not say it was serving within {timeout} s: {self.stderr()}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def test_real_server_answers_over_http_and_drains_on_sigterm(tmp_path, model):
    server = RealServer(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.get("/healthz").json() == {"status": "ok", "in_flight": 0}
            r = http.post("/v1/score", json={"text": ARTICLE, "level": "sentence"})
            assert r.status_code == 200
            assert_same(r.json()["rows"], library_rows(model.score_text(ARTICLE, level="sentence")))
            assert_json_error(http.post("/v1/score", content=b"{", headers={"content-type": "application/json"}), 422,
                              "invalid_request")

            # a long article in flight when SIGTERM arrives: it is finished and answered, then the server exits 0
            long_text = "\n\n".join([ARTICLE] * 400)  # about 500,000 characters: some hundreds of milliseconds of scoring
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(http.post, "/v1/score", json={"text": long_text, "level": "article"})
                deadline = time.monotonic() + 30
                while http.get("/healthz").json()["in_flight"] < 1:
                    assert not pending.done() and time.monotonic() < deadline, "could not catch the long request in flight"
                    time.sleep(0.01)
                server.proc.send_signal(signal.SIGTERM)
                r = pending.result(timeout=60)
            assert r.status_code == 200
            assert_same(r.json()["rows"], library_rows(model.score_text(long_text, level="article")))
        assert server.proc.wait(60) == 0
        err = server.stderr()
        m = re.search(r"SIGTERM received: finishing (\d+) requests? in flight, then stopping", err)
        assert m and int(m.group(1)) >= 1, err  # the long one (and perhaps the last health check, still closing)
        assert err.rstrip().endswith("framing: stopped")
        assert "Traceback" not in err
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/healthz", timeout=5)
    finally:
        server.close()


# -- without the serve extra ---------------------------------------------------------------------------

BLOCKER = """
import importlib.abc, sys
BLOCKED = {"fastapi", "uvicorn", "starlette", "pydantic", "pydantic_core"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Block())
"""


def _run_blocked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER + code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_without_the_extra_serve_prints_one_line_and_exits_2():
    r = _run_blocked("from classifier.cli import main\nsys.exit(main(['serve']))")
    assert r.returncode == 2, r.stderr
    assert r.stderr == EXTRA_LINE + "\n"
    assert r.stdout == ""


def test_without_the_extra_serve_help_still_works():
    r = _run_blocked("from classifier.cli import main\nmain(['serve', '--help'])")
    assert r.returncode == 0, r.stderr
    assert "--max-body" in r.stdout


def test_other_commands_work_without_the_extra_and_import_nothing_from_it(tmp_path, model):
    out = tmp_path / "rows.jsonl"
    code = (f"from classifier.cli import main\nrc = main(['score', {str(ARTICLE_PATH)!r}, '-o', {str(out)!r}])\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in BLOCKED or m == 'classifier.serve')\n"
            "print(rc, loaded)")
    r = _run_blocked(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0 []"
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(model.score_text(ARTICLE))


def test_importing_the_cli_imports_no_web_framework():
    code = ("import sys\nimport classifier.cli\nclassifier.cli.build_parser()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'uvicorn', 'starlette', 'pydantic'}))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr


# -- load (deselected by default: pytest -m load) -------------------------------------------------------


@pytest.mark.load
def test_bench_serve_bounded_run_has_no_errors_and_flat_memory():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_serve.py"), "--requests", "1000", "--rounds", "2",
                        "--warmup", "200", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["errors"] == 0 and result["answered"] == 1000
    assert result["rss_mb"]["growth"] <= 0.10
    assert result["server_exit_code"] == 0


@pytest.mark.load
def test_two_workers_with_a_token_serve_and_stop_cleanly(tmp_path, model):
    server = RealServer(tmp_path, "--workers", "2", env={"FRAMING_TOKEN": TOKEN})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.post("/v1/score", json={"text": ARTICLE}).status_code == 401
            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(lambda _: http.post("/v1/score", json={"text": ARTICLE}, headers=AUTH), range(40)))
            want = library_rows(model.score_text(ARTICLE))
            for r in replies:
                assert r.status_code == 200
                assert_same(r.json()["rows"], want)
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(60) == 0
        assert "Traceback" not in server.stderr()
    finally:
        server.close()


@pytest.mark.load
def test_health_checks_answer_while_a_long_article_is_scored(tmp_path):
    server = RealServer(tmp_path, "--max-chars", "3000000")
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(1) as pool:
            text = "\n\n".join([ARTICLE] * 2000)  # about 2.5 million characters: seconds of scoring
            pending = pool.submit(http.post, "/v1/score", json={"text": text, "level": "article"})
            while http.get("/healthz").json()["in_flight"] < 1:
                assert not pending.done()
                time.sleep(0.01)
            waits = []
            while not pending.done():
                t0 = time.perf_counter()
                assert http.get("/healthz").status_code == 200
                waits.append(time.perf_counter() - t0)
                time.sleep(0.05)
            assert pending.result().status_code == 200
        assert len(waits) >= 5 and sorted(waits)[len(waits) // 2] < 0.5, waits
    finally:
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(60)
        server.close()



def _long_request_in_flight(http: httpx.Client, pool: ThreadPoolExecutor, chars_factor: int) -> Any:
    text = "\n\n".join([ARTICLE] * chars_factor)
    pending = pool.submit(http.post, "/v1/score", json={"text": text, "level": "article"})
    deadline = time.monotonic() + 30
    while http.get("/healthz").json()["in_flight"] < 1:
        assert not pending.done() and time.monotonic() < deadline
        time.sleep(0.01)
    return pending


@pytest.mark.load
def test_graceful_timeout_cuts_off_with_503_and_exit_1(tmp_path):
    server = RealServer(tmp_path, "--graceful-timeout", "0.3", "--max-chars", "3000000")
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(1) as pool:
            pending = _long_request_in_flight(http, pool, 2000)  # seconds of scoring, more than 0.3 s
            server.proc.send_signal(signal.SIGTERM)
            assert_json_error(pending.result(timeout=60), 503, "unavailable")
        assert server.proc.wait(60) == 1
        err = server.stderr()
        assert "framing: stopped; 1 request still running after --graceful-timeout 0.3 s cut off (answered 503)" in err
        assert "Traceback" not in err
    finally:
        server.close()


@pytest.mark.load
def test_second_interrupt_stops_at_once_with_130(tmp_path):
    server = RealServer(tmp_path, "--max-chars", "3000000")
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(1) as pool:
            pending = _long_request_in_flight(http, pool, 2000)
            server.proc.send_signal(signal.SIGINT)
            time.sleep(0.3)
            server.proc.send_signal(signal.SIGINT)
            assert_json_error(pending.result(timeout=60), 503, "unavailable")
        assert server.proc.wait(60) == 130
        err = server.stderr()
        assert "stopped at once (second interrupt); 1 request in flight cut off" in err
        assert "Traceback" not in err
    finally:
        server.close()
