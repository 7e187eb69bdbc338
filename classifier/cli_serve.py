"""``framing serve``: the model over HTTP, a JSON API with an OpenAPI schema (FastAPI + uvicorn, the ``serve`` extra).

Wiring only: :func:`classifier.serve.create_app` is the service; this module parses the flags, loads
the configured model, binds the socket and runs uvicorn. FastAPI and uvicorn are imported only when
the command runs, so ``framing --help`` and every other command work without the extra; without it
``framing serve`` prints one line naming the extra and exits 2. SIGTERM or Ctrl-C stops accepting
connections, finishes the requests in flight and exits 0 (1 if ``--graceful-timeout`` cut some off;
a second Ctrl-C stops at once, 130).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
from typing import Any

from .cli_score import add_model_options, freeze_long_lived, load_configured_model, positive
from .errors import InputError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_BATCH",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CHARS",
    "DEFAULT_PORT",
    "EXTRA_MESSAGE",
    "add_serve_parser",
    "build_app",
    "resolve_token",
    "run_serve",
]

DEFAULT_HOST = "127.0.0.1"  # this machine only
DEFAULT_PORT = 8000
# The same numbers as classifier.serve's defaults (that module needs FastAPI, so they are not imported
# from it here; a test checks they agree).
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_MAX_BATCH = 1000
DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_GRACE = 30.0
EXTRA_MESSAGE = "framing serve needs the serve extra: pip install 'framing-classifier[serve]'"
TOKEN_ENV = "FRAMING_TOKEN"
_ARGS_ENV = "FRAMING_SERVE_ARGS"  # the parsed flags, for worker processes (--workers > 1)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _positive(value: str) -> int:
    """A count of at least 1, digits grouped with ``_`` or ``,`` allowed (limits are large numbers)."""
    return positive(value.replace("_", "").replace(",", ""))


def _port(value: str) -> int:
    n = int(value)
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535 (0: any free port)")
    return n


def _size(value: str) -> int:
    """A byte count: ``5242880``, ``5M``, ``512K``, ``1G`` (binary multiples; ``MB``, ``MiB`` also read)."""
    m = re.fullmatch(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", value.replace("_", "").replace(",", ""), re.IGNORECASE)
    if not m or int(m.group(1)) < 1:
        raise argparse.ArgumentTypeError("must be a positive number of bytes, such as 5242880, 5M or 512K")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def _seconds(value: str) -> float:
    x = float(value)
    if not x >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return x


def add_serve_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand on an argparse subparsers object."""
    p = sub.add_parser(
        "serve",
        help="serve the model over HTTP: a JSON API with an OpenAPI schema (needs the serve extra)",
        description="Serve the model over HTTP (FastAPI + uvicorn; pip install 'framing-classifier[serve]'). Endpoints: "
        "POST /v1/score (one article), POST /v1/score/batch (many, with ids), POST /v1/sentences, GET /v1/model, "
        "GET /healthz; the schema is at /openapi.json. Rows are the library's (score_text, score_documents, "
        "score_sentences). Listens on 127.0.0.1 (this machine only) unless --host says otherwise. SIGTERM or Ctrl-C "
        "finishes the requests in flight, then exits 0.",
    )
    net = p.add_argument_group("network")
    net.add_argument("--host", default=DEFAULT_HOST,
                     help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface, with a token)")
    net.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default 8000; 0 picks a free port, printed at start)")
    net.add_argument("--workers", type=_positive, default=1, metavar="N",
                     help="worker processes, each with its own copy of the model (default 1)")
    net.add_argument("--threads", type=_positive, default=1, metavar="N",
                     help="requests each worker scores at once, in threads (default 1, the fastest: Python scores on one core "
                          "per process; more only lets long requests share their turn with short ones)")
    net.add_argument("--token", metavar="T",
                     help=f"require 'Authorization: Bearer T' on every endpoint but /healthz, else 401 (default: ${TOKEN_ENV} "
                          "if set; prefer the variable, a command line is visible to other users)")
    net.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                     help="let web pages from ORIGIN call the API from a browser, e.g. https://cms.example.org (repeatable)")
    net.add_argument("--graceful-timeout", type=_seconds, default=DEFAULT_GRACE, metavar="SECONDS",
                     help=f"on SIGTERM or Ctrl-C, wait this long for requests in flight (default {DEFAULT_GRACE:g}; 0: no limit)")
    add_model_options(p)
    lim = p.add_argument_group("limits (a request over a limit gets a JSON error and is not scored)")
    lim.add_argument("--max-body", type=_size, default=DEFAULT_MAX_BODY, metavar="BYTES",
                     help=f"largest request body, e.g. 5M or 512K (default 5M = {DEFAULT_MAX_BODY:,} bytes); larger: 413")
    lim.add_argument("--max-batch", type=_positive, default=DEFAULT_MAX_BATCH, metavar="N",
                     help=f"most documents per /v1/score/batch and sentences per /v1/sentences (default {DEFAULT_MAX_BATCH:,}); "
                          "more: 422")
    lim.add_argument("--max-chars", type=_positive, default=DEFAULT_MAX_CHARS, metavar="N",
                     help=f"most characters per document or sentence (default {DEFAULT_MAX_CHARS:,}); longer: 422")
    logs = p.add_argument_group("logging")
    logs.add_argument("--access-log", action="store_true", help="log one line per request on stderr")
    logs.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="warning",
                      help="uvicorn's log level (default warning)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show Python tracebacks")
    p.set_defaults(func=run_serve)
    return p


