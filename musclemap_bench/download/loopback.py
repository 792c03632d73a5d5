"""A loopback HTTP file server with Range support and scripted failures, for offline tests
and the download benchmark.

Hand-written because Python's `http.server` ignores `Range` (yt-dlp and ffmpeg then
silently produce empty or broken files) and no small well-kept library scripts the failure
modes we need (404, 429-then-ok, HTML instead of video, connection closed mid-transfer).
It binds 127.0.0.1 only and shuts itself down after `max_seconds`."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@dataclass
class Route:
    """What the server does for one path.

    mode: "file" (serve `path` with Range support), "norange" (ignore Range like
    `http.server`), "404", "html", "truncate" (announce the full length, send `truncate_at`
    bytes, then close) or "429" (answer 429 for the first `fail_first` requests, then behave
    like "file"). `delay` seconds are slept before each answer (slow server)."""

    mode: str = "file"
    path: Path | None = None
    fail_first: int = 0
    truncate_at: int = 4096
    delay: float = 0.0
    hits: int = 0


@dataclass
class LoopbackServer:
    """`with LoopbackServer() as srv: srv.add("/a.mp4", Route(path=...)); srv.url("/a.mp4")`."""

    max_seconds: float = 300.0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    bytes_sent: int = 0  # body bytes of media answers (approximate under concurrency)

    def add(self, url_path: str, route: Route) -> str:
        self.routes[url_path] = route
        return self.url(url_path)

    def url(self, url_path: str) -> str:
        return f"http://127.0.0.1:{self.port}{url_path}"

    def __enter__(self) -> LoopbackServer:
        server_ref = self

        class Handler(_Handler):
            srv = server_ref

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        # Bounded lifetime: a forgotten server never outlives its test run by much.
        self._timer = threading.Timer(self.max_seconds, self._httpd.shutdown)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # clients (ffmpeg) drop connections when they seek; that is not an error


class _Handler(BaseHTTPRequestHandler):
    srv: LoopbackServer
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        path = self.path.split("?", 1)[0]
        self.srv.requests.append((self.command, path, self.headers.get("Range")))
        route = self.srv.routes.get(path)
        if route is None or route.mode == "404":
            return self._simple(404, b"not found", "text/plain", head)
        route.hits += 1
        if route.delay:
            time.sleep(route.delay)
        if route.mode == "html":
            body = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>consent</body></html>"
            return self._simple(200, body, "text/html; charset=utf-8", head)
        if route.mode == "429" and route.hits <= route.fail_first:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        data = Path(route.path).read_bytes()
        size = len(data)
        start, end, status = 0, size - 1, 200
        rng = route.mode != "norange" and _RANGE.match(self.headers.get("Range", "") or "")
        if rng and (rng.group(1) or rng.group(2)):
            if rng.group(1):
                start = int(rng.group(1))
                end = min(int(rng.group(2)), size - 1) if rng.group(2) else size - 1
            else:  # suffix range: last N bytes
                start = max(0, size - int(rng.group(2)))
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if head:
            return None
        chunk = data[start : end + 1]
        if route.mode == "truncate":
            chunk = chunk[: max(0, route.truncate_at - start)]
            self.srv.bytes_sent += len(chunk)
            self.wfile.write(chunk)
            self.wfile.flush()
            self.close_connection = True
            return None
        # The client (ffmpeg) may seek elsewhere and drop this connection mid-body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(chunk)
            self.srv.bytes_sent += len(chunk)
        return None

    def _simple(self, code: int, body: bytes, ctype: str, head: bool) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
