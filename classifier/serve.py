"""The HTTP service over the library: a FastAPI app whose OpenAPI schema describes what the library returns.

:func:`create_app` wraps one loaded (and possibly configured) :class:`~classifier.score.FramingModel`:

* ``POST /v1/score`` — one article, rows of ``score_text`` at the chosen level;
* ``POST /v1/score/batch`` — many articles with ids, rows of ``score_documents``;
* ``POST /v1/sentences`` — rows of ``score_sentences``;
* ``GET /v1/model`` — version, format, training data summary, manifest, decision points, limits;
* ``GET /healthz`` — liveness (never needs the token).

Rows are the library's own values, unrounded (a missing score is ``null``); the response models
are generated from :mod:`classifier.schema`, so the schema cannot drift from the columns. Scoring
runs in worker threads (one at a time by default), never on the event loop. Every error is a JSON object
``{"error", "message"[, "fields"]}``, never a traceback. This module needs the ``serve`` extra
(FastAPI, pydantic); ``framing serve`` (:mod:`classifier.cli_serve`) imports it only when run.
"""

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from starlette.exceptions import HTTPException

from . import __version__
from .schema import COLUMNS, HEADS, KINDS, LEVELS, SENTENCE_COLUMNS, TERM_FIELDS, column_kind

__all__ = [
    "API_PREFIX",
    "DEFAULT_MAX_BATCH",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CHARS",
    "OPEN_PATHS",
    "ErrorResponse",
    "ModelInfo",
    "create_app",
]

DEFAULT_MAX_BODY = 5 * 1024 * 1024  # bytes of request body; larger -> 413
DEFAULT_MAX_BATCH = 1000  # documents per /v1/score/batch, sentences per /v1/sentences; more -> 422
DEFAULT_MAX_CHARS = 1_000_000  # characters per document or sentence; longer -> 422
API_PREFIX = "/v1"
OPEN_PATHS = frozenset({"/healthz"})  # reachable without the token

log = logging.getLogger("framing.serve")

# ---------------------------------------------------------------------------------------------
# Response models, generated from classifier.schema

_TYPES = {"str": str, "int": int, "float": float}

_TERM_DOCS = {
    "term": "the words as they appear in the text: text[start:end] == term",
    "start": "offset of the term (in Unicode code points) into the article, or into the sentence for /v1/sentences",
    "end": "offset just past the term",
    "weight": "log-odds the term adds to the score (3 decimals)",
    "alternative": "a plainer word from the lexicon; absent where it has none",
    "device": "the framing device: a lexicon category, scare_quotes or opinion",
    "source": '"house" for a term from the server\'s house cue list; absent otherwise',
}

_COLUMN_DOCS = {
    "doc": "the document's id, as sent",
    "paragraph": "index of the paragraph in the article, from 0",
    "sentence": "index of the sentence in its paragraph, from 0 (a sentence over 1,000 characters without punctuation "
                "is scored in pieces that share its index)",
    "start": "offset (in Unicode code points) of the row's text in the article: article[start:end] == text",
    "end": "offset just past the row's text",
    "kind": "content, or what scrapers leave in articles (not scored): " + ", ".join(KINDS[1:]),
    "text": "the paragraph or sentence (for /v1/sentences: the sentence as sent)",
    "loaded_language": "probability (0-1) of charged, one-sided wording: the row's most loaded sentence (paragraph), the "
                       "sentence's own, or the highest paragraph (article); null when not scored",
    "editorial_framing": "probability (0-1) that the writer's own voice (quotations masked) takes a position; as "
                         "loaded_language otherwise",
    "loaded_language_mean": "mean loaded_language over the article's content paragraphs; null without content",
    "editorial_framing_mean": "mean editorial_framing over the article's content paragraphs; null without content",
    "share_loaded": "share of content paragraphs at or above the loaded_language decision point; null without content",
    "share_framing": "share of content paragraphs at or above the editorial_framing decision point; null without content",
    "loaded_terms": "the words that pushed loaded_language up most, strongest first (at most 6); empty below the "
                    "decision point",
    "framing_terms": "the words that pushed editorial_framing up most, strongest first (at most 6); empty below the "
                     "decision point",
    "n_sentences": "sentences scored",
    "n_paragraphs": "paragraphs in the article",
    "n_content": "content paragraphs in the article",
}


