"""Confidence of predicted models: pLDDT bands and predicted aligned error (PAE) matrices.

pLDDT (predicted local distance difference test, 0–100) is read from the B-factor column by
:func:`ai4s_lab.protein.load_structure`; PAE (Å) comes in a JSON file beside the model (AlphaFold,
ColabFold), or a NumPy ``.npz`` file (Boltz).

References
----------
.. [1] J. Jumper et al., "Highly accurate protein structure prediction with AlphaFold",
   Nature 596, 583–589 (2021), doi:10.1038/s41586-021-03819-2.
.. [2] M. Varadi et al., "AlphaFold Protein Structure Database", Nucleic Acids Res. 50,
   D439–D444 (2022), doi:10.1093/nar/gkab1061.
.. [3] J. Wohlwend et al., "Boltz-1: Democratizing Biomolecular Interaction Modeling",
   bioRxiv (2024), doi:10.1101/2024.11.19.624167.
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ai4s_lab.errors import DataFileError, InputError

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
    tokens
        ``(chain, residue number)`` of each row where the file names them (AlphaFold 3
        ``token_chain_ids`` / ``token_res_ids``: a ligand or a modified residue is one token
        an atom); ``None`` otherwise (one row a residue).
    residue_ids
        ``(chain, number, insertion code)`` of each row, where :meth:`match` named them by
        the residues of the predicted model; ``None`` otherwise.
    """

    matrix: np.ndarray
    max_error: float
    ptm: float | None = None
    iptm: float | None = None
    source: str = ""
    tokens: tuple[tuple[str, int], ...] | None = None
    residue_ids: tuple[tuple[str, int, str], ...] | None = None

    @property
    def n_residues(self) -> int:
        """Number of residues (the matrix side)."""
        return int(self.matrix.shape[0])

    def match(self, structure: Any) -> PAE:
        """This PAE with its rows named by the residues of the model it was predicted for.

        A PAE file without tokens (AlphaFold 2, ColabFold, Boltz) has one row a residue of the
        predicted model, in order, and does not say which; once matched, :meth:`residue_matrix`
        can cut out the rows of any part of that model (``model.select(...)``).

        Parameters
        ----------
        structure
            The predicted model (a :class:`~ai4s_lab.protein.Structure`, or its
            ``residue_ids``), whole.

        Returns
        -------
        PAE
            A copy with :attr:`residue_ids` set.

        Raises
        ------
        InputError
            The model has another number of residues than the matrix has rows (or, with
            AlphaFold 3 tokens, a residue without a token).
        """
        ids = getattr(structure, "residue_ids", structure)
        keys = tuple((str(c), int(n), str(i)) for c, n, i in ids)
        if self.tokens is not None:
            self.residue_matrix(list(keys))  # the tokens name the rows: each residue needs one
        elif len(keys) != self.n_residues:
            raise InputError(
                f"the PAE of {self.source or 'this prediction'} has {self.n_residues} rows but "
                f"the structure has {len(keys)} amino-acid residues; match it to the whole "
                "model it was predicted with"
            )
        return replace(self, residue_ids=keys)

    def residue_matrix(self, residue_ids: list[tuple[str, int, str]]) -> np.ndarray:
        """The PAE between the given residues (a structure's ``residue_ids``), ``(n, n)``.

        With :attr:`tokens` (AlphaFold 3), each residue takes the row of its first token, so
        the ligand atoms and the per-atom tokens of modified residues drop out. With
        :attr:`residue_ids` (see :meth:`match`), each residue takes its row, so a part of the
        model (``model.select(residues=range(1, 101))``) gets its block of the matrix.
        Otherwise the rows are the residues of the whole model in order: the matrix is
        returned as it is where the residues are as many as its rows.

        Raises
        ------
        InputError
            A residue with no token or row of its chain and number; or, for a PAE that names
            no residues, another number of residues than the matrix has rows (the message says
            to give the whole model, or to match the PAE to it first).
        """
        if self.tokens is None and self.residue_ids is not None:
            row_of = {key: row for row, key in enumerate(self.residue_ids)}
            keys = [(str(c), int(n), str(i)) for c, n, i in residue_ids]
            return self._rows(
                row_of, keys, residue_ids, "row",
                ": they are not residues of the model it was matched to; give a part of that "
                "model",
            )  # fmt: skip
        if self.tokens is None:
            if len(residue_ids) != self.n_residues:
                raise InputError(
                    f"the PAE of {self.source or 'this prediction'} has {self.n_residues} rows, "
                    f"one for each residue of the predicted model, but {len(residue_ids)} "
                    "residues were given, and the PAE file does not say which row is which "
                    "residue. Give the whole predicted model; for a part of it, match the PAE "
                    "to the whole model first (pae.match(model).residue_matrix("
                    "part.residue_ids), or PAEView(pae.match(model), part)), or slice "
                    "pae.matrix yourself"
                )
            return self.matrix
        # with tokens, always map: a ligand can make the sizes agree while the rows do not
        first: dict[tuple[str, int], int] = {}
        for row, token in enumerate(self.tokens):
            first.setdefault(token, row)
        tokens = [(chain, number) for chain, number, _ in residue_ids]
        return self._rows(
            first, tokens, residue_ids, "token", "; give the structure the PAE was predicted with"
        )

    def _rows(
        self, row_of: Mapping[Any, int], keys: list[Any], residue_ids: Any, what: str, fix: str
    ) -> np.ndarray:
        """The matrix restricted to the rows ``row_of`` gives ``keys`` (one key a residue of
        ``residue_ids``); a residue without a row is an :class:`InputError` ending in ``fix``."""
        rows = [row_of.get(key, -1) for key in keys]
        missing = [rid for rid, row in zip(residue_ids, rows, strict=True) if row < 0]
        if missing:
            shown = ", ".join(f"{c}:{n}{str(i).strip()}" for c, n, i in missing[:5])
            raise InputError(
                f"the PAE of {self.source or 'this prediction'} has no {what} for residues "
                f"{shown} ({len(missing)} of {len(residue_ids)}){fix}"
            )
        return self.matrix[np.ix_(rows, rows)]


