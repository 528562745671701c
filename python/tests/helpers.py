"""Helpers (and the `project` fixture, through conftest.py) for testscope's pytest-front tests: real pytest subprocesses on fixture projects
(python/tests/projects/, copied to a temporary folder) and the testscope command."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROJECTS = Path(__file__).resolve().parent / "projects"
OTLP_CHECK = REPO / "tests" / "otlp" / "otlp_check.py"


def testscope_bin() -> Path:
    return Path(os.environ.get("TESTSCOPE_BIN", REPO / "build" / "src" / "cli" / "testscope")).resolve()


def clean_env(**extra) -> dict:
    # The outer session (this suite, maybe under `testscope run`) must not leak into the inner one.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TESTSCOPE_", "PYTEST_", "OTEL_")) and k != "TRACEPARENT"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def project_copier(tmp_path):
    def copy(name: str) -> Path:
        source = REPO / "examples" / "promo_pytest" if name == "promo_pytest" else PROJECTS / name
        target = tmp_path / name
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        return target

    return copy


def run_pytest(cwd: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def run_testscope(cwd: Path, *args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    binary = testscope_bin()
    if not binary.exists():
        pytest.skip(f"{binary} is not built (cmake --build build) or TESTSCOPE_BIN is not set")
    return subprocess.run([str(binary), *args], cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout)


def load_tree(root: Path) -> dict:
    """{full_name: (folder, summary)} of an artifact tree's tests."""
    tests = {}
    for folder in sorted((root / "tests").iterdir()):
        summary = json.loads((folder / "summary.json").read_text())
        tests[summary["test"]["full_name"]] = (folder, summary)
    return tests


def otlp_spans(folder: Path) -> list:
    data = json.loads((folder / "trace.otlp.json").read_text())
    return [span for rs in data["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]]


def attributes(item: dict) -> dict:
    out = {}
    for a in item.get("attributes", []):
        value = a["value"]
        out[a["key"]] = next(iter(value.values())) if value else None
    return out


def check_otlp_tree(root: Path, finished: bool = True) -> None:
    """otlp_check.py on a tree: as a whole (run.json finished, every folder complete), or,
    for a run that died (finished=False), every trace file in it."""
    args = ["--tree", str(root)] if finished else [str(root)]
    result = subprocess.run([sys.executable, str(OTLP_CHECK), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def check_promtool(path: Path) -> None:
    promtool = os.environ.get("TESTSCOPE_PROMTOOL") or shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (scripts/bootstrap installs prometheus)")
    result = subprocess.run([promtool, "check", "metrics"], input=path.read_text(), capture_output=True, text=True)
    assert result.returncode == 0, f"{path}: {result.stdout}{result.stderr}"