def _term_model(column: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, kind in TERM_FIELDS[column].items():
        typ = _TYPES[kind.rstrip("?")]
        if kind.endswith("?"):  # absent when it does not apply (never null)
            fields[name] = (typ, Field(default=None, description=_TERM_DOCS.get(name)))
        else:
            fields[name] = (typ, Field(description=_TERM_DOCS.get(name)))
    title = "".join(part.title() for part in column.split("_"))[:-1]  # loaded_terms -> LoadedTerm
    return create_model(title, __doc__=f"One entry of {column}.", **fields)


TERM_MODELS = {column: _term_model(column) for column in TERM_FIELDS}


def _field(column: str) -> tuple[Any, Any]:
    kind = column_kind(column)
    doc = _COLUMN_DOCS.get(column)
    if column == "kind":
        return Literal[KINDS], Field(description=doc)
    if kind == "score":
        return Optional[float], Field(description=doc)  # noqa: UP045  (a runtime type for create_model)
    if kind == "terms":
        return list[TERM_MODELS[column]], Field(description=doc)  # type: ignore[valid-type]
    return _TYPES[kind], Field(description=doc)


def _row_model(name: str, columns: Iterable[str], doc: str) -> type[BaseModel]:
    return create_model(name, __doc__=doc, **{c: _field(c) for c in columns})


_ROW_DOCS = {"paragraph": "one paragraph", "sentence": "one sentence of a content paragraph", "article": "one article"}
ROW_MODELS = {level: _row_model(f"{level.title()}Row", COLUMNS[level], f"Scores of {_ROW_DOCS[level]}.") for level in LEVELS}
BATCH_ROW_MODELS = {level: _row_model(f"Batch{level.title()}Row", ["doc", *COLUMNS[level]],
                                      f"Scores of {_ROW_DOCS[level]}, with the id of its document.") for level in LEVELS}
SentenceScore = _row_model("SentenceScore", SENTENCE_COLUMNS, "Scores of one sentence as sent (offsets into it).")


def _scores_model(name: str, level: str, row: type[BaseModel]) -> type[BaseModel]:
    return create_model(name, __doc__=f"Rows at level {level}.", level=(Literal[level], Field(description="the level asked for")),
                        rows=(list[row], Field(description="the library's rows, in order")))  # type: ignore[valid-type]


def _union(models: list[type[BaseModel]]) -> Any:
    return Annotated[Union[tuple(models)], Field(discriminator="level")]  # noqa: UP007  (a runtime union)


ScoreResponse = _union([_scores_model(f"{level.title()}Scores", level, ROW_MODELS[level]) for level in LEVELS])
BatchResponse = _union([_scores_model(f"Batch{level.title()}Scores", level, BATCH_ROW_MODELS[level]) for level in LEVELS])


class SentencesResponse(BaseModel):
    """Rows of ``score_sentences``: one per sentence, in order."""

    rows: list[SentenceScore]  # type: ignore[valid-type]


class FieldError(BaseModel):
    """One invalid part of a request."""

    field: str = Field(description='where: "body", a field name, or a path such as documents[3].text')
    message: str


class ErrorResponse(BaseModel):
    """Every error: a short code, one line for people, and for 422 the fields at fault."""

    error: str = Field(description="unauthorized, not_found, method_not_allowed, payload_too_large, invalid_request, "
                                   "internal_error, ...")
    message: str = Field(description="one line saying what is wrong")
    fields: Optional[list[FieldError]] = Field(default=None, description="422 only: each invalid field")  # noqa: UP045


class TrainingData(BaseModel):
    """What the model was trained on (the manifest's training_data; other keys are passed through)."""

    model_config = ConfigDict(extra="allow")
    files: Optional[list[str]] = None  # noqa: UP045
    fingerprint: Optional[str] = Field(default=None, description="sha256 over the training data")  # noqa: UP045
    n_sentences: Optional[int] = None  # noqa: UP045


class Limits(BaseModel):
    """The limits this server enforces."""

    max_body_bytes: int = Field(description="largest request body; larger gets 413")
    max_batch: int = Field(description="most documents per /v1/score/batch and sentences per /v1/sentences; more gets 422")
    max_chars: int = Field(description="most characters per document or sentence; more gets 422")


class Controls(BaseModel):
    """Editor's controls the server applies (``--allow``, ``--cues``)."""

    allow_terms: int = Field(description="terms on the allow list (never reported, weight taken out of the score)")
    house_cues: int = Field(description="house cues (reported with source=house and weighted)")


class ModelInfo(BaseModel):
    """The model this server scores with."""

    version: Optional[str] = Field(description="the model's version")  # noqa: UP045
    format: int = Field(description="the model file format")
    package_version: str = Field(description="version of the framing package serving it")
    heads: list[str]
    decision_points: dict[str, float] = Field(description="per head, the probability at or above which a score is a flag")
    training_data: TrainingData
    controls: Controls
    limits: Limits
    manifest: Optional[dict[str, Any]] = Field(description="the manifest written beside the model file (sha256, "  # noqa: UP045
                                                           "library versions, metrics), when known")


class Health(BaseModel):
    status: Literal["ok"]
    in_flight: int = Field(description="scoring requests this process is working on or has queued")


# ---------------------------------------------------------------------------------------------
# Request models: built per app, so the limits are part of the schema

Level = Literal[LEVELS]  # type: ignore[valid-type]


def _request_models(max_batch: int, max_chars: int) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    Text = Annotated[str, Field(max_length=max_chars)]
    level_doc = "paragraph (one row per paragraph), sentence (per sentence of the content paragraphs) or article (one row)"

    class ScoreRequest(BaseModel):
        """One article."""

        model_config = ConfigDict(extra="forbid")
        text: Text = Field(description=f"the article (at most {max_chars:,} characters); paragraphs are separated by blank lines")
        level: Level = Field(default="paragraph", description=level_doc)  # type: ignore[valid-type]

    class Document(BaseModel):
        """One article of a batch."""

        model_config = ConfigDict(extra="forbid")
        id: str = Field(description="your id for the article, returned as each row's doc")
        text: Text = Field(description=f"the article (at most {max_chars:,} characters)")

    class BatchRequest(BaseModel):
        """Many articles, scored in one call."""

        model_config = ConfigDict(extra="forbid")
        documents: list[Document] = Field(max_length=max_batch, description=f"at most {max_batch:,} articles")
        level: Level = Field(default="paragraph", description=level_doc)  # type: ignore[valid-type]

    class SentencesRequest(BaseModel):
        """Sentences, each scored as one sentence."""

        model_config = ConfigDict(extra="forbid")
        sentences: list[Text] = Field(max_length=max_batch, description=f"at most {max_batch:,} sentences")  # type: ignore[valid-type]
        explain: bool = Field(default=True, description="list the terms (false: probabilities only, faster)")

    return ScoreRequest, BatchRequest, SentencesRequest


# ---------------------------------------------------------------------------------------------
# Errors


_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_request", 500: "internal_error",
          503: "unavailable"}


