"""gunicorn's own access line never carries a reset token (the token is in the path)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import logging, runpy, sys, types
conf = runpy.run_path("deploy/gunicorn.conf.py")
access = logging.getLogger("gunicorn.access.test")
access.addHandler(logging.StreamHandler(sys.stdout))
access.setLevel(logging.INFO)
conf["post_worker_init"](types.SimpleNamespace(log=types.SimpleNamespace(access_log=access)))
token = "Zx9" * 15
access.info(conf["access_log_format"], {"t": "-", "h": "127.0.0.1", "m": "GET", "U": "/password/reset/" + token,
            "s": "200", "B": "10", "M": "3", "{x-request-id}o": "r1", "a": "test"})
"""


def test_gunicorn_access_line_hides_the_reset_token(tmp_path):
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "/password/reset/" in out
    assert "Zx9Zx9" not in out
