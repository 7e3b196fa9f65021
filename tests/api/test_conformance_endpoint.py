"""The conformance corpus (../shared/conformance) run against a real server: daphne on a free port.

Select it with ``-m conformance``; deselect it with ``-m "not conformance"``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.conformance

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "conformance"
# The JSONPath query language is what issue 2 covers: JSONata and variables come later.
NON_JSONPATH_FEATURES = {"jsonata", "variables"}
REQUIRED_PASS_RATE = 0.97


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _uses_jsonata_or_variables(definition) -> bool:
    text = json.dumps(definition)
    return '"JSONata"' in text or '"Assign"' in text


def jsonpath_case_ids() -> set[str]:
    """Return the ids of the cases in the JSONPath query language (no JSONata, no variables)."""
    ids = set()
    for path in (CORPUS / "cases").rglob("*.json"):
        case = json.loads(path.read_text(encoding="utf-8"))
        if case.get("feature") in NON_JSONPATH_FEATURES or _uses_jsonata_or_variables(case["definition"]):
            continue
        ids.add(case["id"])
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Start daphne on a fresh SQLite database; yield its URL; stop it."""
    if not (CORPUS / "run.py").is_file():
        pytest.skip(f"no conformance corpus at {CORPUS} (it lives beside the repository in ../shared/)")
    database = tmp_path_factory.mktemp("conformance") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SWITCHYARD_RUNTIME": "embedded"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    port = _free_port()
    log = open(database.with_suffix(".log"), "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                "config.asgi:application"], cwd=REPO, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(port, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_until_listening(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"daphne did not listen on {port} within {timeout}s")


def test_the_endpoint_passes_at_least_97_percent_of_the_jsonpath_conformance_cases(server, tmp_path):
    results_file = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(CORPUS / "run.py"), "--endpoint", server, "--json", str(results_file),
         "--workers", "4", "--timeout-s", "30"],
        capture_output=True, text=True, timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    print(done.stdout[-4000:])
    results = json.loads(results_file.read_text())["results"]
    wanted = jsonpath_case_ids()
    jsonpath = [r for r in results if r["id"] in wanted]
    assert len(jsonpath) == len(wanted) > 0
    failures = [f"{r['id']}: {r['reason']}" for r in jsonpath if not r["passed"]]
    rate = 1 - len(failures) / len(jsonpath)
    assert rate >= REQUIRED_PASS_RATE, (
        f"{rate:.1%} of {len(jsonpath)} JSONPath cases passed:\n" + "\n".join(failures[:50])
    )
