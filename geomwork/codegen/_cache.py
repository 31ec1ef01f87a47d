"""Disk cache of generated kernel modules, and loading them with linecache entries.

A cached module is the file ``<name>_<expression hash[:20]>.py`` in the cache
directory.  The header of the file names the full expression hash and the
sha256 of the rest of the file, so a truncated or edited file is detected and
regenerated instead of imported.
"""

from __future__ import annotations

import linecache
import logging
import os
import sys
import tempfile
import types
import warnings
from pathlib import Path

from ._emit import HEADER_LINES, source_digest

logger = logging.getLogger("geomwork.codegen.cache")

CACHE_ENVIRONMENT_VARIABLE = "GEOMWORK_CACHE_DIR"
HASH_CHARS_IN_FILENAME = 20


class KernelCacheWarning(UserWarning):
    """The kernel cache directory could not be used and another one was chosen."""


def default_cache_dir() -> Path:
    """Return the kernel cache directory for this user.

    The environment variable ``GEOMWORK_CACHE_DIR`` wins when set.  Otherwise
    the directory is ``geomwork/kernels`` under the platform's user cache
    directory: ``%LOCALAPPDATA%`` on Windows, ``~/Library/Caches`` on macOS and
    ``$XDG_CACHE_HOME`` (default ``~/.cache``) elsewhere.
    """
    override = os.environ.get(CACHE_ENVIRONMENT_VARIABLE)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "geomwork" / "kernels"


def _check_writable(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
        pass


class KernelCache:
    """A directory of generated kernel modules.

    Parameters
    ----------
    directory : str or Path, optional
        Cache directory; defaults to :func:`default_cache_dir`.  When it cannot
        be created or written, the cache warns with :class:`KernelCacheWarning`
        and uses a fresh temporary directory instead.
    """

    def __init__(self, directory=None):
        requested = Path(directory).expanduser() if directory is not None else default_cache_dir()
        try:
            _check_writable(requested)
            self.directory = requested
        except OSError as error:
            fallback = Path(tempfile.mkdtemp(prefix="geomwork-kernels-"))
            message = (
                f"kernel cache directory {str(requested)!r} is not writable ({error}); "
                f"using {str(fallback)!r} for this session. Set {CACHE_ENVIRONMENT_VARIABLE} "
                f"or pass cache_dir= to choose a writable directory"
            )
            logger.warning(message)
            warnings.warn(message, KernelCacheWarning, stacklevel=3)
            self.directory = fallback

    def path_for(self, name: str, expression_hash: str) -> Path:
        """Return the file of kernel ``name`` with this expression hash."""
        return self.directory / f"{name}_{expression_hash[:HASH_CHARS_IN_FILENAME]}.py"

    def load(self, name: str, expression_hash: str) -> str | None:
        """Return the cached source, or None when missing or corrupted.

        A corrupted file (its header or its source hash does not match) is
        logged at WARNING and removed, so that the caller regenerates it.
        """
        path = self.path_for(name, expression_hash)
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("cannot read cached kernel %s (%s); regenerating it", path, error)
            return None
        problem = verify_source(source, expression_hash)
        if problem is None:
            logger.debug("cache hit for kernel %r: %s", name, path)
            return source
        logger.warning("cached kernel %s is corrupted (%s); regenerating it", path, problem)
        try:
            path.unlink()
        except OSError as error:
            logger.warning("cannot remove corrupted kernel %s (%s)", path, error)
        return None

    def store(self, name: str, expression_hash: str, source: str) -> Path | None:
        """Write ``source`` atomically and return its path, or None on failure.

        A failed write logs a WARNING and leaves the kernel usable from memory.
        """
        path = self.path_for(name, expression_hash)
        try:
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.directory, prefix=f".{path.stem}-",
                suffix=".tmp", delete=False,
            ) as handle:
                handle.write(source)
            os.replace(handle.name, path)
        except OSError as error:
            logger.warning("cannot write kernel %s (%s); keeping it in memory only", path, error)
            return None
        logger.debug("wrote kernel %r to %s", name, path)
        return path


def verify_source(source: str, expression_hash: str) -> str | None:
    """Return what is wrong with a kernel module's header, or None if it is intact."""
    lines = source.splitlines(keepends=True)
    if len(lines) < HEADER_LINES:
        return "the header is missing"
    expression_line = lines[1].strip()
    source_line = lines[2].strip()
    if expression_line != f"# expression-sha256: {expression_hash}":
        return "the expression hash in the header does not match"
    if not source_line.startswith("# source-sha256: "):
        return "the source hash line is missing"
    recorded = source_line.removeprefix("# source-sha256: ")
    if recorded != source_digest("".join(lines[HEADER_LINES:])):
        return "the source hash does not match the file contents"
    return None


def load_module(source: str, filename: str, module_name: str) -> types.ModuleType:
    """Execute kernel ``source`` as a module and register its lines in linecache.

    The linecache entry has no modification time, so ``linecache.checkcache``
    keeps it and tracebacks show the generated lines even if the file is
    deleted later.
    """
    module = types.ModuleType(module_name)
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    code = compile(source, filename, "exec")
    exec(code, module.__dict__)
    return module
