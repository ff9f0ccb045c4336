"""Resolving request paths safely inside the Jupyter server's root directory."""

from __future__ import annotations

import os
from pathlib import Path

from ai4s_lab.errors import InputError

__all__ = ["OutsideRootError", "resolve_inside"]


class OutsideRootError(InputError):
    """A request named a path outside the server's root directory."""


def resolve_inside(root: str | Path, relative: str) -> Path:
    """The real path of ``relative`` under ``root``, refusing anything that leaves ``root``.

    Parameters
    ----------
    root
        The server's root directory.
    relative
        An API path: ``/``-separated, relative to the root (``""`` is the root itself).

    Raises
    ------
    OutsideRootError
        For an absolute path (``/…``, ``\\…``, a drive letter on Windows), a ``..``
        component, a NUL byte, or a path whose real location (after following symlinks) is
        outside the root.
    """
    if "\x00" in relative:
        raise OutsideRootError(f"path {relative!r} contains a NUL byte")
    text = relative.strip()
    # "~backup" and "a:b" are ordinary names on POSIX (nothing here expands "~"); a drive
    # letter makes a path absolute only on Windows.
    drive = os.name == "nt" and len(text) > 1 and text[1] == ":"
    if text.startswith(("/", "\\")) or drive:
        raise OutsideRootError(f"path {relative!r} is absolute; give a path relative to the root")
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(part == ".." for part in parts):
        raise OutsideRootError(f"path {relative!r} leaves the server root ('..')")
    real_root = Path(os.path.realpath(root))
    target = Path(os.path.realpath(real_root.joinpath(*parts)))
    if target != real_root and real_root not in target.parents:
        raise OutsideRootError(f"path {relative!r} leads outside the server root")
    return target