def load_pae(path: str | Path) -> PAE:
    """Read a PAE matrix from an AlphaFold DB, AlphaFold 2/3, ColabFold or Uni-Fold JSON file,
    or a Boltz NumPy file.

    Accepted layouts: AlphaFold DB v3+ ``[{"predicted_aligned_error": [[...]],
    "max_predicted_aligned_error": 31.75}]``; AlphaFold DB v1/v2 ``[{"residue1": [...],
    "residue2": [...], "distance": [...], "max_predicted_aligned_error": ...}]`` (1-based
    residue numbers); ColabFold ``{"pae": [[...]], "max_pae": ..., "ptm": ..., "plddt": ...}``
    (``.json`` or ``.json.gz``); AlphaFold 3 ``*_full_data_*.json`` (``"pae"`` over tokens,
    named by ``token_chain_ids`` and ``token_res_ids``: see :meth:`PAE.residue_matrix`);
    Boltz ``pae_<name>_model_<k>.npz`` (the matrix under the key
    ``"pae"``; pTM and ipTM from the ``confidence_<name>_model_<k>.json`` beside it, where
    there is one) [3]_, or any ``.npz`` / ``.npy`` file holding the matrix (key ``"pae"`` or
    ``"predicted_aligned_error"`` in an ``.npz``).

    Parameters
    ----------
    path
        The JSON or NumPy file.

    Returns
    -------
    PAE

    Raises
    ------
    DataFileError
        Not JSON (or NumPy), no PAE in it, or a matrix that is not square with finite values
        ≥ 0.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"PAE file {str(path)!r} does not exist")
    if path.is_dir():
        raise DataFileError(path, "is a folder, not a PAE JSON file")
    if path.suffix.lower() in (".npz", ".npy"):
        return _load_numpy(path)
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
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
        matrix = _pairs_to_matrix(path, data)
    else:
        keys = ", ".join(sorted(data)[:8])
        hint = (
            "an AlphaFold 3 *_summary_confidences_*.json has no PAE: read the "
            "*_full_data_*.json beside it"
            if "ranking_score" in data or "chain_iptm" in data
            else None
        )
        raise DataFileError(
            path,
            f"holds no PAE (no 'predicted_aligned_error', 'pae' or 'residue1' key; keys: {keys})",
            hint=hint,
        )
    _check_matrix(path, matrix)
    max_key = "max_predicted_aligned_error" if "max_predicted_aligned_error" in data else "max_pae"
    max_error = _float_or_none(path, data, max_key)
    return PAE(
        matrix=matrix,
        max_error=max_error if max_error is not None else float(matrix.max()),
        ptm=_float_or_none(path, data, "ptm"),
        iptm=_float_or_none(path, data, "iptm"),
        source=str(path),
        tokens=_tokens(path, data, matrix.shape[0]),
    )


def _tokens(path: Path, data: dict[str, Any], n: int) -> tuple[tuple[str, int], ...] | None:
    """AlphaFold 3's ``(token_chain_ids, token_res_ids)`` as pairs, or ``None`` without them."""
    chains, numbers = data.get("token_chain_ids"), data.get("token_res_ids")
    if chains is None or numbers is None:
        return None
    try:
        tokens = tuple((str(c), int(r)) for c, r in zip(chains, numbers, strict=True))
    except (TypeError, ValueError) as err:
        raise DataFileError(
            path, f"token_chain_ids / token_res_ids are not readable ({err})"
        ) from err
    if len(tokens) != n:
        raise DataFileError(
            path, f"names {len(tokens)} tokens for a {n} × {n} PAE matrix; they should agree"
        )
    return tokens


