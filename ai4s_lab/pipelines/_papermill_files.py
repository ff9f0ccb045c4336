"""papermill's local file handler, without ``os.chdir``.

papermill reads and writes local notebooks through a handler that wraps each read and write in
``os.chdir(<folder of the call>)`` and back. The working directory belongs to the whole process:
runs started from several threads at once (a sweep with ``workers`` > 1, the showcase with
``--workers``) interleave those changes, and the process can end up in another folder than the
one it was in (seen in CI: a sweep left its caller in the folder of an earlier test). The
handler installed here resolves a relative path against the same folder instead of changing
into it; the runner passes absolute paths anyway.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from functools import cache
from typing import Any

__all__ = ["install_local_files"]

logger = logging.getLogger(__name__)


@cache
def _local_files_class() -> type:
    from papermill.iorw import LocalHandler

    class LocalFiles(LocalHandler):
        """papermill's ``LocalHandler``, resolving paths instead of changing directory."""

        def _resolve(self, path: str) -> str:
            return path if self._cwd is None else os.path.join(self._cwd, path)

        def read(self, path: str) -> str:
            try:
                with open(self._resolve(path), encoding="utf-8") as file:
                    return file.read()
            except OSError as err:
                try:  # papermill accepts a notebook's JSON text in place of a path
                    json.loads(path)
                except ValueError:
                    raise err from None
                return path

        def listdir(self, path: str) -> list[str]:
            return [os.path.join(path, name) for name in os.listdir(self._resolve(path))]

        def write(self, buf: str, path: str) -> None:
            target = self._resolve(path)
            folder = os.path.dirname(target)
            if folder and not os.path.exists(folder):
                raise FileNotFoundError(f"output folder {folder} doesn't exist.")
            with open(target, "w", encoding="utf-8") as file:
                file.write(buf)

    return LocalFiles


def install_local_files() -> Any:
    """Put :class:`LocalFiles` in place of papermill's local handler (idempotent); returns it."""
    from papermill.iorw import papermill_io

    cls = _local_files_class()
    handlers = getattr(papermill_io, "_handlers", None)  # (scheme, handler); "local": fallback
    if not isinstance(handlers, list):  # a papermill whose registry is built otherwise
        logger.warning(
            "papermill %s: cannot replace its local file handler; notebook runs from several "
            "threads at once may change this process's working directory",
            getattr(sys.modules.get("papermill"), "__version__", "?"),
        )
        return papermill_io.get_handler("local")
    for index, (scheme, handler) in enumerate(handlers):
        if scheme == "local" and not isinstance(handler, cls):
            replacement = cls()
            replacement._cwd = handler._cwd
            handlers[index] = (scheme, replacement)
    return papermill_io.get_handler("local")
