"""RDKit access for the molecules core: the lazy import and the capture of RDKit's log messages.

RDKit reports why a SMILES or a molfile could not be parsed on its C++ log, which would otherwise
spam the terminal. :func:`rdkit_messages` routes that log through Python's ``sys.stderr`` for the
duration of a block and returns what was written, so a reader can attach RDKit's own reason to each
bad row of a library.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from types import ModuleType

from ai4s_lab._optional import import_optional

__all__ = ["chem", "rdkit_messages", "tidy_message"]

_STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")


def chem() -> ModuleType:
    """``rdkit.Chem``, or a :class:`~ai4s_lab.errors.MissingDependencyError` naming the extra."""
    return import_optional("rdkit.Chem")


class _Messages:
    """What RDKit logged inside one :func:`rdkit_messages` block."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        """The messages logged since the last call, one line each, without time stamps."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate(0)
        return tidy_message(text)


def tidy_message(text: str) -> str:
    """Strip RDKit's ``[hh:mm:ss]`` stamps and join the lines of a log excerpt with ``"; "``."""
    lines = [_STAMP.sub("", line).strip() for line in text.splitlines()]
    unique: list[str] = []
    for line in lines:
        if line and line not in unique and not set(line) <= {"*", " "}:
            unique.append(line)
    return "; ".join(unique)


@contextlib.contextmanager
def rdkit_messages() -> Iterator[_Messages]:
    """Capture RDKit's log inside a ``with`` block instead of letting it reach the terminal.

    Yields
    ------
    object
        Its ``take()`` returns (and clears) the messages logged so far.
    """
    rdbase = import_optional("rdkit.rdBase")
    messages = _Messages()
    rdbase.LogToPythonStderr()
    try:
        with contextlib.redirect_stderr(messages.buffer):
            yield messages
    finally:
        rdbase.LogToCppStreams()