def _code(status: int) -> str:
    if status in _CODES:
        return _CODES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def _error_body(status: int, message: str, fields: list[dict[str, str]] | None = None) -> bytes:
    body: dict[str, Any] = {"error": _code(status), "message": message}
    if fields is not None:
        body["fields"] = fields
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _error_response(status: int, message: str, fields: list[dict[str, str]] | None = None,
                    headers: Mapping[str, str] | None = None) -> Response:
    return Response(_error_body(status, message, fields), status_code=status, media_type="application/json",
                    headers=dict(headers or {}))


async def _send_error(send: Callable[[dict[str, Any]], Awaitable[None]], status: int, message: str,
                      headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = _error_body(status, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


_JSON_TYPES = {"str": "a string", "int": "a number", "float": "a number", "bool": "a boolean", "dict": "an object",
               "list": "an array", "NoneType": "null", "bytes": "raw bytes"}


def _where(loc: Iterable[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _describe(err: Mapping[str, Any], max_batch: int, max_chars: int) -> dict[str, str]:
    """One pydantic/FastAPI error as ``{"field", "message"}``, in words a client can act on."""
    typ, loc, ctx = err.get("type", ""), tuple(err.get("loc", ())), err.get("ctx") or {}
    value = err.get("input")
    if typ == "json_invalid":
        pos = loc[1] if len(loc) > 1 else "?"
        return {"field": "body", "message": f"malformed JSON at character {pos} ({ctx.get('error', 'decode error')})"}
    field = _where(loc)
    got = _JSON_TYPES.get(type(value).__name__, type(value).__name__)
    if typ == "missing":
        message = "missing: send a JSON object" if field == "body" else "required field missing"
    elif typ == "extra_forbidden":
        message = "unknown field"
    elif typ == "string_too_long":
        n = len(value) if isinstance(value, str) else None
        size = f"{n:,} characters, " if n is not None else ""
        message = f"{size}more than this server's limit of {max_chars:,} characters per text"
    elif typ == "too_long":
        n = len(value) if isinstance(value, (list, tuple)) else None
        size = f"{n:,} items, " if n is not None else ""
        message = f"{size}more than this server's limit of {max_batch:,} per request"
    elif typ in ("model_attributes_type", "dict_type", "model_type") and field == "body":
        message = ("expected a JSON object with Content-Type: application/json" if isinstance(value, (bytes, bytearray))
                   else f"expected a JSON object, got {got}")
    elif typ == "string_unicode":
        message = "not valid Unicode (it holds a lone surrogate such as \\ud800)"
    elif typ == "literal_error":
        message = f"{err.get('msg', 'invalid value')}, got {json.dumps(value) if isinstance(value, str) else got}"
    else:
        message = f"{err.get('msg', 'invalid value')}, got {got}" if typ.endswith("_type") else str(err.get("msg", "invalid"))
    return {"field": field, "message": message}


# ---------------------------------------------------------------------------------------------
# The gate: token and body size, before any body is read


class _BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body is larger than this server's limit of {limit:,} bytes")


class _Gate:
    """ASGI middleware: bearer token on every path but :data:`OPEN_PATHS`, body-size limit, and a JSON 500 for anything unexpected."""

    def __init__(self, app: Any, *, token: str | None, max_body: int, stats: dict[str, int] | None = None):
        self.app = app
        self.max_body = max_body
        self.stats = stats if stats is not None else {}
        self._digest = hashlib.sha256(token.encode("utf-8")).digest() if token else None

    def _authorized(self, headers: list[tuple[bytes, bytes]]) -> bool:
        given = b""
        for name, value in headers:
            if name.lower() == b"authorization":
                scheme, _, credentials = value.strip().partition(b" ")
                if scheme.lower() == b"bearer":
                    given = credentials.strip()
                break
        # both sides hashed first, so neither the token's content nor its length shows in the timing
        return hmac.compare_digest(hashlib.sha256(given).digest(), self._digest or b"") and bool(given)

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        if self._digest is not None and scope["path"] not in OPEN_PATHS and not self._authorized(headers):
            await _send_error(send, 401, "missing or wrong bearer token (send the header Authorization: Bearer TOKEN)",
                              [(b"www-authenticate", b'Bearer realm="framing"')])
            return
        for name, value in headers:
            if name.lower() == b"content-length" and value.strip().isdigit() and int(value) > self.max_body:
                await _send_error(send, 413, f"request body of {int(value):,} bytes is larger than this server's limit of "
                                             f"{self.max_body:,} bytes")
                return

        state = {"received": 0, "too_large": False, "started": False, "swallow": False}

        async def limited_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_body:  # a chunked body, without Content-Length
                    state["too_large"] = True
                    raise _BodyTooLarge(self.max_body)
            return message

        async def tracked_send(message: dict[str, Any]) -> None:
            if state["swallow"]:
                return
            if message["type"] == "http.response.start":
                if state["too_large"] and message["status"] != 413:  # whatever the framework made of it, it is a 413
                    state["swallow"] = True
                    state["started"] = True
                    await _send_error(send, 413, f"request body is larger than this server's limit of {self.max_body:,} bytes")
                    return
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except asyncio.CancelledError:
            # the server stops without waiting (--graceful-timeout passed, or a second Ctrl-C): tell the client if
            # it can still be told, count it, and end quietly instead of a traceback in the log
            self.stats["cut_off"] = self.stats.get("cut_off", 0) + 1
            if not state["started"]:
                with contextlib.suppress(Exception):
                    await _send_error(send, 503, "the server is stopping and could not finish this request; send it again")
        except Exception as exc:  # never a traceback to the client, one line in the log
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            log.error("%s %s: unexpected %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__, detail)
            if not state["started"]:
                if state["too_large"]:
                    await _send_error(send, 413, f"request body is larger than this server's limit of {self.max_body:,} bytes")
                else:
                    await _send_error(send, 500, f"unexpected {type(exc).__name__} while handling the request; "
                                                 "the server log has the details")


# ---------------------------------------------------------------------------------------------
# Scoring (runs in a worker thread)


def _rows(cols: Mapping[str, list[Any]], columns: Iterable[str], ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Column lists to row objects in schema order; NaN scores become None, ``doc`` positions become ``ids``."""
    names, lists = [], []
    for c in columns:
        values = cols[c]
        if c == "doc" and ids is not None:
            values = [ids[i] for i in values]
        elif column_kind(c) == "score":
            values = [None if v != v else v for v in values]
        names.append(c)
        lists.append(values)
    return [dict(zip(names, row)) for row in zip(*lists)]


_CHUNK_CHARS = 100_000  # a batch is scored in pieces of about this much text (or _CHUNK_ITEMS items) ...
_CHUNK_ITEMS = 100  # ... so that other requests get their turn between the pieces


def _chunks(texts: list[str]) -> Iterator[tuple[int, int]]:
    """``[lo, hi)`` ranges of ``texts`` of at most about :data:`_CHUNK_CHARS` characters and :data:`_CHUNK_ITEMS` items."""
    lo = size = 0
    for i, text in enumerate(texts):
        if i > lo and (size + len(text) > _CHUNK_CHARS or i - lo >= _CHUNK_ITEMS):
            yield lo, i
            lo, size = i, 0
        size += len(text)
    if lo < len(texts):
        yield lo, len(texts)


class _Scorer:
    """The model, called in worker threads: ``threads`` at a time, first come first served.

    Scoring is pure Python, so threads take turns on one core; one thread (the default) scores
    fastest, and the event loop stays free for health checks and I/O meanwhile. Batches are scored
    in pieces, each a separate turn, so a large batch does not hold up single articles for long.
    """

    def __init__(self, model: Any, threads: int = 1):
        self.model = model
        self.threads = threads
        self.in_flight = 0
        self._limiters: weakref.WeakKeyDictionary[Any, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()
        self._score = TypeAdapter(ScoreResponse)
        self._batch = TypeAdapter(BatchResponse)
        self._sentences = TypeAdapter(SentencesResponse)

    @staticmethod
    def _json(adapter: TypeAdapter, payload: Any) -> bytes:
        # validated against the response model (so the schema holds), absent optional term fields stay absent
        return adapter.dump_json(adapter.validate_python(payload), exclude_unset=True)

    def _score_json(self, text: str, level: str) -> bytes:
        cols = self.model.score_columns([text], level=level)
        return self._json(self._score, {"level": level, "rows": _rows(cols, COLUMNS[level])})

    def _batch_rows(self, ids: list[str], texts: list[str], level: str) -> list[dict[str, Any]]:
        return _rows(self.model.score_columns(texts, level=level), ["doc", *COLUMNS[level]], ids)

    def _sentence_rows(self, sentences: list[str], explain: bool) -> list[dict[str, Any]]:
        return _rows(self.model.score_sentences(sentences, explain=explain).to_dict("list"), SENTENCE_COLUMNS)

    async def _in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    @staticmethod
    def _response(body: bytes) -> Response:
        return Response(body, media_type="application/json")

    async def score(self, text: str, level: str) -> Response:
        self.in_flight += 1
        try:
            return self._response(await self._in_thread(self._score_json, text, level))
        finally:
            self.in_flight -= 1

    async def batch(self, ids: list[str], texts: list[str], level: str) -> Response:
        self.in_flight += 1
        try:
            rows: list[dict[str, Any]] = []
            for lo, hi in _chunks(texts):
                rows += await self._in_thread(self._batch_rows, ids[lo:hi], texts[lo:hi], level)
            return self._response(await self._in_thread(self._json, self._batch, {"level": level, "rows": rows}))
        finally:
            self.in_flight -= 1

    async def sentences(self, sentences: list[str], explain: bool) -> Response:
        self.in_flight += 1
        try:
            rows: list[dict[str, Any]] = []
            for lo, hi in _chunks(sentences):
                rows += await self._in_thread(self._sentence_rows, sentences[lo:hi], explain)
            return self._response(await self._in_thread(self._json, self._sentences, {"rows": rows}))
        finally:
            self.in_flight -= 1


# ---------------------------------------------------------------------------------------------
# The app


def _model_info(model: Any, manifest: Mapping[str, Any] | None, limits: Limits) -> dict[str, Any]:
    from .persist import FORMAT

    meta = model.meta
    controls = getattr(model, "controls", None)
    return {
        "version": meta.get("version"),
        "format": int((manifest or {}).get("format", FORMAT)),
        "package_version": __version__,
        "heads": list(getattr(model, "head_names", HEADS)),
        "decision_points": dict(model.decision_points),
        "training_data": dict(meta.get("training_data") or {}),
        "controls": {"allow_terms": len(getattr(controls, "allow", ()) or ()), "house_cues": len(getattr(controls, "house", ()) or ())},
        "limits": limits.model_dump(),
        "manifest": dict(manifest) if manifest is not None else None,
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "missing or wrong bearer token (when the server has one)"},
    413: {"model": ErrorResponse, "description": "request body larger than the server's limit"},
    422: {"model": ErrorResponse, "description": "malformed JSON, a wrong type or value, or over a limit (batch length, "
                                                 "characters per text); fields names each field at fault"},
    500: {"model": ErrorResponse, "description": "unexpected error (details in the server log only)"},
}

DESCRIPTION = """Loaded language and editorial framing in news text, per paragraph, sentence or article,
with the words to blame. The rows are those of the Python library (`score_text`, `score_documents`,
`score_sentences`): offsets count Unicode code points, scores are unrounded probabilities (null where a
paragraph is not scored) and 0.5 is the decision point unless `GET /v1/model` says otherwise.
Every error is a JSON object `{"error", "message"}` (and `fields` for 422)."""


def _add_error_handlers(app: FastAPI, max_batch: int, max_chars: int) -> None:
    """JSON errors for invalid requests and HTTP errors (404, 405, 401, 413...), never a traceback."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = [_describe(e, max_batch, max_chars) for e in exc.errors()]
        shown = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:3])
        more = f"; and {len(fields) - 3} more" if len(fields) > 3 else ""
        return _error_response(422, f"invalid request: {shown}{more}", fields)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        where = f"{request.method} {request.url.path}"
        if exc.status_code == 404 and exc.detail in (None, "Not Found"):
            message = f"{where}: no such endpoint (the API is described at /openapi.json)"
        elif exc.status_code == 405:
            allow = (exc.headers or {}).get("Allow", "")
            message = f"{where}: method not allowed" + (f" (use {allow})" if allow else "")
        else:
            message = str(exc.detail) if exc.detail else HTTPStatus(exc.status_code).phrase
        return _error_response(exc.status_code, message, headers=exc.headers)


def _add_routes(app: FastAPI, scorer: Any, info: dict[str, Any], ScoreRequest: Any, BatchRequest: Any,
                SentencesRequest: Any) -> None:
    """The endpoints: /healthz, /v1/model, /v1/score, /v1/score/batch, /v1/sentences."""

    @app.get("/healthz", response_model=Health, tags=["service"], summary="Liveness: answers while scoring runs")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "in_flight": scorer.in_flight}

    @app.get(f"{API_PREFIX}/model", response_model=ModelInfo, responses={401: _ERRORS[401]}, tags=["service"],
             summary="The model: version, format, training data, manifest, decision points, limits")
    async def model_info() -> dict[str, Any]:
        return info

    @app.post(f"{API_PREFIX}/score", response_model=ScoreResponse, responses=_ERRORS, tags=["scoring"],
              summary="Score one article", description="The rows of `score_text(text, level)`; offsets into `text`.")
    async def score(req: ScoreRequest) -> Response:  # type: ignore[valid-type]
        return await scorer.score(req.text, req.level)  # type: ignore[attr-defined]

    @app.post(f"{API_PREFIX}/score/batch", response_model=BatchResponse, responses=_ERRORS, tags=["scoring"],
              summary="Score many articles",
              description="The rows of `score_documents(texts, level, doc_ids=ids)`: each row's `doc` is the id sent; "
                          "offsets into that document's text.")
    async def score_batch(req: BatchRequest) -> Response:  # type: ignore[valid-type]
        docs = req.documents  # type: ignore[attr-defined]
        return await scorer.batch([d.id for d in docs], [d.text for d in docs], req.level)  # type: ignore[attr-defined]

    @app.post(f"{API_PREFIX}/sentences", response_model=SentencesResponse, responses=_ERRORS, tags=["scoring"],
              summary="Score sentences", description="The rows of `score_sentences(sentences, explain)`; offsets into each sentence.")
    async def sentences(req: SentencesRequest) -> Response:  # type: ignore[valid-type]
        return await scorer.sentences(list(req.sentences), req.explain)  # type: ignore[attr-defined]


def _openapi(app: FastAPI, token: str | None) -> dict[str, Any]:
    """The OpenAPI schema, with bearer security on every path but the open ones when a token is set."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        if token:
            schema.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"bearer": []}]
            for path in OPEN_PATHS:
                for op in schema["paths"].get(path, {}).values():
                    op["security"] = []
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(model: Any = None, *, token: str | None = None, max_body: int = DEFAULT_MAX_BODY,
               max_batch: int = DEFAULT_MAX_BATCH, max_chars: int = DEFAULT_MAX_CHARS,
               manifest: Mapping[str, Any] | None = None, cors_origins: Iterable[str] = (), threads: int = 1) -> FastAPI:
    """The FastAPI app serving ``model``.

    ``model`` is a loaded :class:`~classifier.score.FramingModel` (configured or not), a model file
    path, or None for the shipped model; ``manifest`` is what ``GET /v1/model`` reports (read from
    beside the file when a path or None is given). With ``token``, every path but ``/healthz``
    needs ``Authorization: Bearer <token>``. ``max_body`` (bytes), ``max_batch`` (items per
    request) and ``max_chars`` (per text) are the limits; ``cors_origins`` are the browser origins
    allowed to call the API; ``threads`` is how many requests are scored at once (in worker threads).
    """
    from .persist import default_model_path, load_model, read_manifest

    if model is None or isinstance(model, (str, Path)):
        path = default_model_path() if model is None else Path(model)
        model = load_model(path)
        if manifest is None:
            manifest = read_manifest(path)
    for name, value in (("max_body", max_body), ("max_batch", max_batch), ("max_chars", max_chars), ("threads", threads)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")
    if token is not None and not token:
        raise ValueError("token must not be empty (None for no token)")

    limits = Limits(max_body_bytes=max_body, max_batch=max_batch, max_chars=max_chars)
    scorer = _Scorer(model, threads)
    info = _model_info(model, manifest, limits)
    ScoreRequest, BatchRequest, SentencesRequest = _request_models(max_batch, max_chars)

    app = FastAPI(title="framing", version=__version__, description=DESCRIPTION, openapi_url="/openapi.json")
    app.state.scorer = scorer
    app.state.limits = limits
    _add_error_handlers(app, max_batch, max_chars)
    _add_routes(app, scorer, info, ScoreRequest, BatchRequest, SentencesRequest)
    app.openapi = lambda: _openapi(app, token)  # type: ignore[method-assign]
    app.state.stats = {"cut_off": 0}  # requests cut off by a stop that did not wait for them
    app.add_middleware(_Gate, token=token, max_body=max_body, stats=app.state.stats)
    origins = list(cors_origins)
    if origins:  # outermost: preflight requests are answered before the token check
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    return app

