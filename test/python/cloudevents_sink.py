"""A CloudEvents sink for the request-logging tests: a real HTTP server that parses every POST with
the CloudEvents SDK (binary or structured mode) and keeps what it accepted.

Run by test/runtime/logging/payload-logging.test.ts (it prints its port, then serves on loopback):
    .venv/bin/python test/python/cloudevents_sink.py

How it answers a POST depends on the path:
  /ok     200 for every event
  /down   503 for every event (a sink that is down)
  /flaky  503 the first time it sees an event (by ce-id and ce-type), 200 after (retries must work)
  /hold   waits until POST /release, then 200 (a sink slower than any request)
GET /events lists the accepted events (attributes, data as base64, Content-Type); GET /stats counts
every POST received and every POST answered, and the connections the sink accepted.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cloudevents.http import from_http

lock = threading.Lock()
accepted: list[dict] = []
seen: set[tuple[str, str]] = set()
stats = {"received": 0, "answered": 0, "connections": 0}
released = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def setup(self) -> None:
        # Once per connection: http.server then reads request after request from it, pipelined or not.
        super().setup()
        with lock:
            stats["connections"] += 1

    def reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with lock:
            if self.path == "/events":
                self.reply(200, accepted)
            elif self.path == "/stats":
                self.reply(200, stats)
            else:
                self.reply(404, {"error": self.path})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/release":
            released.set()
            self.reply(200, {})
            return
        with lock:
            stats["received"] += 1
        event = from_http(dict(self.headers.items()), body)
        key = (event["id"], event["type"])
        status = 200
        if self.path == "/down":
            status = 503
        elif self.path == "/flaky":
            with lock:
                if key not in seen:
                    seen.add(key)
                    status = 503
        elif self.path == "/hold":
            released.wait(60)
        if status == 200:
            with lock:
                accepted.append(
                    {
                        "attributes": {name: str(value) for name, value in event.get_attributes().items()},
                        "content_type": self.headers.get("Content-Type"),
                        "data": base64.b64encode(body).decode(),
                    }
                )
        with lock:
            stats["answered"] += 1
        self.reply(status, {})


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        sys.stdout.flush()


if __name__ == "__main__":
    main()
