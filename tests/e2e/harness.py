"""A real Switchyard for browser tests and the designer bench: the built front end, daphne (as
`make run` starts it: ``python -m config.web``) on a free loopback port with its own SQLite file
and the embedded runtime, and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
DIST_INDEX = FRONTEND / "dist" / "index.html"
#: The test's own scripts arrange and check through the REST API as a script would: with the
#: token (a loopback script without it or a CSRF token is refused, see SECURITY.md).
API_TOKEN = "e2e-arranging-token"
CHROMIUM = os.environ.get("SWITCHYARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = REPO / "var" / "e2e-artifacts"


def _sources() -> list[Path]:
    files = [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    return files + [FRONTEND / n for n in ("index.html", "package.json", "package-lock.json", "vite.config.ts")]


def frontend_problem() -> str | None:
    """Build the front end when dist is missing or older than its sources; return why it cannot be, or None."""
    stale = not DIST_INDEX.is_file() or DIST_INDEX.stat().st_mtime < max(p.stat().st_mtime for p in _sources())
    if not stale:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed: the front end cannot be built (install Node 20)"
    steps = [] if (FRONTEND / "node_modules").is_dir() else [[npm, "ci", "--no-audit", "--no-fund"]]
    for step in [*steps, [npm, "run", "build"]]:
        done = subprocess.run(step, cwd=FRONTEND, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            return f"`{' '.join(step[1:])}` failed: {done.stderr[-2000:] or done.stdout[-2000:]}"
    return None


def chromium_problem() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: pip install -r requirements-dev.txt"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run daphne on a fresh SQLite database in ``workdir`` (``extra_env`` added to its
    environment); yield its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}", "SWITCHYARD_RUNTIME": "embedded",
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", "SWITCHYARD_API_TOKEN": API_TOKEN,
           **(extra_env or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True)
    log = open(workdir / "daphne.log", "w")
    proc = subprocess.Popen([python, "-m", "config.web", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/state-machines/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log_text = (workdir / "daphne.log").read_text()[-2000:]
                    raise RuntimeError(f"daphne did not start: {log_text}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def module_server(tmp_path_factory, name: str, env: Callable[[Path], dict[str, str]]) -> Iterator[str]:
    """A test module's own server (for its ``base_url`` fixture): skip the module when the front end
    or Chromium is missing, else serve from a fresh folder ``name`` with ``env(folder)`` added."""
    import pytest

    problem = frontend_problem() or chromium_problem()
    if problem:
        pytest.skip(problem)
    workdir = tmp_path_factory.mktemp(name)
    with server(workdir, env(workdir)) as url:
        yield url


def shot(page, name: str) -> Path:
    """A full-page screenshot in ARTIFACTS as ``<name>.png``; its path is printed and returned."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