def _check_matrix(path: Path, matrix: np.ndarray) -> None:
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise DataFileError(path, f"the PAE matrix has shape {matrix.shape}; expected (n, n)")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise DataFileError(path, "the PAE matrix holds missing, infinite or negative values")


def _load_numpy(path: Path) -> PAE:
    """A PAE from a NumPy file: Boltz's ``pae_*.npz`` (key ``"pae"``) or a plain ``.npy``."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # an .npy file: the matrix itself
            values = loaded
        else:
            with loaded:
                values = _npz_matrix(path, loaded)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        if isinstance(err, DataFileError):
            raise
        raise DataFileError(path, f"NumPy cannot read it as a PAE file ({err})") from err
    try:
        matrix = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataFileError(path, f"the PAE matrix is not numeric ({err})") from err
    while matrix.ndim > 2 and matrix.shape[0] == 1:  # a leading batch dimension of one model
        matrix = matrix[0]
    _check_matrix(path, matrix)
    scores = _boltz_confidence(path)
    return PAE(
        matrix=matrix,
        max_error=float(matrix.max()),
        ptm=_float_or_none(path, scores, "ptm"),
        iptm=_float_or_none(path, scores, "iptm"),
        source=str(path),
    )


def _npz_matrix(path: Path, data: Any) -> np.ndarray:
    for key in ("pae", "predicted_aligned_error"):
        if key in data.files:
            return np.asarray(data[key])
    keys = ", ".join(sorted(data.files)[:8])
    raise DataFileError(
        path,
        f"holds no PAE (no 'pae' or 'predicted_aligned_error' array; arrays: {keys})",
        hint="Boltz writes the PAE to pae_<name>_model_<k>.npz beside the structure",
    )


def _boltz_confidence(path: Path) -> dict[str, Any]:
    """pTM/ipTM of Boltz's ``confidence_<name>_model_<k>.json`` beside ``pae_<name>_...``."""
    if not path.name.startswith("pae_"):
        return {}
    scores = path.with_name("confidence_" + path.name[4:]).with_suffix(".json")
    if not scores.is_file():
        return {}
    try:
        data = json.loads(scores.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}  # the scores are extras: a PAE without them is still a PAE
    return data if isinstance(data, dict) else {}


def _pairs_to_matrix(path: Path, data: dict[str, Any]) -> np.ndarray:
    """The matrix of the AlphaFold DB v1/v2 layout: 1-based residue1/residue2 lists and a
    distance list (Å), one entry a residue pair."""
    try:
        i = np.asarray(data["residue1"], dtype=np.int64) - 1
        j = np.asarray(data["residue2"], dtype=np.int64) - 1
        dist = np.asarray(data["distance"], dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise DataFileError(
            path, f"residue1/residue2/distance must be lists of numbers ({err})"
        ) from err
    if not (i.ndim == j.ndim == dist.ndim == 1 and len(i) == len(j) == len(dist)) or not len(i):
        raise DataFileError(path, "residue1/residue2/distance lists do not fit together")
    if i.min() < 0 or j.min() < 0:
        raise DataFileError(path, "residue1/residue2 hold numbers below 1 (they are 1-based)")
    n = int(max(i.max(), j.max())) + 1
    matrix = np.full((n, n), np.nan)
    matrix[i, j] = dist
    return matrix


def _float_or_none(path: Path, data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise DataFileError(path, f"{key!r} is {value!r}, not a number") from err
