#!/usr/bin/env python3
"""The AWS Lambda runtime API, served on 127.0.0.1 for one function process.

    python lambda_runtime_api.py EVENT.json [EVENT.json...]

Prints ``READY HOST:PORT`` (the value of AWS_LAMBDA_RUNTIME_API), then hands the events to
the function one by one through ``GET /2018-06-01/runtime/invocation/next`` and collects what
it posts to ``.../invocation/ID/response`` or ``.../invocation/ID/error`` (and
``/runtime/init/error``). When every event is answered (or init failed) it prints one JSON
line and exits:

    {"results": [{"request_id", "status": "response"|"error", "body",
                  "delivered_at", "answered_at"}],
     "init_error": null | {...}, "started_at": T, "first_next_at": T}

Each invocation's deadline (Lambda-Runtime-Deadline-Ms) is LAMBDA_DEADLINE_SECONDS (default 900,
Lambda's longest timeout) after it is handed out.

Times are Unix seconds (time.time()), so a caller can relate them to when it started the
function: first_next_at is when the function finished initializing and asked for work.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rootwarden"
DEADLINE_SECONDS = float(os.environ.get("LAMBDA_DEADLINE_SECONDS", "900"))


class State:
    def __init__(self, events: list[str]) -> None:
        self.pending: "queue.Queue[tuple[str, str]]" = queue.Queue()
        for body in events:
            self.pending.put((str(uuid.uuid4()), body))
        self.expected = len(events)
        self.delivered: dict[str, float] = {}
        self.results: list[dict] = []
        self.init_error = None
        self.first_next_at = None
        self.started_at = time.time()
        self.done = threading.Event()
        self.lock = threading.Lock()


def handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:  # quiet
            pass

        def reply(self, code: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != f"{PREFIX}/invocation/next":
                self.reply(404)
                return
            with state.lock:
                if state.first_next_at is None:
                    state.first_next_at = time.time()
            try:
                request_id, body = state.pending.get(timeout=120)
            except queue.Empty:
                self.reply(500)
                return
            with state.lock:
                state.delivered[request_id] = time.time()
            deadline = int((time.time() + DEADLINE_SECONDS) * 1000)
            self.reply(200, body.encode(), {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
            })

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode(errors="replace")
            if self.path == f"{PREFIX}/init/error":
                with state.lock:
                    state.init_error = body
                self.reply(202)
                state.done.set()
                return
            parts = self.path[len(PREFIX):].strip("/").split("/")
            if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                with state.lock:
                    state.results.append({
                        "request_id": parts[1],
                        "status": parts[2],
                        "body": body,
                        "delivered_at": state.delivered.get(parts[1]),
                        "answered_at": time.time(),
                    })
                    finished = len(state.results) >= state.expected
                self.reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
                if finished:
                    state.done.set()
                return
            self.reply(404)

    return Handler


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    events = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            events.append(f.read())
    state = State(events)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY 127.0.0.1:{server.server_address[1]}", flush=True)
    state.done.wait(timeout=300)
    with state.lock:
        print(json.dumps({
            "results": state.results,
            "init_error": state.init_error,
            "started_at": state.started_at,
            "first_next_at": state.first_next_at,
        }), flush=True)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
