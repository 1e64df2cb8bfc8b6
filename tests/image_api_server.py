"""A local HTTP server that speaks enough of the OpenAI Images API and the Hugging Face
Inference API for the workflow tests (the retry behaviour is tested in Rust)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from PIL import Image


def png_bytes(width: int, height: int) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serves `handler` on a free loopback port in a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()


@contextmanager
def image_api() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Yields (base URL, requests seen). POST /v1/images/generations answers base64 for
    size 1024x1024 and a URL otherwise; POST /models/<model> answers PNG bytes."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            # /files/<W>x<H>.png
            width, height = map(int, self.path.rsplit("/", 1)[1].removesuffix(".png").split("x"))
            self.reply(200, png_bytes(width, height), "image/png")

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
            if self.path == "/v1/images/generations":
                width, height = map(int, body["size"].split("x"))
                if body["size"] == "1024x1024":
                    item = {"b64_json": base64.b64encode(png_bytes(width, height)).decode()}
                else:
                    host, port = self.server.server_address[:2]
                    item = {"url": f"http://{host}:{port}/files/{width}x{height}.png"}
                self.reply(200, json.dumps({"data": [item]}).encode(), "application/json")
            elif self.path.startswith("/models/"):
                params = body["parameters"]
                self.reply(200, png_bytes(params["width"], params["height"]), "image/png")
            else:
                self.reply(404, b'{"error": {"message": "no such route"}}', "application/json")

    with serving(Handler) as base:
        yield base, seen


# A marker that hostile answers repeat in their bodies; it must never reach an error or a log.
MARKER = "MARKER-d41c-answer-content"
# What each hostile answer is, chosen by the prompt's first word (the rest is the style's
# suffix). Any other prompt gets a normal answer: base64 from OpenAI, PNG from Hugging Face.
HOSTILE = {
    "endless": "200 image/png with no length, never ending",
    "huge-length": "200 image/png declaring a terabyte, then nothing",
    "marker-error": "400 JSON error of 2 MB whose message repeats the marker",
    "marker-stream": "403 text/plain with no length, the marker over and over",
    "redirect": "307 to the same path on another host that would answer well",
    "metadata-url": "an image URL at the link-local metadata address",
    "file-url": "an image URL with the file scheme",
    "loopback-url": "an image URL on this very server (a live PNG)",
}


@contextmanager
def hostile_api(elsewhere: str = "") -> Iterator[tuple[str, list[str]]]:
    """Yields (base URL, request paths seen). Speaks the OpenAI Images API under /v1 and the
    Hugging Face Inference API under /models/, and answers as HOSTILE says. Requests may
    come through it as a proxy (absolute request paths). `elsewhere` is the base URL the
    redirect points at."""
    seen: list[str] = []
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def head(self, status: int, kind: str, length: int | None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if length is not None:
                self.send_header("Content-Length", str(length))
            self.end_headers()

        def reply(self, status: int, body: bytes, kind: str) -> None:
            self.head(status, kind, len(body))
            self.wfile.write(body)

        def forever(self, first: bytes, chunk: bytes) -> None:
            try:
                self.wfile.write(first)
                while not stop.is_set():
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client hung up at its cap

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            seen.append(path)
            width, height = map(int, path.rsplit("/", 1)[1].removesuffix(".png").split("x"))
            self.reply(200, png_bytes(width, height), "image/png")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            seen.append(path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            openai = path == "/v1/images/generations"
            case = str(body["prompt"] if openai else body["inputs"]).split(",")[0]
            host, port = self.server.server_address[:2]
            url = {
                "metadata-url": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "file-url": "file:///etc/passwd",
                "loopback-url": f"http://{host}:{port}/files/512x512.png?sig={MARKER}",
            }.get(case)
            if case == "endless":
                self.head(200, "image/png", None)
                self.forever(png_bytes(8, 8), bytes(64 * 1024))
            elif case == "huge-length":
                self.head(200, "image/png", 1 << 40)
                self.wfile.flush()
                stop.wait(30)
            elif case == "marker-error":
                text = MARKER * (2_000_000 // len(MARKER))
                self.reply(
                    400, json.dumps({"error": {"message": text}}).encode(), "application/json"
                )
            elif case == "marker-stream":
                self.head(403, "text/plain", None)
                self.forever(b"", MARKER.encode() * 1000)
            elif case == "redirect":
                self.send_response(307)
                self.send_header("Location", f"{elsewhere}{path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url is not None:
                self.reply(200, json.dumps({"data": [{"url": url}]}).encode(), "application/json")
            elif openai:
                image = base64.b64encode(png_bytes(*map(int, body["size"].split("x"))))
                self.reply(
                    200,
                    json.dumps({"data": [{"b64_json": image.decode()}]}).encode(),
                    "application/json",
                )
            else:
                params = body["parameters"]
                self.reply(200, png_bytes(params["width"], params["height"]), "image/png")

    try:
        with serving(Handler) as base:
            yield base, seen
    finally:
        stop.set()  # ends the answers still being sent
