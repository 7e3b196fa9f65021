"""The native JSONata module must be loaded on a thread that outlives its users: loaded lazily on a
short-lived thread (a web request's), the next compile on another thread crashed the process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, threading
from executor.asl import parse_definition
d = {"QueryLanguage": "JSONata", "StartAt": "P",
     "States": {"P": {"Type": "Pass", "Output": "{% $states.input.a + 1 %}", "End": True}}}
for _ in range(3):  # each parse on a thread that ends before the next begins
    t = threading.Thread(target=parse_definition, args=(json.dumps(d),)); t.start(); t.join()
print("parsed")
"""


def test_definitions_parse_on_threads_that_come_and_go():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "parsed"
