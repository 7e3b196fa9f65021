"""The built-in resource bindings are there for every thread from the first lookup on.

A worker's first Tasks after a start are looked up on several threads at once; a thread that
looked while another was still registering the built-ins found no binding, and the Task failed
with States.Runtime "No local binding for the resource". It runs in a fresh interpreter, as a
worker starts, since this process has its bindings loaded already.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import threading
from executor.resources import find_invoker
resources = ["arn:aws:states:::lambda:invoke", "arn:aws:lambda:us-east-1:123456789012:function:f",
             "arn:aws:states:::http:invoke", "arn:aws:states:::aws-sdk:s3:getObject"] * 4
barrier = threading.Barrier(len(resources))
missing = []
def look(resource):
    barrier.wait()
    if find_invoker(resource) is None:
        missing.append(resource)
threads = [threading.Thread(target=look, args=(r,)) for r in resources]
for t in threads: t.start()
for t in threads: t.join()
print(missing)
"""


def test_threads_looking_up_bindings_at_once_in_a_fresh_process_all_find_them():
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "[]", f"no binding found on some threads: {done.stdout}"
