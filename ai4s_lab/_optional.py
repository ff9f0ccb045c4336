"""Lazy imports of optional packages, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from ai4s_lab.errors import MissingDependencyError

# import name -> (pip extra that provides it, what AI4S Lab uses it for)
_PROVIDERS: dict[str, tuple[str, str]] = {
    "rdkit": ("molecules", "molecule parsing, descriptors and fingerprints"),
    "sklearn": ("molecules", "baseline property models"),
    "gemmi": ("protein", "reading PDB and mmCIF files"),
    "biotite": ("protein", "secondary structure and alignments"),
    "MDAnalysis": ("protein", "reading MD trajectories"),
    "nglview": ("protein", "3D protein views in JupyterLab"),
    "py3Dmol": ("protein", "light 3D views that work in static HTML reports"),
    "ipywidgets": ("widgets", "interactive views"),
    "anywidget": ("widgets", "interactive views"),
    "h5netcdf": ("pde", "saving fields as NetCDF"),
    "dask": ("dask", "running sweeps on a Dask cluster"),
    "distributed": ("dask", "running sweeps on a Dask cluster"),
    "jupyterlab": ("lab", "the JupyterLab environment"),
}


def import_optional(name: str, *, purpose: str | None = None) -> ModuleType:
    """Import an optional package or raise an error that says how to install it.

    Parameters
    ----------
    name
        Import name of the package, e.g. ``"rdkit"`` or ``"rdkit.Chem"``.
    purpose
        What the caller needs it for; defaults to the registered purpose.

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        If the package is not installed; the message names the ``pip install`` command.
    """
    try:
        return importlib.import_module(name)
    except ImportError as err:
        top = name.split(".")[0]
        extra, default_purpose = _PROVIDERS.get(top, ("all", "this feature"))
        why = purpose or default_purpose
        message = (
            f"The optional package {top!r} is needed for {why} but could not be imported "
            f'({err}). Install it with: pip install "ai4s-lab[{extra}]"'
        )
        raise MissingDependencyError(message, name=top) from err


def is_available(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def extra_for(name: str) -> str:
    """The pip extra of AI4S Lab that installs the package ``name``."""
    return _PROVIDERS.get(name.split(".")[0], ("all", ""))[0]
