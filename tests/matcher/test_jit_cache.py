"""numba's compiled-code cache where a service cannot write its code or its home (matcher/_jit.py)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
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


def test_the_matcher_runs_where_neither_its_code_folder_nor_its_home_can_be_written(tmp_path):
    # As the Docker image and the systemd units run it: no __pycache__ can be made beside
    # the code, the home and the user cache folder cannot be written, no NUMBA_CACHE_DIR.
    # numba used to refuse to import the matcher ("no locator available").  The folders are
    # blocked by files standing where they would go, which stops root as well as anyone.
    code = tmp_path / "code"
    shutil.copytree(ROOT / "matcher", code / "matcher", ignore=shutil.ignore_patterns("__pycache__"))
    (code / "matcher" / "__pycache__").write_text("")
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_"))}
    env.update(
        HOME=str(blocker),
        XDG_CACHE_HOME=str(blocker / "cache"),
        TMPDIR=str(temp),
        PYTHONPATH=str(code),
        PYTHONDONTWRITEBYTECODE="1",
    )
    proc = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[('a', 'b')]"
    (cache,) = temp.glob("bridges-numba-*")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert any(cache.rglob("*.nbi")), "the compiled code was cached"


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
