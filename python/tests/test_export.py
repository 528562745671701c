"""The session's /metrics endpoint and Pushgateway push carry prometheus_client's series beside
testscope's own: a real Pushgateway (Debian's prometheus-pushgateway) receives them."""

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from helpers import run_pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_push_to_a_real_pushgateway(project, tmp_path):
    binary = os.environ.get("TESTSCOPE_PUSHGATEWAY_BIN") or shutil.which("prometheus-pushgateway") \
        or "/usr/bin/prometheus-pushgateway"
    if not os.path.exists(binary):
        pytest.skip("prometheus-pushgateway is not installed (scripts/bootstrap installs it)")
    port = free_port()
    server = subprocess.Popen([binary, f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fetch(f"http://127.0.0.1:{port}/-/ready")
        root = project("basic")
        result = run_pytest(root, "-q", "-k", "spans_and_records", f"--testscope-pushgateway=http://127.0.0.1:{port}")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "testscope: warning" not in result.stderr
        text = fetch(f"http://127.0.0.1:{port}/metrics")
        assert 'fixture_uses_total{code="SUMMER20"' in text and "status=\"ok\"" in text
        assert "testscope_tests_total" in text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_metrics_endpoint_serves_while_the_session_runs(project):
    root = project("basic")
    (root / "test_scrape.py").write_text(
        "import os, urllib.request\n"
        "from prometheus_client import Counter\n"
        "seen = Counter('scrape_seen_total', 'x')\n"
        "def test_scrape():\n"
        "    seen.inc()\n"
        "    url = 'http://127.0.0.1:' + os.environ['SCRAPE_PORT'] + '/metrics'\n"
        "    text = urllib.request.urlopen(url, timeout=10).read().decode()\n"
        "    assert 'scrape_seen_total 1' in text\n")
    port = free_port()
    from helpers import clean_env

    result = run_pytest(root, "-q", "test_scrape.py", f"--testscope-metrics-port={port}",
                        env=clean_env(SCRAPE_PORT=str(port)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"serving metrics at http://127.0.0.1:{port}/metrics" in result.stderr