def _require_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise InputError(EXTRA_MESSAGE) from None


def resolve_token(flag: str | None) -> str | None:
    """The bearer token from ``--token`` or ``$FRAMING_TOKEN`` (None: no auth); refuses one that cannot be sent."""
    token = flag if flag is not None else os.environ.get(TOKEN_ENV)
    if token is None:
        return None
    where = "--token" if flag is not None else TOKEN_ENV
    if not token.strip():
        raise InputError(f"{where} is empty; give a token, or unset {TOKEN_ENV} to serve without one")
    if not (token.isascii() and token.isprintable()) or " " in token:
        raise InputError(f"{where}: the token must be printable ASCII without spaces (it is sent in an HTTP header)")
    return token


def build_app(args: argparse.Namespace, token: str | None) -> Any:
    """The FastAPI app for the parsed flags: the configured model (``--model``, ``--allow``, ``--cues``) and the limits."""
    from .persist import default_model_path, read_manifest
    from .serve import create_app

    model = load_configured_model(args)
    manifest = read_manifest(args.model or default_model_path())
    app = create_app(model, token=token, max_body=args.max_body, max_batch=args.max_batch, max_chars=args.max_chars,
                     manifest=manifest, cors_origins=args.cors_origin, threads=args.threads)
    freeze_long_lived()
    return app


def _worker_app() -> Any:
    """The app in a worker process (``--workers N``): the parent passes its flags in the environment."""
    saved = json.loads(os.environ[_ARGS_ENV])
    token = saved.pop("token")
    return build_app(argparse.Namespace(**saved), token)


def _bind(host: str, port: int) -> Any:
    import socket

    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host} port {port} ({exc.strerror or exc})") from None
    sock.set_inheritable(True)
    return sock


def _say(line: str) -> None:
    """One line on stderr, written at once (safe from a signal handler)."""
    os.write(2, f"framing: {line}\n".encode())


