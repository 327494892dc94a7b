"""The worker's own small HTTP server (QADAM_WORKER_HTTP_PORT): `/healthz` for Kubernetes' probes and `/metrics` for
Prometheus.

- `/healthz`: 200 while every loop beats within what it announced (see `qadam.heartbeat`); 503 naming the loops that
  are hung (a consumer stuck in a handler, a relay stuck on a lock) or gone. Liveness restarts such a pod.
- `/metrics`: the process's counters (the kit's and the service's) and the worker's gauges, read at the scrape.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from .heartbeat import Heartbeats
from .log import get_logger

log = get_logger(__name__)


def health(heartbeats: Heartbeats) -> tuple[int, dict[str, Any]]:
    """(status, body) of /healthz: 503 and `hung` naming each loop that stopped beating."""
    states = heartbeats.states()
    hung = [s.loop for s in states if not s.beating]
    body = {"status": "hung" if hung else "ok", "hung": hung,
            "loops": {s.loop: {"beating": s.beating, "silent_seconds": s.silent_seconds, "alive": s.alive}
                      for s in states}}
    return (503 if hung else 200), body


class WorkerServer:
    """/healthz and /metrics of one worker, served from a thread of their own."""

    def __init__(self, host: str, port: int, heartbeats: Heartbeats, registry: CollectorRegistry) -> None:
        self.heartbeats = heartbeats
        self.registry = registry
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    status, body = health(server.heartbeats)
                    self._answer(status, "application/json", json.dumps(body).encode())
                elif path == "/metrics":
                    try:
                        text = generate_latest(REGISTRY) + generate_latest(server.registry)
                    except Exception:  # noqa: BLE001 - a scrape that fails says so, and the worker goes on
                        log.exception("metrics_failed")
                        self._problem(500, "Internal Server Error", "The metrics could not be read; see the log.")
                        return
                    self._answer(200, CONTENT_TYPE_LATEST, text)
                else:
                    self._problem(404, "Not Found", "A worker answers /healthz and /metrics only.")

            def _problem(self, status: int, title: str, detail: str) -> None:
                body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
                self._answer(status, "application/problem+json", json.dumps(body).encode())

            def _answer(self, status: int, content_type: str, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the prober gave up waiting

            def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not worth a line
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="worker-http", daemon=True)

    def start(self) -> WorkerServer:
        self._thread.start()
        log.info("worker_http_listening", port=self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
