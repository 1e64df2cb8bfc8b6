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

from PIL import Image


def png_bytes(width: int, height: int) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}", seen
    finally:
        server.shutdown()
