"""A web process's /metrics on its internal listener only (QADAM_WEB_METRICS_PORT), served by gunicorn as the image and
Kubernetes run it: the public port, the one the Service and the Ingress reach, answers 404 for /metrics whatever the
request says its host is (the portal believes its proxy's X-Forwarded-Host), and the internal listener answers metrics
and health, nothing else."""

from __future__ import annotations

import pytest
import requests
from qadam.gunicorn_conf import internal_bind
from qadam_testing import free_port, wait_until, web_process


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.parametrize("service, overrides", [("enrollment", {}), ("portal", {"portal_trusted_proxies": 1})])
def test_metrics_answer_on_the_internal_port_only_and_the_internal_port_answers_nothing_else(stack, tmp_path, service,
                                                                                           overrides):
    public, internal = free_port(), free_port()
    web = web_process(stack, service, tmp_path, public, web_metrics_port=internal, **overrides).start()
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{public}/readyz"), timeout=60, what=f"{service} to answer")
        outside = requests.get(f"http://127.0.0.1:{public}/metrics", timeout=10)
        assert outside.status_code == 404 and outside.headers["Content-Type"].startswith("application/problem+json")
        assert "qadam_http_requests_total" not in outside.text
        # naming the internal port in the headers changes nothing: the port is the socket's
        named = f"portal.qadam.example.uz:{internal}"
        spoofed = requests.get(f"http://127.0.0.1:{public}/metrics", timeout=10,
                               headers={"Host": named, "X-Forwarded-Host": named, "X-Forwarded-Port": str(internal)})
        assert spoofed.status_code == 404

        inside = requests.get(f"http://127.0.0.1:{internal}/metrics", timeout=10)
        assert inside.status_code == 200, inside.text
        assert f'qadam_database_up{{service="{service}"}} 1.0' in inside.text
        assert requests.get(f"http://127.0.0.1:{internal}/healthz", timeout=10).status_code == 200
        assert requests.get(f"http://127.0.0.1:{internal}/readyz", timeout=10).status_code == 200
        # the internal listener is no back door to the service itself
        page = "/openapi.json" if service != "portal" else "/.well-known/jwks.json"
        assert requests.get(f"http://127.0.0.1:{internal}{page}", timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{public}{page}", timeout=10).status_code == 200
    finally:
        web.stop()


def test_without_an_internal_port_metrics_stay_on_the_one_listener(stack, tmp_path):
    public = free_port()
    web = web_process(stack, "enrollment", tmp_path, public).start()
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{public}/readyz"), timeout=60, what="enrollment to answer")
        assert "qadam_http_requests_total" in requests.get(f"http://127.0.0.1:{public}/metrics", timeout=10).text
    finally:
        web.stop()


def test_the_internal_listener_takes_the_public_binds_address():
    assert internal_bind(["0.0.0.0:8000"], 9100) == "0.0.0.0:9100"
    assert internal_bind(["127.0.0.1:8001"], 9100) == "127.0.0.1:9100"
    assert internal_bind(["[::]:8000"], 9100) == "[::]:9100"
    assert internal_bind(["0.0.0.0:8000"], 0) is None
    assert internal_bind(["unix:/run/qadam.sock"], 9100) is None
