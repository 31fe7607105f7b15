"""numba's compiled-code cache where a service cannot write its code or its home (matcher/_jit.py)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from matcher._jit import choose_cache_dir

ROOT = Path(__file__).resolve().parents[2]

RUN = """
from matcher import match, Member
a = Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (), years_of_service=15, capacity=1)
b = Member("b", "KG", "customs", ("mentee",), ("ru",), (), ("leadership",), years_of_service=3)
print([(p.mentor, p.mentee) for p in match([a, b]).pairs])
"""


def test_the_matcher_runs_where_its_code_is_read_only_and_home_is_not_writable():
    # As the Docker image and the systemd units run it: code owned by root, read-only,
    # HOME not writable, no NUMBA_CACHE_DIR.  numba used to refuse to import the matcher.
    as_other = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop to an unprivileged user")
        as_other = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run([*as_other, sys.executable, "-c", "import numba"], capture_output=True, timeout=120)
        if probe.returncode:
            pytest.skip("the unprivileged user cannot run this Python (its folders are closed to others)")
    work = Path(tempfile.mkdtemp(prefix="bridges-ro-"))
    try:
        shutil.copytree(ROOT / "matcher", work / "code" / "matcher", ignore=shutil.ignore_patterns("__pycache__"))
        temp = work / "tmp"
        temp.mkdir()
        temp.chmod(0o1777)
        for path in [work / "code", *(work / "code").rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        work.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
        env.update(HOME="/nonexistent", TMPDIR=str(temp), PYTHONPATH=str(work / "code"), PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run(
            [*as_other, sys.executable, "-c", RUN], capture_output=True, text=True, env=env, cwd=work, timeout=600
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip() == "[('a', 'b')]"
        assert not (work / "code" / "matcher" / "__pycache__").exists()
        (cache,) = temp.glob("bridges-numba-*")
        assert stat.S_IMODE(cache.stat().st_mode) == 0o700
        assert any(cache.rglob("*.nbi")), "the compiled code was cached"
    finally:
        for path in [work, *work.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def no_in_tree(tmp_path):
    """An in-tree folder that cannot be created (its parent is a file)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return str(blocker / "__pycache__")


def test_a_configured_writable_folder_wins(tmp_path, no_in_tree):
    mine = tmp_path / "configured"
    assert choose_cache_dir(str(mine), no_in_tree, str(tmp_path)) == str(mine)


def test_numba_keeps_its_own_place_when_the_sources_folder_is_writable(tmp_path):
    assert choose_cache_dir(None, str(tmp_path / "pkg" / "__pycache__"), str(tmp_path)) is None


def test_a_temporary_folder_is_private_to_the_service(tmp_path, no_in_tree):
    folder = choose_cache_dir(None, no_in_tree, str(tmp_path))
    assert folder == str(tmp_path / f"bridges-numba-{os.getuid()}")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert choose_cache_dir(None, no_in_tree, str(tmp_path)) == folder  # the next start finds it again


@pytest.mark.parametrize("planted", ["open to others", "symlink"])
def test_a_cache_folder_someone_else_could_have_written_is_never_used(tmp_path, no_in_tree, planted):
    # Cached machine code is loaded and run: a folder another account could fill is refused.
    named = tmp_path / f"bridges-numba-{os.getuid()}"
    if planted == "symlink":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(mode=0o700)
        named.symlink_to(elsewhere)
    else:
        named.mkdir()
        named.chmod(0o777)
    folder = choose_cache_dir(None, no_in_tree, str(tmp_path))
    assert folder not in (str(named), str(tmp_path / "elsewhere"))
    assert Path(folder).parent == tmp_path and Path(folder).name.startswith("bridges-numba-")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
