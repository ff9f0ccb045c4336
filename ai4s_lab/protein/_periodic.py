"""Molecules broken across the periodic box of a simulation, found and made whole.

Simulation programs write each atom (or each molecule's centre) inside the periodic box, so a
protein that straddles a face of the box has atoms on both sides: bonds 80 Å long in an 80 Å
box, an RMSD of 10 Å where the protein did not move. Residues are made whole around their first
atom (the minimum image of each atom), then the residues of a polymer chain are joined in file
order (each first atom at the minimum image of the previous residue's). This needs no bonds, so
it works for PDB and ``.gro`` topologies too; it assumes a residue spans, and consecutive
residues lie, less than half the box's narrowest width apart, which holds for any box a
solvated protein fits in. Molecules of several non-polymer residues (glycans) are made whole
residue by residue only.

Minimum images are taken in fractional coordinates, exact for vectors shorter than half the
narrowest width of any triclinic box (rhombic dodecahedra, truncated octahedra).
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_matrices", "make_whole"]

# A unit cell with a side this short (Å) is the placeholder of files without one (CRYST1 1 1 1).
_PLACEHOLDER_SIDE = 1.0


def box_matrices(dimensions: list[np.ndarray | None]) -> np.ndarray | None:
    """Box vectors ``(n_frames, 3, 3)`` (rows a, b, c; Å) from MDAnalysis's per-frame
    ``[a, b, c, α, β, γ]`` (Å, degrees); ``None`` where a frame has no box, or a placeholder."""
    from MDAnalysis.lib.mdamath import triclinic_vectors

    out = []
    for cell in dimensions:
        if cell is None or not np.all(np.isfinite(cell)):
            return None
        cell = np.asarray(cell, dtype=np.float64)
        if np.any(cell[:3] <= _PLACEHOLDER_SIDE) or np.any(cell[3:] <= 0):
            return None
        out.append(np.asarray(triclinic_vectors(cell), dtype=np.float64))
    return np.stack(out) if out else None


def make_whole(
    coords: np.ndarray,
    boxes: np.ndarray,
    residue_index: np.ndarray,
    chain_id: np.ndarray,
    is_polymer: np.ndarray,
    *,
    apply: bool,
) -> int:
    """Count, and with ``apply`` undo in place, the breaks of every frame.

    Parameters
    ----------
    coords
        ``(n_frames, n_atoms, 3)`` positions (Å), changed in place where ``apply``.
    boxes
        ``(n_frames, 3, 3)`` box vectors (Å) of each frame.
    residue_index, chain_id, is_polymer
        Per-atom residue, chain and whether the residue is an amino acid or nucleotide.
    apply
        Make the molecules whole; otherwise only count.

    Returns
    -------
    int
        Residues broken (or, in a polymer chain, apart from the residue before them) in at
        least one frame.
    """
    # residues are numbered in the order of their first atoms (their atoms may lie apart)
    first_atom = np.unique(residue_index, return_index=True)[1]
    of_residue = first_atom[residue_index]
    linked = _linked_residues(first_atom, chain_id, is_polymer)
    broken = np.zeros(len(first_atom), dtype=bool)
    for frame, box in zip(coords, boxes, strict=True):
        inverse = np.linalg.inv(box)
        offsets, shifted = _minimum_image(frame - frame[of_residue], box, inverse)
        broken |= np.bincount(residue_index, weights=shifted, minlength=len(first_atom)) > 0
        if apply:
            frame[:] = frame[of_residue] + offsets
        if not linked.any():
            continue
        starts = frame[first_atom]
        steps, jumped = _minimum_image(starts[1:] - starts[:-1], box, inverse)
        jumped &= linked[1:]
        broken[1:] |= jumped
        if apply and jumped.any():
            # a chain's residue moves by the lattice vectors its links before it were off by
            corrections = np.zeros_like(starts)
            corrections[1:] = np.where(linked[1:, None], steps - (starts[1:] - starts[:-1]), 0.0)
            frame += _chained_sum(corrections, linked)[residue_index]
    return int(broken.sum())


def _linked_residues(
    first_atom: np.ndarray, chain_id: np.ndarray, is_polymer: np.ndarray
) -> np.ndarray:
    """Per residue: a polymer residue that follows a polymer residue of the same chain."""
    polymer = is_polymer[first_atom]
    chain = chain_id[first_atom]
    linked = np.zeros(len(first_atom), dtype=bool)
    linked[1:] = polymer[1:] & polymer[:-1] & (chain[1:] == chain[:-1])
    return linked


def _chained_sum(steps: np.ndarray, linked: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``steps`` (n, 3) that restart at each residue not ``linked`` to the
    one before (``linked[0]`` is False; ``steps`` is 0 there)."""
    total = np.cumsum(steps, axis=0)
    chain_start = np.maximum.accumulate(np.where(linked, 0, np.arange(len(linked))))
    return total - total[chain_start]


def _minimum_image(
    vectors: np.ndarray, box: np.ndarray, inverse: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The minimum images of ``vectors`` (n, 3) in the box, and which ones changed."""
    fractional = vectors @ inverse
    shift = np.round(fractional)
    changed = np.any(shift != 0, axis=1)
    return (fractional - shift) @ box, changed
