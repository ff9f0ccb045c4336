"""Recognising predicted models, whose B-factor column holds pLDDT instead of B-factors.

A file says so in its header (AlphaFold, ESMFold, ColabFold, OpenFold, Uni-Fold) or with a
ModelCIF ``_ma_qa_metric`` table. Without either, one value a residue is not enough: crystal
structures refined with one B-factor a residue (grouped B-factors) look the same. The two differ
in how they follow the packing of the residues: B-factors fall where residues are densely packed
(they are largest at the surface and in loops) [1]_, while pLDDT rises there (it is lowest for
disordered, unpacked regions) [2]_.

References
----------
.. [1] B. Halle, "Flexibility and packing in proteins", Proc. Natl. Acad. Sci. USA 99,
   1274–1279 (2002), doi:10.1073/pnas.032522499.
.. [2] J. Jumper et al., "Highly accurate protein structure prediction with AlphaFold",
   Nature 596, 583–589 (2021), doi:10.1038/s41586-021-03819-2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ai4s_lab.protein.structure import Structure

__all__ = ["looks_predicted"]

# Words in a header or an mmCIF block that mark a predicted model.
_PREDICTOR_MARKERS = ("ALPHAFOLD", "ESMFOLD", "COLABFOLD", "UNI-FOLD", "UNIFOLD", "OPENFOLD")
# Words of experimental methods (PDB EXPDTA, mmCIF _exptl.method); computed models say
# "THEORETICAL MODEL" there, or nothing.
_EXPERIMENTAL_METHODS = (
    "X-RAY", "NMR", "ELECTRON", "NEUTRON", "FIBER", "DIFFRACTION", "MICROSCOPY", "SCATTERING",
    "CRYSTALLOGRAPHY", "EPR", "FLUORESCENCE", "INFRARED",
)  # fmt: skip
#: Fewest residues with a Cα for the packing test of a file with no predictor named.
MIN_RESIDUES_FOR_PACKING = 10
#: Rank correlation of the per-residue values with the packing above which they are pLDDT.
MIN_PACKING_CORRELATION = 0.0


def looks_predicted(text: str, fmt: str, structure: Structure, methods: list[str]) -> bool:
    """Whether a file is a predicted model with pLDDT in its B-factor column.

    An experimental method in the file (PDB ``EXPDTA``, mmCIF ``_exptl.method``) means real
    B-factors, even where the header names a predictor (an X-ray structure phased by molecular
    replacement with an AlphaFold model says so in its REMARK 200 / ``_refine`` records).
    Without a predictor named in the file, the values must be one a residue (of several atoms),
    within 0–1 or 0–100, in one model without waters, and rise with the packing of the
    residues (see :func:`packing_correlation`).
    """
    if any(word in method for method in methods for word in _EXPERIMENTAL_METHODS):
        return False
    if fmt == "mmcif" and "_ma_qa_metric" in text:
        return True
    head = text[:20000].upper()
    if any(marker in head for marker in _PREDICTOR_MARKERS):
        return True
    if structure.water.any() or structure.n_models > 1:
        return False
    b = structure.b_factor
    if b.size == 0 or b.min() < 0 or b.max() > 100 or np.ptp(b) == 0:
        return False
    starts = np.r_[0, np.flatnonzero(np.diff(structure.residue_index)) + 1]
    # one atom a residue, as in Cα-only models, makes "one value a residue" hold trivially
    if np.median(np.diff(np.r_[starts, b.size])) < 2:
        return False
    per_residue_max = np.maximum.reduceat(b, starts)
    per_residue_min = np.minimum.reduceat(b, starts)
    if not np.all(per_residue_max == per_residue_min):
        return False
    return packing_correlation(structure) > MIN_PACKING_CORRELATION


def packing_correlation(structure: Structure) -> float:
    """Spearman rank correlation of the Cα B-factor column with the weighted contact number.

    The weighted contact number of residue *i* is ``sum_j 1 / r_ij**2`` over the other Cα atoms
    (Å⁻²). B-factors fall with it (a negative correlation, typically −0.4 to −0.7) [1]_; pLDDT
    rises with it. NaN (read as "not predicted") for fewer than
    :data:`MIN_RESIDUES_FOR_PACKING` residues or values that are all equal.
    """
    ca = structure.atom_indices("CA")
    if ca.size < MIN_RESIDUES_FOR_PACKING:
        return float("nan")
    values = structure.b_factor[ca]
    if np.ptp(values) == 0:
        return float("nan")
    xyz = structure.coords[0, ca]
    wcn = np.empty(len(ca))
    for start in range(0, len(ca), 1024):  # rows of the distance matrix a block at a time
        block = xyz[start : start + 1024]
        d2 = ((block[:, None, :] - xyz[None, :, :]) ** 2).sum(axis=-1)
        d2[d2 == 0] = np.inf  # the residue itself (and any atom on top of it)
        wcn[start : start + len(block)] = (1.0 / d2).sum(axis=1)
    return float(np.corrcoef(_ranks(values), _ranks(wcn))[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks of ``values`` (0-based), ties sharing their mean rank, as Spearman's needs."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    mean_rank = np.cumsum(counts) - (counts + 1) / 2.0
    return np.asarray(mean_rank[inverse.reshape(-1)], dtype=np.float64)