def _is_loopback(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _announce_when_ready(address: str, port: int, ready: str, done: Any, timeout: float = 300.0) -> None:
    """Say ``ready`` (and set ``done``) once a worker answers ``GET /healthz`` on the shared socket."""
    import http.client
    import time

    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                done.set()
                _say(ready)
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or Ctrl-C; 0 once the requests in flight are finished, 1 if --graceful-timeout cut some off,
    130 on a second Ctrl-C (stop at once)."""
    _require_extra()
    import uvicorn

    token = resolve_token(args.token)
    if args.workers > 1:
        load_configured_model(args)  # refuse a missing, tampered or misconfigured model before any worker starts
        os.environ[_ARGS_ENV] = json.dumps({
            "model": args.model, "allow": args.allow, "cues": args.cues, "threshold_loaded": args.threshold_loaded,
            "threshold_framing": args.threshold_framing, "max_body": args.max_body, "max_batch": args.max_batch,
            "max_chars": args.max_chars, "cors_origin": args.cors_origin, "threads": args.threads, "token": token})
        app: Any = "classifier.cli_serve:_worker_app"
    else:
        app = build_app(args, token)

    sock = _bind(args.host, args.port)
    address, port = sock.getsockname()[:2]
    url = f"http://[{address}]:{port}" if ":" in address else f"http://{address}:{port}"
    if not _is_loopback(address) and token is None:
        _say(f"warning: listening on {address} without a token: anyone who can reach port {port} can use the service "
             f"(set {TOKEN_ENV})")
    workers = f"{args.workers} worker{'s' if args.workers > 1 else ''}"
    ready = (f"serving on {url} ({workers}{', bearer token required' if token else ''}); API under /v1, schema at "
             "/openapi.json; stop with Ctrl-C or SIGTERM")
    config = uvicorn.Config(app, host=address, port=port, factory=args.workers > 1, workers=args.workers, lifespan="off",
                            log_level=args.log_level, access_log=args.access_log,
                            timeout_graceful_shutdown=args.graceful_timeout or None)

    if args.workers > 1:
        return _run_workers(config, sock, address, port, ready)
    return _run_one(config, sock, ready, app, args)


def _run_workers(config: Any, sock: Any, address: str, port: int, ready: str) -> int:
    """Run uvicorn's supervisor over several worker processes; each drains its requests on SIGTERM or Ctrl-C."""
    import threading

    from uvicorn.supervisors import Multiprocess

    served = threading.Event()
    threading.Thread(target=_announce_when_ready, args=(address, port, ready, served), daemon=True).start()
    Multiprocess(config, sockets=[sock]).run()
    sock.close()
    if not served.is_set():
        _say("stopped before any worker was serving (see the messages above)")
        return 1
    _say("stopped")
    return 0


def _run_one(config: Any, sock: Any, ready: str, app: Any, args: argparse.Namespace) -> int:
    """Serve in this process until a stop signal, then report how the requests in flight ended."""
    from .errors import Terminated

    server = _make_server(config, ready)
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Terminated):  # uvicorn re-raises the signal it stopped on, after the drain
        if not server.started:
            raise
    finally:
        sock.close()
    cut_off = app.state.stats["cut_off"]
    if server.force_exit:
        _say(f"stopped at once (second interrupt); {cut_off} request{'' if cut_off == 1 else 's'} in flight cut off")
        return 130
    if cut_off:
        _say(f"stopped; {cut_off} request{'' if cut_off == 1 else 's'} still running after --graceful-timeout "
             f"{args.graceful_timeout:g} s cut off (answered 503)")
        return 1
    _say("stopped")
    return 0


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, saying when it is ready and how many requests a stop signal waits for."""

        def __init__(self, config: Any, ready: str):
            super().__init__(config)
            self.ready = ready

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                _say(self.ready)

        def handle_exit(self, sig: int, frame: Any) -> None:
            if not self.should_exit:
                n = len(self.server_state.tasks)
                name = signal.Signals(sig).name
                _say(f"{name} received: finishing {n} request{'' if n == 1 else 's'} in flight, then stopping")
            super().handle_exit(sig, frame)

    return Server


def _make_server(config: Any, ready: str) -> Any:
    return _server_class()(config, ready)
