"""An OTLP/HTTP trace receiver for the tracing tests: a real HTTP server that decodes every
ExportTraceServiceRequest with the OpenTelemetry protobuf definitions (opentelemetry-proto) and
keeps the spans.

Run by test/runtime/tracing/tracing.test.ts (it prints its port, then serves on loopback):
    .venv/bin/python test/python/otlp_receiver.py

POST /v1/traces  application/x-protobuf ExportTraceServiceRequest → ExportTraceServiceResponse
GET  /spans      every span received, ids in hex, with its resource's attributes
GET  /headers    the HTTP headers of every export received
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

lock = threading.Lock()
spans: list[dict] = []
headers: list[dict] = []


def any_value(value) -> object:  # noqa: ANN001 - an opentelemetry.proto AnyValue
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind is not None else None


def attributes(pairs) -> dict:  # noqa: ANN001 - repeated KeyValue
    return {pair.key: any_value(pair.value) for pair in pairs}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        with lock:
            received = headers if self.path == "/headers" else spans
            self.send(200, "application/json", json.dumps(received).encode())

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                self.rfile.readline()
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.read_body()
        if self.path != "/v1/traces" or self.headers.get("Content-Type") != "application/x-protobuf":
            self.send(404, "application/json", b'{"error": "expected POST /v1/traces, application/x-protobuf"}')
            return
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        received = []
        for resource_spans in request.resource_spans:
            resource = attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        {
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_span_id": span.parent_span_id.hex(),
                            "trace_state": span.trace_state,
                            "name": span.name,
                            "kind": span.kind,
                            "start_ns": span.start_time_unix_nano,
                            "end_ns": span.end_time_unix_nano,
                            "attributes": attributes(span.attributes),
                            "links": [{"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex(), "flags": link.flags} for link in span.links],
                            "events": [{"name": event.name, "time_ns": event.time_unix_nano, "attributes": attributes(event.attributes)} for event in span.events],
                            "status": span.status.code,
                            "status_message": span.status.message,
                            "flags": span.flags,
                            "resource": resource,
                            "scope": scope_spans.scope.name,
                            "scope_version": scope_spans.scope.version,
                        }
                    )
        with lock:
            spans.extend(received)
            headers.append({name.lower(): value for name, value in self.headers.items()})
        self.send(200, "application/x-protobuf", ExportTraceServiceResponse().SerializeToString())


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
