"""The exception and warning types of AI4S Lab.

Every error that bad input can cause is a subclass of :class:`Ai4sError`, and, where Python has a
matching built-in type, of that type too (a bad value is also a ``ValueError``, a missing file also
a ``FileNotFoundError``), so ``except ValueError`` in user code keeps working. Messages name the
input, say what was wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "Ai4sError",
    "Ai4sWarning",
    "DataFileError",
    "DeviceError",
    "DeviceUnavailableError",
    "InputError",
    "MissingDependencyError",
    "NotebookExecutionError",
    "ParameterError",
    "SolverDivergedError",
]


class Ai4sError(Exception):
    """Base class of every error raised by AI4S Lab on purpose."""


class Ai4sWarning(UserWarning):
    """Base class of the warnings AI4S Lab emits (errors in the test suite)."""


class InputError(Ai4sError, ValueError):
    """A value given by the user is malformed or out of range."""


class ParameterError(InputError):
    """A notebook or solver parameter has an unknown name or a bad value."""


class DataFileError(InputError):
    """A data file cannot be read: malformed, empty, or of an unexpected format.

    Parameters
    ----------
    path
        The file that failed.
    problem
        What is wrong with it.
    line
        1-based line number of the problem, where known.
    hint
        What the user can do about it.
    """

    def __init__(
        self, path: object, problem: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line is not None else self.path
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class DeviceError(Ai4sError, ValueError):
    """A device string cannot be understood."""


class DeviceUnavailableError(DeviceError, RuntimeError):
    """A well-formed device was asked for but this machine does not have it."""


class MissingDependencyError(Ai4sError, ImportError):
    """An optional package is needed for a feature and is not installed."""


class NotebookExecutionError(Ai4sError, RuntimeError):
    """A notebook run through the pipeline runner failed in one of its cells.

    Attributes
    ----------
    cell_index
        0-based index of the failing cell in the notebook, where known.
    ename, evalue
        The exception name and value reported by the kernel.
    output_dir
        Folder that keeps the partial executed notebook, report and manifest.
    """

    def __init__(
        self,
        notebook: object,
        *,
        cell_index: int | None,
        ename: str,
        evalue: str,
        output_dir: object,
    ) -> None:
        self.notebook = str(notebook)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        self.output_dir = str(output_dir)
        cell = f"cell {cell_index}" if cell_index is not None else "a cell"
        super().__init__(
            f"{self.notebook}: {cell} failed with {ename}: {evalue} "
            f"(partial outputs kept in {self.output_dir})"
        )


class SolverDivergedError(Ai4sError, FloatingPointError):
    """A time integration blew up (NaN, inf, or growth past a bound)."""
