"""Confidence of predicted models: pLDDT bands and predicted aligned error (PAE) matrices.

pLDDT (predicted local distance difference test, 0–100) is read from the B-factor column by
:func:`ai4s_lab.protein.load_structure`; PAE (Å) comes in a JSON file beside the model.

References
----------
.. [1] J. Jumper et al., "Highly accurate protein structure prediction with AlphaFold",
   Nature 596, 583–589 (2021), doi:10.1038/s41586-021-03819-2.
.. [2] M. Varadi et al., "AlphaFold Protein Structure Database", Nucleic Acids Res. 50,
   D439–D444 (2022), doi:10.1093/nar/gkab1061.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ai4s_lab.errors import DataFileError

__all__ = ["PAE", "PLDDT_BANDS", "load_pae", "plddt_band"]

#: AlphaFold DB confidence bands: (lower bound, name), pLDDT ≥ bound.
PLDDT_BANDS = ((90.0, "very high"), (70.0, "confident"), (50.0, "low"), (0.0, "very low"))


def plddt_band(plddt: Any) -> np.ndarray:
    """The AlphaFold DB band of each pLDDT value (``"very high"`` ≥ 90, ``"confident"`` ≥ 70,
    ``"low"`` ≥ 50, else ``"very low"``) [2]_."""
    values = np.asarray(plddt, dtype=float)
    out = np.full(values.shape, PLDDT_BANDS[-1][1], dtype=object)
    for bound, name in reversed(PLDDT_BANDS[:-1]):
        out[values >= bound] = name
    return out


@dataclass(frozen=True)
class PAE:
    """A predicted aligned error matrix.

    Attributes
    ----------
    matrix
        ``(n, n)`` float array in Å: expected position error of residue *j* (column) when the
        prediction and the true structure are aligned on residue *i* (row).
    max_error
        The largest value the predictor can report (31.75 Å for AlphaFold).
    ptm, iptm
        Predicted TM-scores where the file gives them.
    source
        The file read.
    """

    matrix: np.ndarray
    max_error: float
    ptm: float | None = None
    iptm: float | None = None
    source: str = ""

    @property
    def n_residues(self) -> int:
        """Number of residues (the matrix side)."""
        return int(self.matrix.shape[0])


def load_pae(path: str | Path) -> PAE:
    """Read a PAE matrix from an AlphaFold DB, AlphaFold/ColabFold or Uni-Fold JSON file.

    Accepted layouts: AlphaFold DB v3+ ``[{"predicted_aligned_error": [[...]],
    "max_predicted_aligned_error": 31.75}]``; AlphaFold DB v1/v2 ``[{"residue1": [...],
    "residue2": [...], "distance": [...], "max_predicted_aligned_error": ...}]`` (1-based
    residue numbers); ColabFold ``{"pae": [[...]], "max_pae": ..., "ptm": ..., "plddt": ...}``
    (``.json`` or ``.json.gz``).

    Parameters
    ----------
    path
        The JSON file.

    Returns
    -------
    PAE

    Raises
    ------
    DataFileError
        Not JSON, no PAE in it, or a matrix that is not square with finite values ≥ 0.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"PAE file {str(path)!r} does not exist")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataFileError(path, f"not a valid gzip file ({err})") from err
    if not raw.strip():
        raise DataFileError(path, "is empty", hint="expected a PAE JSON file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DataFileError(path, "is binary, not a JSON file") from err
    except json.JSONDecodeError as err:
        raise DataFileError(path, f"is not valid JSON: {err.msg}", line=err.lineno) from err
    if isinstance(data, list):
        if len(data) != 1 or not isinstance(data[0], dict):
            raise DataFileError(path, "expected a list holding one PAE object")
        data = data[0]
    if not isinstance(data, dict):
        raise DataFileError(path, f"expected a JSON object, found {type(data).__name__}")
    if "predicted_aligned_error" in data or "pae" in data:
        values = data.get("predicted_aligned_error", data.get("pae"))
        try:
            matrix = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise DataFileError(path, f"the PAE matrix is not numeric ({err})") from err
    elif {"residue1", "residue2", "distance"} <= data.keys():
        i = np.asarray(data["residue1"], dtype=np.int64) - 1
        j = np.asarray(data["residue2"], dtype=np.int64) - 1
        dist = np.asarray(data["distance"], dtype=np.float64)
        if not (len(i) == len(j) == len(dist)) or len(i) == 0 or i.min() < 0 or j.min() < 0:
            raise DataFileError(path, "residue1/residue2/distance lists do not fit together")
        n = int(max(i.max(), j.max())) + 1
        matrix = np.full((n, n), np.nan)
        matrix[i, j] = dist
    else:
        keys = ", ".join(sorted(data)[:8])
        raise DataFileError(
            path,
            f"holds no PAE (no 'predicted_aligned_error', 'pae' or 'residue1' key; keys: {keys})",
        )
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise DataFileError(path, f"the PAE matrix has shape {matrix.shape}; expected (n, n)")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise DataFileError(path, "the PAE matrix holds missing, infinite or negative values")
    max_error = data.get("max_predicted_aligned_error", data.get("max_pae"))
    return PAE(
        matrix=matrix,
        max_error=float(max_error) if max_error is not None else float(matrix.max()),
        ptm=_float_or_none(data.get("ptm")),
        iptm=_float_or_none(data.get("iptm")),
        source=str(path),
    )


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
