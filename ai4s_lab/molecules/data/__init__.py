"""Small real data sets shipped with the package (see ``README.md`` in this folder)."""

from __future__ import annotations

from pathlib import Path

from ai4s_lab.errors import InputError

__all__ = ["example_path"]

_HERE = Path(__file__).resolve().parent
_FILES = {
    "first_5K.smi": "4999 NCI compounds, 'SMILES<TAB>id' (RDKit's Data/NCI/first_5K.smi)",
    "delaney-processed.csv": "ESOL: 1128 molecules with measured log solubility (mol/L)",
}


def example_path(name: str) -> Path:
    """Path of a data file shipped with :mod:`ai4s_lab.molecules`.

    Parameters
    ----------
    name
        ``"first_5K.smi"`` (a screening library) or ``"delaney-processed.csv"`` (ESOL aqueous
        solubility, Delaney 2004, doi:10.1021/ci034243x).
    """
    if name not in _FILES:
        raise InputError(f"no example file {name!r}; the files are {sorted(_FILES)}")
    return _HERE / name
