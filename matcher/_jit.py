"""Where numba keeps the machine code it compiles for ``cache=True`` functions.

numba writes beside the sources (``matcher/__pycache__``) or in the user's
cache folder.  A service whose code is read-only and whose home is not
writable -- the Docker image, the systemd units with ``ProtectSystem=strict``
-- has neither, and numba then refuses to *import* a module with a cached
function ("no locator available"): the matcher, and every page that imports
it, would fail.  This module is imported by the compiled modules before they
define anything, and picks the folder once:

1. ``NUMBA_CACHE_DIR`` when it is set and writable (the deployment sets it to a
   persistent cache folder, so a restart does not compile again);
2. numba's own choice when ``matcher/__pycache__`` is writable (development);
3. otherwise a private folder in the temporary directory: ``bridges-numba-<uid>``
   if it is ours, a directory and closed to others (cached machine code is
   loaded and run, so a folder someone else could write is never used), else a
   fresh one from ``mkdtemp``.
"""

from __future__ import annotations

import os
import stat
import tempfile

from numba.core import config

__all__ = ["CACHE_DIR", "choose_cache_dir"]


def _writable(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return False
    return True


def _private(folder: str) -> bool:
    """Whether ``folder`` is a real directory of this user that nobody else can write or read."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def choose_cache_dir(configured: str | None, in_tree: str, temp_root: str) -> str | None:
    """The folder for numba's cache, or None for numba's own (beside the sources)."""
    if configured and _writable(configured):
        return configured
    if _writable(in_tree):
        return None
    folder = os.path.join(temp_root, f"bridges-numba-{os.getuid()}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return tempfile.mkdtemp(prefix="bridges-numba-", dir=temp_root)
    if _private(folder) and _writable(folder):
        return folder
    return tempfile.mkdtemp(prefix="bridges-numba-", dir=temp_root)


CACHE_DIR = choose_cache_dir(
    config.CACHE_DIR or None,
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__"),
    tempfile.gettempdir(),
)
if CACHE_DIR is not None:
    config.CACHE_DIR = CACHE_DIR
