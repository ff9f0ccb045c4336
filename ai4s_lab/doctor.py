"""``ai4s-lab doctor``: what is installed, what is missing, and the command that fixes it."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ai4s_lab._optional import is_available

__all__ = ["Check", "diagnose", "format_report"]

_LABEXTENSION = "ai4s-lab"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = True


def diagnose() -> list[Check]:
    """Inspect the environment; nothing here raises for a missing package."""
    checks = [_check_torch()]
    checks += [
        _check_distribution("papermill", "papermill", "pipelines", optional=False),
        _check_distribution("plotly", "plotly", "pipelines", optional=False),
        _check_distribution("h5netcdf", "h5netcdf", "pde"),
        _check_distribution("rdkit", "rdkit", "molecules"),
        _check_distribution("scikit-learn", "scikit-learn", "molecules"),
        _check_distribution("numba", "numba", "molecules"),
        _check_distribution("gemmi", "gemmi", "protein"),
        _check_distribution("biotite", "biotite", "protein"),
        _check_distribution("MDAnalysis", "MDAnalysis", "protein"),
        _check_nglview(),
        _check_distribution("py3Dmol", "py3Dmol", "protein"),
        _check_distribution("anywidget", "anywidget", "widgets"),
        _check_distribution("dask", "distributed", "dask"),
        _check_distribution("jupyterlab", "jupyterlab", "lab"),
        _check_labextension(),
    ]
    return checks


def format_report(checks: list[Check]) -> str:
    """A plain-text table of the checks, with fixes for what is missing."""
    width = max(len(c.name) for c in checks)
    lines = [f"AI4S Lab doctor (Python {sys.version.split()[0]}, {sys.executable})", ""]
    for check in checks:
        mark = "ok     " if check.ok else ("missing" if check.optional else "MISSING")
        lines.append(f"  {mark}  {check.name:<{width}}  {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"  {'':7}  {'':<{width}}  fix: {check.fix}")
    missing = [c for c in checks if not c.ok]
    lines.append("")
    lines.append(
        "Everything is in place."
        if not missing
        else f'{len(missing)} item(s) missing; `pip install "ai4s-lab[all]"` installs all.'
    )
    return "\n".join(lines)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _check_distribution(
    label: str, distribution: str, extra: str, *, optional: bool = True
) -> Check:
    version = _version(distribution)
    if version is None:
        return Check(
            label, False, "not installed", f'pip install "ai4s-lab[{extra}]"', optional=optional
        )
    return Check(label, True, version, optional=optional)


def _check_torch() -> Check:
    if not is_available("torch"):
        return Check(
            "torch",
            False,
            "not installed",
            "pip install torch==2.13.0  (or a CUDA build for your GPU)",
            optional=False,
        )
    from ai4s_lab.device import available_devices, resolve_device

    devices = ", ".join(available_devices())
    chosen = resolve_device("auto")
    return Check(
        "torch", True, f"{_version('torch')}; devices: {devices}; auto -> {chosen}", optional=False
    )


def _check_nglview() -> Check:
    version = _version("nglview")
    if version is None:
        return Check("nglview", False, "not installed", 'pip install "ai4s-lab[protein]"')
    if version.split(".")[0] != "3":
        return Check(
            "nglview",
            False,
            f"{version} does not render in JupyterLab 4",
            "pip install nglview==3.1.4",
        )
    return Check("nglview", True, version)


def _check_labextension() -> Check:
    from jupyter_core.paths import jupyter_path

    for root in jupyter_path("labextensions"):
        if (Path(root) / _LABEXTENSION / "package.json").is_file():
            return Check("JupyterLab extension", True, f"found in {root}")
    return Check(
        "JupyterLab extension",
        False,
        "not found",
        "pip install ai4s-lab (the wheel ships it prebuilt), or `make lab` in a checkout",
    )
