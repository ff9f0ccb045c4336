"""The ``run.json`` manifest: what a notebook run was given, what it produced, and where it ran."""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "MANIFEST_NAME",
    "RunManifest",
    "file_sha256",
    "git_commit",
    "package_versions",
    "read_manifest",
    "utc_now",
    "write_manifest",
]

MANIFEST_NAME = "run.json"
MANIFEST_VERSION = 1

# Distributions whose versions are worth recording when present.
_TRACKED = (
    "ai4s-lab",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
    "torch",
    "plotly",
    "papermill",
    "nbconvert",
    "ipykernel",
    "ipywidgets",
    "anywidget",
    "rdkit",
    "gemmi",
    "biotite",
    "nglview",
    "py3Dmol",
    "dask",
    "distributed",
    "jupyterlab",
)


@dataclass
class RunManifest:
    """Provenance and outcome of one notebook run.

    Attributes are written to ``run.json`` beside the executed notebook; ``status`` is one of
    ``"running"``, ``"succeeded"`` or ``"failed"``. ``stray_files`` lists the files the run
    wrote into its notebook's folder rather than its run folder (``os.environ["AI4S_RUN_DIR"]``
    in the kernel): ``path`` (relative to the notebook's folder), ``bytes``, and ``copy``, the
    copy kept in the run folder (``files/<path>``; None where it was not copied).
    """

    notebook: str
    notebook_sha256: str
    parameters: dict[str, Any]
    output_notebook: str
    report: str | None = None
    status: str = "running"
    started: str = field(default_factory=lambda: utc_now())
    finished: str | None = None
    duration_s: float | None = None
    error: dict[str, Any] | None = None
    recorded: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)
    stray_files: list[dict[str, Any]] = field(default_factory=list)
    packages: dict[str, str] = field(default_factory=dict)
    python: str = field(default_factory=lambda: platform.python_version())
    platform: str = field(default_factory=lambda: platform.platform())
    host: str = field(default_factory=socket.gethostname)
    git_commit: str | None = None
    manifest_version: int = MANIFEST_VERSION

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def write(self, folder: str | Path) -> Path:
        """Write ``run.json`` into ``folder`` atomically and return its path."""
        return write_manifest(folder, self.to_dict())


def write_manifest(folder: str | Path, data: Mapping[str, Any]) -> Path:
    """Write a manifest dict as ``folder/run.json``, atomically, and return its path."""
    path = Path(folder) / MANIFEST_NAME
    tmp = path.with_suffix(".json.tmp")
    text = json.dumps(finite(dict(data)), indent=2, default=str, allow_nan=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(folder_or_file: str | Path) -> dict[str, Any]:
    """Read a ``run.json`` (given the file or the run folder)."""
    path = Path(folder_or_file)
    if path.is_dir():
        path = path / MANIFEST_NAME
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def utc_now() -> str:
    """The current time as an ISO 8601 string in UTC."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions(names: tuple[str, ...] = _TRACKED) -> dict[str, str]:
    """Installed versions of the named distributions (absent ones are left out)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    versions["python"] = sys.version.split()[0]
    return versions


def git_commit(folder: str | Path) -> str | None:
    """The commit checked out in the git repository holding ``folder`` (None outside git).

    A ``+dirty`` suffix marks uncommitted changes.
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit + ("+dirty" if dirty.stdout.strip() else "")


def finite(value: Any) -> Any:
    """``value`` with its NaN floats as None and its infinities as ``"inf"``/``"-inf"`` (as
    recorded values are), so that it is standard JSON (``JSON.parse`` refuses ``NaN``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, Mapping):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` that ``json.dumps`` accepts (unknown objects become strings)."""
    result: dict[str, Any] = json.loads(json.dumps(dict(values), default=str))
    return result
